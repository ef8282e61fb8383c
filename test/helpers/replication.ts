import { execFile } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, appendFileSync, chownSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)
const repoRoot = resolve(import.meta.dirname, '../..')

/** Where a flavour's PostgreSQL binaries are, or why they are not usable here. */
export type Binaries = { bin: string; timescale: boolean } | { skip: string }

/** Debian's PostgreSQL 15, the machine's plain server binaries. */
export function plainBinaries(): Binaries {
  const bin = process.env['QUANTDB_PG_BIN'] ?? '/usr/lib/postgresql/15/bin'
  for (const tool of ['initdb', 'pg_ctl', 'pg_basebackup', 'postgres']) {
    if (!existsSync(join(bin, tool))) return { skip: `no ${tool} in ${bin} (set QUANTDB_PG_BIN)` }
  }
  return { bin, timescale: false }
}

/** The shared directory with timescaledb/serve.sh: beside the repository in CI, or above a worktree. */
export function sharedDir(): string | undefined {
  const candidates = [process.env['QUANTDB_SHARED_DIR'], resolve(repoRoot, '../shared'), resolve(repoRoot, '../../shared')]
  return candidates.find((d): d is string => !!d && existsSync(join(d, 'timescaledb', 'serve.sh')))
}

/** The TimescaleDB build that serve.sh ships: unpacked (once) by `serve.sh status`, which exits 3 where it cannot run. */
export async function timescaleBinaries(): Promise<Binaries> {
  const shared = sharedDir()
  if (!shared) return { skip: 'no ../shared/timescaledb/serve.sh beside the repository (set QUANTDB_SHARED_DIR)' }
  const dir = join(shared, 'timescaledb')
  const tarball = readdirSync(dir).find((f) => /^postgresql-.*-timescaledb-.*\.tar\.xz$/.test(f))
  if (!tarball) return { skip: `no TimescaleDB tarball in ${dir}` }
  try {
    // status unpacks, then asks a port nobody uses: exit 1 (not answering) is the expected outcome.
    await run('bash', [join(dir, 'serve.sh'), 'status', '1'])
  } catch (error) {
    if ((error as { code?: number }).code === 3) return { skip: `serve.sh cannot run its binaries here: ${(error as { stderr?: string }).stderr?.trim()}` }
  }
  const home = process.env['QUANTDB_TSDB_HOME'] ?? '/var/tmp/quantdb-timescaledb'
  const bin = join(home, basename(tarball, '.tar.xz'), 'pgsql', 'bin')
  if (!existsSync(join(bin, 'pg_basebackup'))) return { skip: `no pg_basebackup in ${bin}` }
  return { bin, timescale: true }
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0

/** Runs a PostgreSQL tool as the `postgres` OS user when we are root (the server refuses to run as root). */
async function pgTool(bin: string, tool: string, args: string[]): Promise<string> {
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', join(bin, tool), ...args]] : [join(bin, tool), args]
  try {
    return (await run(cmd as string, argv as string[], { timeout: 120_000 })).stdout
  } catch (error) {
    const e = error as { stderr?: string; message: string }
    throw new Error(`${tool} ${args.join(' ')} failed: ${e.stderr?.trim() || e.message}`)
  }
}

export interface ReplicatedPair {
  primaryUrl: string
  standbyUrl: string
  /** Stops the standby (fast shutdown); `startStandby()` brings it back. */
  stopStandby(): Promise<void>
  startStandby(): Promise<void>
  /** Stops both servers and removes their data directories. */
  close(): Promise<void>
}

const url = (port: number) => `postgres://postgres@127.0.0.1:${port}/postgres`

/**
 * A primary on `port` and a hot standby made with `pg_basebackup -R` on `port + 1`, streaming over
 * loopback, in a temporary directory owned by `postgres`. fsync is off: these servers are throw-away.
 *
 * @example
 * const pair = await startReplicatedPair(plainBinaries() as { bin: string; timescale: boolean }, 5501)
 */
export async function startReplicatedPair(binaries: { bin: string; timescale: boolean }, port: number): Promise<ReplicatedPair> {
  const { bin, timescale } = binaries
  const root = mkdtempSync(join(tmpdir(), 'quantdb-repl-'))
  if (asRoot) chownSync(root, Number((await run('id', ['-u', 'postgres'])).stdout.trim()), 0)
  const primary = join(root, 'primary')
  const standby = join(root, 'standby')
  const ctl = (dir: string, ...args: string[]) => pgTool(bin, 'pg_ctl', ['-D', dir, '-l', join(dir, 'server.log'), '-w', '-t', '60', ...args])
  try {
    await pgTool(bin, 'initdb', ['-D', primary, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--locale=C'])
    appendFileSync(join(primary, 'postgresql.conf'), [
      `listen_addresses = '127.0.0.1'`, `port = ${port}`, `unix_socket_directories = '${root}'`,
      'wal_level = replica', 'max_wal_senders = 5', 'hot_standby = on', 'fsync = off', 'max_connections = 60',
      'shared_buffers = 32MB', 'wal_keep_size = 64MB',
      ...(timescale ? [`shared_preload_libraries = 'timescaledb'`, 'timescaledb.telemetry_level = off', 'max_worker_processes = 16'] : []),
      '',
    ].join('\n'))
    await ctl(primary, 'start')
    await pgTool(bin, 'pg_basebackup', ['-h', '127.0.0.1', '-p', String(port), '-U', 'postgres', '-D', standby, '-R', '-X', 'stream', '-c', 'fast'])
    // Later lines win: the copied postgresql.conf still names the primary's port.
    appendFileSync(join(standby, 'postgresql.conf'), `port = ${port + 1}\n`)
    await ctl(standby, 'start')
  } catch (error) {
    await ctl(standby, '-m', 'immediate', 'stop').catch(() => {})
    await ctl(primary, '-m', 'immediate', 'stop').catch(() => {})
    rmSync(root, { recursive: true, force: true })
    throw error
  }
  return {
    primaryUrl: url(port),
    standbyUrl: url(port + 1),
    stopStandby: async () => { await ctl(standby, '-m', 'fast', 'stop') },
    startStandby: async () => { await ctl(standby, 'start') },
    close: async () => {
      await ctl(standby, '-m', 'immediate', 'stop').catch(() => {})
      await ctl(primary, '-m', 'fast', 'stop').catch(() => {})
      rmSync(root, { recursive: true, force: true })
    },
  }
}
