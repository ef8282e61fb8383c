import type { Driver, QueryRunner } from '../drivers/types.js'
import { QuantDbError } from '../errors.js'
import { emitter } from '../instrument.js'
import type { QuantDbOptions, ResolvedOptions } from '../options.js'
import type { Repos } from '../repos/create.js'
import { preparedStatements } from '../scale-options.js'
import { ReplicaSet } from './replica-set.js'
import { routeRepos } from './route-calls.js'
import { replicationStatus, type ReplicationStatus } from './status.js'

/** What the client delegates to for replicas, instrumentation and the migration URL. @internal */
export interface Scale {
  /** Wraps repositories: replica routing when `reposOn` is given and replicas are configured, hooks always. */
  route(repos: Repos, reposOn?: (runner: Driver) => Repos, inTransaction?: boolean): Repos
  replication(primary: QueryRunner): Promise<ReplicationStatus>
  replicasInUse(): number
  /** Runs the migrations on `migrationUrl` when given, on the primary otherwise. */
  migrate<T>(run: (runner: QueryRunner) => Promise<T>, primary: QueryRunner): Promise<T>
  close(): Promise<void>
}

/** Builds the replica set (checked once before the client is returned) and the call hooks. @internal */
export async function openScale(primary: Driver, options: QuantDbOptions, resolved: ResolvedOptions): Promise<Scale> {
  const instruments = [options.instrument ?? []].flat()
  const hooks = instruments.length > 0 ? emitter(instruments) : undefined
  const urls = options.replicas ?? []
  if (urls.length > 0 && !options.url) {
    throw new QuantDbError('configuration', 'replicas need a server: pass url (the primary) with them.')
  }
  const serverOptions = async (url: string, max?: number) => {
    const { openPostgres } = await import('../drivers/postgres/driver.js')
    return openPostgres({
      url, timezone: resolved.timezone, max: max ?? options.pool?.max, idleTimeout: options.pool?.idleTimeout,
      ssl: options.ssl, connectTimeout: options.connectTimeout, prepare: preparedStatements(options),
    })
  }
  const set = urls.length > 0
    ? new ReplicaSet(primary, {
      urls, open: (url) => serverOptions(url), lagLimit: options.replicaLagLimit,
      checkInterval: options.replicaCheckInterval, retryAfter: options.replicaRetryAfter, logger: resolved.logger,
    })
    : undefined
  await set?.check().catch(() => {}) // an unreachable replica is left out, not a failed open
  const readFromReplicas = set !== undefined && options.readFrom !== 'primary'
  const byReplica = new Map<number, { driver: Driver; repos: Repos }>()

  return {
    route(repos, reposOn, inTransaction = false) {
      const replicas = readFromReplicas && reposOn
        ? {
          set,
          reposOf(index: number, driver: Driver): Repos {
            let entry = byReplica.get(index)
            if (entry?.driver !== driver) {
              entry = { driver, repos: reposOn(driver) }
              byReplica.set(index, entry)
            }
            return entry.repos
          },
        }
        : undefined
      return routeRepos({ primary: repos, replicas, hooks, inTransaction })
    },
    replication: (runner) => replicationStatus(runner, set),
    replicasInUse: () => (readFromReplicas ? set.health().filter((h) => h.inUse).length : 0),
    async migrate(run, runner) {
      if (!options.migrationUrl) return run(runner)
      const direct = await serverOptions(options.migrationUrl, 1)
      try {
        return await run(direct)
      } finally {
        await direct.close()
      }
    },
    close: async () => { await set?.close() },
  }
}
