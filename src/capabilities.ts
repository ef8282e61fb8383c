import type { DriverKind, QueryRunner } from './drivers/types.js'

/** What the connected database can do. */
export interface Capabilities {
  /**
   * True only where TimescaleDB really works: installed, answering and with its Timescale-licensed
   * module loaded (compression, continuous aggregates), or creatable by `migrate()`.
   */
  timescale: boolean
  /** Installed TimescaleDB version, null when not installed (yet). */
  timescaleVersion: string | null
  /** `server_version` of the database. */
  postgresVersion: string
  /** `embedded` (PGlite in this process) or `postgres` (a server reached through postgres.js). */
  mode: DriverKind
}

/**
 * Detects capabilities by what the server can do, not by what it lists: a server may show
 * `timescaledb` in pg_available_extensions without preloading it, and then CREATE EXTENSION fails.
 * Before migrate() the answer is "migrate() will be able to create it"; afterwards, "it is installed, answers,
 * and its licensed module (TSL) is loaded": without that module compressed chunks cannot be read and
 * continuous aggregates refuse every write, so an extension that only half loaded is not TimescaleDB.
 * @internal
 */
export async function detectCapabilities(runner: QueryRunner): Promise<Capabilities> {
  const [info] = await runner.query<{ pg: string; ts: string | null; available: boolean }>(
    `SELECT current_setting('server_version') AS pg,
            (SELECT extversion FROM pg_extension WHERE extname = 'timescaledb') AS ts,
            EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') AS available`,
  )
  const postgresVersion = info?.pg ?? 'unknown'
  let timescale = false
  if (info?.ts) {
    timescale = (await answers(runner, 'SELECT count(*) FROM timescaledb_information.hypertables')) && (await tslLoaded(runner))
  } else if (info?.available) {
    // Not created yet. The embedded engine loads it at open; a server needs it preloaded. (A trial
    // CREATE EXTENSION rolled back is no probe: the backend keeps the library loaded and the real
    // CREATE EXTENSION then fails with "already been loaded with another version".)
    timescale = runner.kind === 'embedded' || (await preloaded(runner))
  }
  const timescaleVersion = timescale ? (info?.ts ?? null) : null
  return { timescale, timescaleVersion, postgresVersion, mode: runner.kind }
}

async function answers(runner: QueryRunner, text: string): Promise<boolean> {
  try {
    await runner.query(text)
    return true
  } catch {
    return false
  }
}

async function tslLoaded(runner: QueryRunner): Promise<boolean> {
  // _timescaledb_functions since 2.12; _timescaledb_internal before.
  for (const schema of ['_timescaledb_functions', '_timescaledb_internal']) {
    try {
      const [row] = await runner.query<{ loaded: boolean }>(`SELECT ${schema}.tsl_loaded() AS loaded`)
      return row?.loaded === true
    } catch {
      // not in this schema: try the older one
    }
  }
  return false
}

async function preloaded(runner: QueryRunner): Promise<boolean> {
  try {
    const [row] = await runner.query<{ libs: string }>(`SELECT current_setting('shared_preload_libraries') AS libs`)
    return /(^|[\s,])timescaledb([\s,]|$)/.test(row?.libs ?? '')
  } catch {
    return false // the setting is hidden from this role: migrate() will try, and tell.
  }
}
