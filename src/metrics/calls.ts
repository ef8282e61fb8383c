import { Counter, Gauge, Histogram, type Registry } from 'prom-client'
import { QuantDbError } from '../errors.js'
import type { Instrumentation } from '../instrument.js'

/** Seconds: from a 1-bar `latest` (~1 ms) to a 10-year panel or a bulk ingest (seconds). */
export const CALL_BUCKETS = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30]

const INGEST_OUTCOMES = ['inserted', 'updated', 'unchanged', 'rejected'] as const

/**
 * The library's own metrics, fed by the client's instrumentation hooks: call durations per repository
 * method, ingest rows by outcome, errors by reason, calls in flight.
 */
export function callMetrics(registry: Registry, prefix: string, buckets = CALL_BUCKETS): Instrumentation {
  const registers = [registry]
  const duration = new Histogram({
    name: `${prefix}call_duration_seconds`,
    help: 'Duration of @quant/db repository calls, by repository, method, where they ran (primary or replica:N) and outcome.',
    labelNames: ['repo', 'method', 'target', 'outcome'] as const, buckets, registers,
  })
  const ingest = new Counter({
    name: `${prefix}ingest_rows_total`,
    help: 'Rows given to upsert calls, by repository and outcome (inserted, updated, unchanged, rejected).',
    labelNames: ['repo', 'outcome'] as const, registers,
  })
  const errors = new Counter({
    name: `${prefix}errors_total`,
    help: 'Repository calls that threw, by repository, method and QuantDbError reason.',
    labelNames: ['repo', 'method', 'reason'] as const, registers,
  })
  const inFlight = new Gauge({
    name: `${prefix}calls_in_flight`,
    help: 'Repository calls started and not yet finished (running or waiting for a pooled connection).',
    labelNames: ['repo'] as const, registers,
  })
  return {
    onCallStart: ({ repo }) => inFlight.inc({ repo }),
    onCallEnd: (e) => {
      inFlight.dec({ repo: e.repo })
      const outcome = e.error === undefined ? 'ok' : 'error'
      duration.observe({ repo: e.repo, method: e.method, target: e.target, outcome }, e.durationMs / 1000)
      if (e.error !== undefined) {
        const reason = e.error instanceof QuantDbError ? e.error.reason : 'other'
        errors.inc({ repo: e.repo, method: e.method, reason })
        return
      }
      if (e.method === 'upsert' && typeof e.result === 'object' && e.result !== null) {
        const counts = e.result as Record<string, unknown>
        for (const outcome of INGEST_OUTCOMES) {
          const n = counts[outcome]
          if (typeof n === 'number' && n > 0) ingest.inc({ repo: e.repo, outcome }, n)
        }
      }
    },
  }
}
