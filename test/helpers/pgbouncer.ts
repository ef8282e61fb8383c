import { execFile } from 'node:child_process'
import { chownSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'

const run = promisify(execFile)

/** Debian's pgbouncer (`apt-get install pgbouncer`), or why it is not here. */
export function pgbouncerBinary(): { bin: string } | { skip: string } {
  const bin = process.env['QUANTDB_PGBOUNCER'] ?? '/usr/sbin/pgbouncer'
  return existsSync(bin) ? { bin } : { skip: `no pgbouncer at ${bin} (apt-get install pgbouncer, or set QUANTDB_PGBOUNCER)` }
}

export interface Bouncer {
  /** `url` with host and port replaced by the bouncer's. */
  through(url: string): string
  port: number
  stop(): Promise<void>
}

const asRoot = typeof process.getuid === 'function' && process.getuid() === 0

/**
 * PgBouncer in transaction mode on 127.0.0.1:`port` in front of the server of `serverUrl` (every
 * database, trust auth, the URL's user). Runs as a daemon as `postgres` when we are root (it
 * refuses root) and is stopped by its own pid file.
 *
 * @example
 * const bouncer = await startPgBouncer('/usr/sbin/pgbouncer', 'postgres://postgres@127.0.0.1:5432/postgres', 5505)
 * const qdb = await createQuantDb({ url: bouncer.through(dbUrl), prepare: false })
 */
export async function startPgBouncer(bin: string, serverUrl: string, port: number): Promise<Bouncer> {
  const server = new URL(serverUrl)
  const user = decodeURIComponent(server.username || 'postgres')
  const dir = mkdtempSync(join(tmpdir(), 'quantdb-bouncer-'))
  const pidfile = join(dir, 'pgbouncer.pid')
  const config = join(dir, 'pgbouncer.ini')
  writeFileSync(join(dir, 'users.txt'), `"${user}" ""\n`)
  writeFileSync(config, [
    '[databases]',
    `* = host=${server.hostname} port=${server.port || '5432'}`,
    '[pgbouncer]',
    'listen_addr = 127.0.0.1', `listen_port = ${port}`, 'unix_socket_dir =',
    'auth_type = trust', `auth_file = ${join(dir, 'users.txt')}`,
    'pool_mode = transaction', 'default_pool_size = 8', 'max_client_conn = 200',
    // Tests create and drop databases through the admin URL; idle server connections must not hold them.
    'server_idle_timeout = 5',
    `logfile = ${join(dir, 'pgbouncer.log')}`, `pidfile = ${pidfile}`,
    '',
  ].join('\n'))
  if (asRoot) {
    const uid = Number((await run('id', ['-u', 'postgres'])).stdout.trim())
    for (const f of [dir, config, join(dir, 'users.txt')]) chownSync(f, uid, 0)
  }
  const [cmd, argv] = asRoot ? ['runuser', ['-u', 'postgres', '--', bin, '-d', config]] : [bin, ['-d', config]]
  try {
    await run(cmd as string, argv as string[], { timeout: 30_000 })
  } catch (error) {
    const log = existsSync(join(dir, 'pgbouncer.log')) ? readFileSync(join(dir, 'pgbouncer.log'), 'utf8') : ''
    rmSync(dir, { recursive: true, force: true })
    throw new Error(`pgbouncer did not start: ${(error as Error).message}\n${log}`)
  }
  // The daemon forks before it listens: wait until the port accepts.
  for (let i = 0; !(await accepts(port)); i++) {
    if (i === 100) throw new Error(`pgbouncer does not listen on 127.0.0.1:${port}: ${readFileSync(join(dir, 'pgbouncer.log'), 'utf8')}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  return {
    port,
    through(url: string) {
      const u = new URL(url)
      u.hostname = '127.0.0.1'
      u.port = String(port)
      return u.toString()
    },
    async stop() {
      if (existsSync(pidfile)) {
        const pid = Number(readFileSync(pidfile, 'utf8').trim())
        try { process.kill(pid, 'SIGTERM') } catch { /* already gone */ }
        for (let i = 0; i < 50 && existsSync(pidfile); i++) await new Promise((r) => setTimeout(r, 100))
      }
      rmSync(dir, { recursive: true, force: true })
    },
  }
}

function accepts(port: number): Promise<boolean> {
  return new Promise((done) => {
    const socket = connect({ host: '127.0.0.1', port }, () => { socket.destroy(); done(true) })
    socket.on('error', () => done(false))
  })
}

/**
 * With QUANTDB_TEST_PGBOUNCER=1 (global setup): starts PgBouncer on 127.0.0.1:5507 (or
 * QUANTDB_TEST_PGBOUNCER_PORT) in front of QUANTDB_TEST_URL and points QUANTDB_TEST_URL at it, with
 * QUANTDB_PREPARE=false, for every test worker (QUANTDB_TEST_DIRECT_URL keeps the server's own URL for
 * migrationUrl: pg_dump and pg_restore need a session). Returns the teardown.
 */
export async function routeThroughPgBouncer(): Promise<(() => Promise<void>) | undefined> {
  if (process.env['QUANTDB_TEST_PGBOUNCER'] !== '1') return undefined
  const found = pgbouncerBinary()
  if ('skip' in found) throw new Error(`QUANTDB_TEST_PGBOUNCER=1 but ${found.skip}`)
  const server = process.env['QUANTDB_TEST_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'
  const bouncer = await startPgBouncer(found.bin, server, Number(process.env['QUANTDB_TEST_PGBOUNCER_PORT'] ?? 5507))
  process.env['QUANTDB_TEST_URL'] = bouncer.through(server)
  process.env['QUANTDB_TEST_DIRECT_URL'] = server // backup/restore (pg_dump, pg_restore) need a session of their own
  process.env['QUANTDB_PREPARE'] = 'false'
  console.warn(`[tests] the server suite runs through PgBouncer (transaction mode) at 127.0.0.1:${bouncer.port}`)
  return () => bouncer.stop()
}
