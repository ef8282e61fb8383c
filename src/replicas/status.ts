import type { QueryRunner } from '../drivers/types.js'
import type { ReplicaHealth, ReplicaSet } from './replica-set.js'

/** A standby as the primary sees it (`pg_stat_replication`). */
export interface StandbyOnPrimary {
  /** The standby's `application_name` (its `primary_conninfo` setting). */
  applicationName: string
  /** The standby's address, or null for a local socket. */
  clientAddr: string | null
  /** The WAL sender's state: `streaming`, `catchup`, `startup`, `backup`. */
  state: string
  /** `async`, `sync`, `potential` or `quorum`. */
  syncState: string
  /** WAL the standby has not replayed yet, in bytes. */
  replayLagBytes: number
  /** `replay_lag` in seconds (null when the standby is caught up and the primary idle). */
  replayLagSeconds: number | null
}

/** A configured replica as it sees itself, with its routing state. */
export interface ReplicaStatus extends ReplicaHealth {
  /** True when the replica answered this check. */
  reachable: boolean
  /** `pg_last_xact_replay_timestamp()`: commit time of the last replayed transaction. */
  lastReplayedCommit: Date | null
}

/** What `qdb.ops.replication()` reports: the standbys the primary streams to, and this client's replicas. */
export interface ReplicationStatus {
  /** Every standby streaming from the primary, configured here or not. */
  standbys: StandbyOnPrimary[]
  /** The `replicas` of this client, in their order. */
  replicas: ReplicaStatus[]
}

const PRIMARY_SQL = `SELECT application_name, host(client_addr) AS client_addr, state, sync_state,
  coalesce(pg_wal_lsn_diff(pg_current_wal_lsn(), replay_lsn), 0)::float8 AS lag_bytes,
  extract(epoch FROM replay_lag)::float8 AS lag_seconds
  FROM pg_stat_replication ORDER BY application_name, client_addr`

/** `qdb.ops.replication()`: checks the replicas now (which also updates routing) and reports. @internal */
export async function replicationStatus(primary: QueryRunner, set: ReplicaSet | undefined): Promise<ReplicationStatus> {
  const standbys = primary.kind === 'embedded' ? [] : (await primary.query<{
    application_name: string; client_addr: string | null; state: string; sync_state: string; lag_bytes: number; lag_seconds: number | null
  }>(PRIMARY_SQL)).map((r) => ({
    applicationName: r.application_name, clientAddr: r.client_addr, state: r.state, syncState: r.sync_state,
    replayLagBytes: Number(r.lag_bytes), replayLagSeconds: r.lag_seconds === null ? null : Number(r.lag_seconds),
  }))
  if (!set) return { standbys, replicas: [] }
  await set.check()
  const replicas = await Promise.all(set.health().map(async (h): Promise<ReplicaStatus> => {
    const driver = h.excludedBecause?.startsWith('unreachable') ? undefined : await set.tryDriver(h.index)
    if (!driver) return { ...h, reachable: false, lastReplayedCommit: null }
    try {
      const [row] = await driver.query<{ ts: number | null }>(
        'SELECT extract(epoch FROM pg_last_xact_replay_timestamp())::float8 AS ts')
      return { ...h, reachable: true, lastReplayedCommit: row?.ts == null ? null : new Date(Number(row.ts) * 1000) }
    } catch {
      return { ...h, reachable: false, lastReplayedCommit: null }
    }
  }))
  return { standbys, replicas }
}
