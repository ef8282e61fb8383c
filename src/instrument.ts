import type { Repos } from './repos/create.js'

/** Where a repository call ran: the primary, or the replica at this position of `replicas`. */
export type CallTarget = 'primary' | `replica:${number}`

/** One finished repository call, as instrumentation sees it. */
export interface CallEvent {
  /** `tickers`, `ohlcv`, `factors`, `backtests`, `portfolio` or `logs`. */
  repo: keyof Repos
  /** The repository method, e.g. `upsert`, `topSignals`. */
  method: string
  /** Where the call ran: `primary`, or `replica:<n>`. */
  target: CallTarget
  /** Wall time of the call, in milliseconds (replica attempts that failed over included). */
  durationMs: number
  /** Inside `qdb.transaction()`. */
  inTransaction: boolean
  /** What the call returned (when it succeeded), e.g. the `{ inserted, updated, unchanged, rejected }` of an upsert. */
  result?: unknown
  /** What the call threw (when it failed): a `QuantDbError` with a `reason`. */
  error?: unknown
}

/**
 * Hooks into every repository call (`qdb.ohlcv.upsert`, `qdb.factors.topSignals`, ...), for metrics and
 * tracing. Hooks run synchronously around the call and must not throw (what they throw is ignored).
 *
 * @example
 * ```ts
 * const qdb = await createQuantDb({ url, instrument: {
 *   onCallEnd: (e) => log.debug(`${e.repo}.${e.method} ${e.durationMs.toFixed(1)} ms on ${e.target}`),
 * } })
 * ```
 */
export interface Instrumentation {
  /** Called as a repository call starts (before any SQL). */
  onCallStart?(call: { repo: keyof Repos; method: string; inTransaction: boolean }): void
  /** Called once the call settled, with its duration and its result or error. */
  onCallEnd?(event: CallEvent): void
}

/** Calls every hook, swallowing what one throws: instrumentation never breaks a call. */
export function emitter(hooks: readonly Instrumentation[]): Required<Instrumentation> {
  return {
    onCallStart: (call) => { for (const h of hooks) try { h.onCallStart?.(call) } catch { /* ignored */ } },
    onCallEnd: (event) => { for (const h of hooks) try { h.onCallEnd?.(event) } catch { /* ignored */ } },
  }
}
