import { execFile } from 'node:child_process'
import { existsSync, readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { dirname, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { promisify } from 'node:util'
import postgres, { type ReservedSql, type Sql } from 'postgres'

const run = promisify(execFile)
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms))

/**
 * A second connection to a test database, to break the library's connections on purpose:
 * it holds table locks (so that a call is reliably blocked mid-transaction, on the server) and
 * terminates the library's backends while they wait.
 */
export class Saboteur {
  private readonly sql: Sql
  private locker: ReservedSql | undefined

  constructor(url: string) {
    this.sql = postgres(url, { max: 2, onnotice: () => {}, connect_timeout: 5 })
  }

  /** Takes an ACCESS EXCLUSIVE lock on `table` in a transaction of its own, until `unlock()`. */
  async lock(table: string): Promise<void> {
    this.locker = await this.sql.reserve()
    await this.locker.unsafe('BEGIN')
    await this.locker.unsafe(`LOCK TABLE ${table} IN ACCESS EXCLUSIVE MODE`)
  }

  async unlock(): Promise<void> {
    const locker = this.locker
    this.locker = undefined
    if (!locker) return
    await locker.unsafe('ROLLBACK')
    locker.release()
  }

  /**
   * Waits (a bounded number of polls) until a backend of the library (`application_name` quant-db,
   * or `application` for a caller's own client) in `database` waits for a lock, and returns its pid:
   * the call is then surely mid-transaction.
   */
  async blockedBackend(database: string, application = 'quant-db'): Promise<number> {
    for (let i = 0; i < 1_000; i++) {
      const rows = await this.sql.unsafe(
        `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = $2 AND wait_event_type = 'Lock'`, [database, application])
      if (rows[0]) return Number(rows[0]['pid'])
      await sleep(10)
    }
    throw new Error(`no backend of ${database} got blocked on the lock`)
  }

  /** Waits (bounded) until a backend of the library in `database` runs a statement matching `like`. */
  async activeBackend(database: string, like: string): Promise<number> {
    for (let i = 0; i < 4_000; i++) {
      const rows = await this.sql.unsafe(
        `SELECT pid FROM pg_stat_activity WHERE datname = $1 AND application_name = 'quant-db' AND state = 'active' AND query LIKE $2`, [database, like])
      if (rows[0]) return Number(rows[0]['pid'])
      await sleep(5)
    }
    throw new Error(`no backend of ${database} ran ${like}`)
  }

  /** pg_terminate_backend, then waits (bounded) until the backend is gone. */
  async terminate(pid: number): Promise<void> {
    await this.sql.unsafe('SELECT pg_terminate_backend($1)', [pid])
    for (let i = 0; i < 500; i++) {
      if ((await this.sql.unsafe('SELECT 1 FROM pg_stat_activity WHERE pid = $1', [pid])).length === 0) return
      await sleep(10)
    }
    throw new Error(`backend ${pid} did not exit`)
  }

  /** Closes this connection without a word to a server that may be gone. */
  async end(): Promise<void> {
    this.locker = undefined
    await this.sql.end({ timeout: 0 }).catch(() => {})
  }
}

/**
 * `promise`, or a rejection naming `what` once `ms` have passed: a test of connection faults must
 * fail, never hang, when a settlement it waits for does not come.
 */
export function within<T>(ms: number, what: string, promise: PromiseLike<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined
  const late = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no answer within ${ms} ms`)), ms)
  })
  return Promise.race([Promise.resolve(promise), late]).finally(() => clearTimeout(timer))
}

/** A TimescaleDB server of the test's own, started with the shared serve.sh on a port of its own. */
export interface OwnServer {
  url: string
  /** kill -9 of the postmaster and its children: the server dies as in a crash. */
  kill(): Promise<void>
  /** Starts it again (crash recovery) and waits until it answers. */
  start(): Promise<void>
  stop(): Promise<void>
}

// shared/ lies beside the repository (in a CI clone as in the work tree).
const SERVE = process.env['QUANTDB_SERVE_SCRIPT']
  ?? resolve(dirname(fileURLToPath(import.meta.url)), '../../../shared/timescaledb/serve.sh')
const HOME = process.env['QUANTDB_TSDB_HOME'] ?? '/var/tmp/quantdb-timescaledb'

/** Why an own server cannot be had here, or `undefined` when it can. */
export function ownServerUnavailable(): string | undefined {
  if (!existsSync(SERVE)) return `no serve.sh at ${SERVE} (set QUANTDB_SERVE_SCRIPT)`
  if (process.platform !== 'linux' || process.arch !== 'x64') return 'serve.sh runs its x86_64 Linux build only'
  if (!existsSync('/proc/self/cwd')) return 'no /proc to find the server processes to kill'
  return undefined
}

/** Pids of the processes whose working directory is `dataDir` (Linux /proc). */
function serverProcesses(dataDir: string): number[] {
  const pids: number[] = []
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue
    try {
      if (readlinkSync(`/proc/${entry}/cwd`) === dataDir) pids.push(Number(entry))
    } catch { /* gone, or not ours to read */ }
  }
  return pids
}

/** Starts a TimescaleDB server on `port` (one the test owns: it is killed with -9). */
export async function ownServer(port: number): Promise<OwnServer> {
  const start = async () => {
    const { stdout } = await run(SERVE, ['start', String(port)], { timeout: 120_000 })
    return stdout.trim().split('\n').pop() ?? ''
  }
  const url = await start()
  return {
    url,
    async kill() {
      const dataDir = `${HOME}/data-${port}`
      const pid = Number(readFileSync(`${dataDir}/postmaster.pid`, 'utf8').split('\n')[0])
      process.kill(pid, 'SIGKILL')
      // Then every process of that server (they all run in its data directory), the orphans too: a
      // TimescaleDB job worker outlives its postmaster and would keep the next start from binding
      // the shared memory. Twice, for one forked while the first sweep ran.
      for (let sweep = 0; sweep < 2; sweep++) {
        for (const p of serverProcesses(dataDir)) {
          try { process.kill(p, 'SIGKILL') } catch { /* already gone */ }
        }
        await sleep(100)
      }
    },
    async start() { await start() },
    async stop() { await run(SERVE, ['stop', String(port)], { timeout: 60_000 }).catch(() => {}) },
  }
}
