import type { Driver, QueryRunner } from '../drivers/types.js'
import { QuantDbError } from '../errors.js'
import type { QuantDbLogger } from '../options.js'
import { describeServer } from './describe.js'

/** What routing knows about one replica. */
export interface ReplicaHealth {
  /** Position in `replicas` (0-based). */
  index: number
  /** host:port/database, never credentials. */
  server: string
  /** Serving reads now. */
  inUse: boolean
  /** Replay lag in seconds at the last check (0 when it had replayed everything the primary had written); null if unknown. */
  lagSeconds: number | null
  /** Why it is left out, when it is. */
  excludedBecause: string | null
  /** When a left-out replica is tried again. */
  retryAt: Date | null
}

/** @internal */
export interface ReplicaSetOptions {
  urls: readonly string[]
  open(url: string): Promise<Driver>
  /** Seconds a replica may lag before it is left out (default 30). */
  lagLimit?: number | undefined
  /** Seconds between health checks (default 5). */
  checkInterval?: number | undefined
  /** Seconds an unreachable replica is left out before it is tried again (default 30). */
  retryAfter?: number | undefined
  logger: QuantDbLogger
}

interface Replica {
  index: number
  url: string
  server: string
  driver: Driver | undefined
  opening: Promise<Driver> | undefined
  lagSeconds: number | null
  excludedBecause: string | null
  retryAt: number
}

const STANDBY_SQL = `SELECT pg_is_in_recovery() AS recovery,
  coalesce(pg_last_wal_replay_lsn() >= $1::pg_lsn, false) AS caught_up,
  extract(epoch FROM now() - pg_last_xact_replay_timestamp())::float8 AS since`

/**
 * The replicas of one client: opened lazily, checked every few seconds against the primary's WAL
 * position, and left out for a while when unreachable, not a standby, or behind by more than the lag
 * limit. `usable()` never waits for a check; a check runs in the background when one is due.
 * @internal
 */
export class ReplicaSet {
  private readonly replicas: Replica[]
  private readonly lagLimit: number
  private readonly checkMs: number
  private readonly retryMs: number
  private lastCheck = 0
  private checking: Promise<void> | undefined
  private next = 0

  constructor(private readonly primary: QueryRunner, private readonly options: ReplicaSetOptions) {
    this.replicas = options.urls.map((url, index) => ({
      index, url, server: describeServer(url), driver: undefined, opening: undefined,
      lagSeconds: null, excludedBecause: 'not checked yet', retryAt: 0,
    }))
    this.lagLimit = options.lagLimit ?? 30
    this.checkMs = (options.checkInterval ?? 5) * 1000
    this.retryMs = (options.retryAfter ?? 30) * 1000
  }

  get size(): number { return this.replicas.length }

  /** Replicas serving reads now, rotated so consecutive calls spread over them. Starts a due check. */
  usable(): { index: number; driver: Driver }[] {
    if (Date.now() - this.lastCheck >= this.checkMs && !this.checking) void this.check().catch(() => {})
    const ok = this.replicas.filter((r): r is Replica & { driver: Driver } => r.excludedBecause === null && r.driver !== undefined)
    if (ok.length === 0) return []
    const start = this.next++ % ok.length
    return [...ok.slice(start), ...ok.slice(0, start)].map((r) => ({ index: r.index, driver: r.driver }))
  }

  /** Leaves a replica out after a failed call; it is tried again after `retryAfter`. */
  exclude(index: number, error: unknown): void {
    const r = this.replicas[index]
    if (!r) return
    const why = error instanceof Error ? error.message : String(error)
    // Once per outage: on the first failure, not again at every retry that fails.
    if (!r.excludedBecause?.startsWith('unreachable')) this.options.logger.warn?.(`Replica ${r.server} left out for ${this.retryMs / 1000} s: ${why}`)
    r.excludedBecause = `unreachable: ${why}`
    r.retryAt = Date.now() + this.retryMs
  }

  /** Checks every replica now (lag against the primary's WAL position, reachability) and updates routing. */
  check(): Promise<void> {
    this.checking ??= this.runCheck().finally(() => { this.checking = undefined })
    return this.checking
  }

  private async runCheck(): Promise<void> {
    const [row] = await this.primary.query<{ lsn: string }>('SELECT pg_current_wal_lsn()::text AS lsn')
    const lsn = row?.lsn ?? '0/0'
    const now = Date.now()
    await Promise.all(this.replicas.map(async (r) => {
      if (r.excludedBecause?.startsWith('unreachable') && now < r.retryAt) return
      try {
        const driver = await this.driverOf(r)
        const [s] = await driver.query<{ recovery: boolean; caught_up: boolean; since: number | null }>(STANDBY_SQL, [lsn])
        if (!s?.recovery) {
          r.lagSeconds = null
          r.excludedBecause = 'not a standby (pg_is_in_recovery() is false): reads stay on the primary'
          r.retryAt = now + this.retryMs
          return
        }
        r.lagSeconds = s.caught_up ? 0 : (s.since ?? Number.POSITIVE_INFINITY)
        r.excludedBecause = r.lagSeconds > this.lagLimit ? `lagging ${r.lagSeconds.toFixed(1)} s (limit ${this.lagLimit} s)` : null
        r.retryAt = r.excludedBecause ? now + this.checkMs : 0
      } catch (error) {
        this.exclude(r.index, error)
      }
    }))
    this.lastCheck = Date.now()
  }

  private async driverOf(r: Replica): Promise<Driver> {
    if (r.driver) return r.driver
    r.opening ??= this.options.open(r.url).finally(() => { r.opening = undefined })
    r.driver = await r.opening
    return r.driver
  }

  /** Health of every replica as routing sees it. */
  health(): ReplicaHealth[] {
    return this.replicas.map((r) => ({
      index: r.index, server: r.server, inUse: r.excludedBecause === null && r.driver !== undefined,
      lagSeconds: r.lagSeconds, excludedBecause: r.excludedBecause, retryAt: r.retryAt ? new Date(r.retryAt) : null,
    }))
  }

  /** The driver of a replica, opened if needed (for `ops.replication()`); undefined when it cannot be reached. */
  async tryDriver(index: number): Promise<Driver | undefined> {
    const r = this.replicas[index]
    if (!r) return undefined
    try {
      return await this.driverOf(r)
    } catch {
      return undefined
    }
  }

  async close(): Promise<void> {
    await this.checking?.catch(() => {})
    await Promise.all(this.replicas.map(async (r) => {
      const d = r.driver ?? (await r.opening?.catch(() => undefined))
      r.driver = undefined
      await d?.close().catch(() => {})
    }))
  }
}

/** Errors after which a read is retried elsewhere: the replica is gone, or replay cancelled the query. */
export function isReplicaFailure(error: unknown): boolean {
  return error instanceof QuantDbError && (error.reason === 'connection' || error.reason === 'serialization')
}
