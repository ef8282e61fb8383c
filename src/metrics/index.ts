import { Registry } from 'prom-client'
import type { QuantDb } from '../client.js'
import type { Instrumentation } from '../instrument.js'
import { CALL_BUCKETS, callMetrics } from './calls.js'
import { databaseMetrics } from './database.js'
import { QuantDbError } from '../errors.js'

export { serveMetrics, type MetricsServer } from './serve.js'
export { CALL_BUCKETS } from './calls.js'

/** Options of `createMetrics` (`@quant/db/metrics`). */
export interface QuantDbMetricsOptions {
  /** Registry to add the metrics to, e.g. your service's own or prom-client's `register`. Default: a new one. */
  registry?: Registry | undefined
  /** Metric name prefix (default `quantdb_`). */
  prefix?: string | undefined
  /** Seconds of `api_logs` and `system_logs` the database gauges look back over (default 300). */
  windowSeconds?: number | undefined
  /** Histogram buckets of call durations, in seconds. */
  buckets?: number[] | undefined
}

/** Prometheus metrics of one or more `@quant/db` clients. */
export interface QuantDbMetrics {
  /**
   * The prom-client registry holding the metrics (a new one unless `options.registry` was given): serve it, or
   * merge it into yours.
   */
  readonly registry: Registry
  /** Pass as `createQuantDb({ instrument })`: times every repository call, counts ingest rows and errors. */
  readonly instrument: Instrumentation
  /** Adds the database-side gauges (api_logs, system_logs, jobs, compression, replicas, connections), read at each scrape. */
  observe(qdb: QuantDb): void
  /** The exposition text (what `/metrics` serves). */
  metrics(): Promise<string>
}

/**
 * Prometheus metrics for `@quant/db` (needs the optional peer dependency `prom-client`).
 *
 * @example
 * ```ts
 * import { register } from 'prom-client'
 * import { createQuantDb } from '@quant/db'
 * import { createMetrics } from '@quant/db/metrics'
 *
 * const metrics = createMetrics({ registry: register })        // join the service's own registry
 * const qdb = await createQuantDb({ url: process.env.DATABASE_URL, instrument: metrics.instrument })
 * metrics.observe(qdb)                                          // api_logs, jobs, compression, replica lag
 * app.get('/metrics', async (_req, res) => res.type(register.contentType).send(await register.metrics()))
 * ```
 */
export function createMetrics(options: QuantDbMetricsOptions = {}): QuantDbMetrics {
  const registry = options.registry ?? new Registry()
  const prefix = options.prefix ?? 'quantdb_'
  const instrument = callMetrics(registry, prefix, options.buckets ?? CALL_BUCKETS)
  let observed = false
  return {
    registry,
    instrument,
    observe(qdb) {
      // Gauges are registered once per registry; a second database would need a prefix of its own.
      if (observed) throw new QuantDbError('configuration', 'createMetrics(): observe() takes one database; create another with its own prefix for a second one')
      observed = true
      databaseMetrics(registry, prefix, qdb, options.windowSeconds ?? 300)
    },
    metrics: () => registry.metrics(),
  }
}
