import { AGGREGATES, type AggregateName } from '../migrate.js'
import type { RepoContext } from '../repos/context.js'

/**
 * `qdb.ops`: the operator's side — aggregates, policies and jobs, compression, maintenance.
 * Each method works in both modes; what TimescaleDB does by itself, plain mode does here.
 */
export class Ops {
  constructor(private readonly ctx: RepoContext) {}

  /**
   * Refreshes aggregates now: `refresh_continuous_aggregate` over the whole range with TimescaleDB,
   * `REFRESH MATERIALIZED VIEW` in plain mode.
   *
   * @example
   * ```ts
   * await qdb.ops.refreshAggregates(['ohlcv_daily_summary'])
   * ```
   */
  async refreshAggregates(names: readonly AggregateName[] = AGGREGATES): Promise<void> {
    for (const name of names) {
      if (!AGGREGATES.includes(name)) throw new RangeError(`Unknown aggregate ${name}`)
      if (this.ctx.capabilities.timescale) {
        // CALL refresh_continuous_aggregate cannot run inside a transaction block.
        await this.ctx.runner.exec(`CALL refresh_continuous_aggregate('${name}', NULL, NULL)`)
      } else {
        await this.ctx.runner.exec(`REFRESH MATERIALIZED VIEW ${name}`)
      }
    }
  }
}
