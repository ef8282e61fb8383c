import type { Instrumentation } from './instrument.js'

/**
 * Options of {@link createQuantDb} for services at scale: read replicas, transaction poolers,
 * instrumentation. All server mode only except `instrument`.
 *
 * @example
 * ```ts
 * const qdb = await createQuantDb({
 *   url: process.env.DATABASE_URL,                       // the primary, or PgBouncer in front of it
 *   replicas: [process.env.REPLICA_1_URL!, process.env.REPLICA_2_URL!],
 *   replicaLagLimit: 10,                                 // seconds
 *   prepare: false,                                      // through PgBouncer in transaction mode
 *   migrationUrl: process.env.DIRECT_DATABASE_URL,       // migrate() straight to the primary
 * })
 * ```
 */
export interface ScaleOptions {
  /**
   * Hot standbys (streaming replicas) of `url`: read-only repository calls (`ohlcv.recent/range/panel`,
   * `factors.topSignals/history`, `portfolio.performance`, lists ...) are served by them; writes,
   * `transaction()` and `qdb.primary` run on `url`. A replica that is unreachable or lagging is left out
   * for a while and the call is served by another replica or the primary.
   */
  replicas?: readonly string[] | undefined
  /** Seconds of replay lag after which a replica stops serving reads (default 30). */
  replicaLagLimit?: number | undefined
  /** Seconds between replica health checks (default 5). */
  replicaCheckInterval?: number | undefined
  /** Seconds an unreachable replica is left out before it is tried again (default 30). */
  replicaRetryAfter?: number | undefined
  /** `'primary'`: this client reads its own writes (replicas unused for reads). Default `'replicas'`. */
  readFrom?: 'replicas' | 'primary' | undefined
  /**
   * `false` for transaction poolers (PgBouncer `pool_mode = transaction` before 1.21): no named
   * prepared statements, which a pooler would hand to another server connection. Default: true, or
   * `QUANTDB_PREPARE=false` from the environment.
   */
  prepare?: boolean | undefined
  /** A direct URL to the primary that `migrate()` uses instead of `url` (e.g. when `url` is a pooler). */
  migrationUrl?: string | undefined
  /** Hooks around every repository call (see `@quant/db/metrics` for Prometheus). */
  instrument?: Instrumentation | readonly Instrumentation[] | undefined
}

/** `prepare`, then `QUANTDB_PREPARE=false` (for a whole deployment behind a pooler), then postgres.js's default. */
export function preparedStatements(options: ScaleOptions, env: NodeJS.ProcessEnv = process.env): boolean | undefined {
  if (options.prepare !== undefined) return options.prepare
  const v = env['QUANTDB_PREPARE']?.trim().toLowerCase()
  return v === 'false' || v === '0' || v === 'off' ? false : undefined
}
