import type { Driver } from '../drivers/types.js'
import type { CallTarget, Instrumentation } from '../instrument.js'
import type { Repos } from '../repos/create.js'
import { isReplicaRead } from './read-methods.js'
import { isReplicaFailure, type ReplicaSet } from './replica-set.js'

/** @internal */
export interface RouteOptions {
  /** Repositories on the primary (or on one transaction). */
  primary: Repos
  /** Replicas to serve reads from; absent: everything runs on `primary`. */
  replicas?: { set: ReplicaSet; reposOf(index: number, driver: Driver): Repos } | undefined
  hooks?: Required<Instrumentation> | undefined
  inTransaction?: boolean
}

type Method = (...args: unknown[]) => unknown

const isThenable = (v: unknown): v is PromiseLike<unknown> =>
  typeof v === 'object' && v !== null && typeof (v as { then?: unknown }).then === 'function'

/**
 * The repositories as users call them: read methods tried on healthy replicas in turn (a replica that
 * fails to answer is left out and the next one, finally the primary, serves the call), everything else
 * on the primary; every call timed and reported to the instrumentation hooks. Without replicas and
 * hooks the primary's repositories are returned unchanged.
 * @internal
 */
export function routeRepos(options: RouteOptions): Repos {
  const { primary, replicas, hooks } = options
  if (!replicas && !hooks) return primary
  const wrap = <K extends keyof Repos>(name: K): Repos[K] => {
    const repo = primary[name]
    const cache = new Map<string, Method>()
    return new Proxy(repo, {
      get(target, prop, receiver) {
        const value: unknown = Reflect.get(target, prop, receiver)
        if (typeof value !== 'function' || typeof prop !== 'string' || prop === 'constructor') return value
        let fn = cache.get(prop)
        if (!fn) {
          fn = (...args: unknown[]) => call(name, prop, args)
          cache.set(prop, fn)
        }
        return fn
      },
    })
  }

  const call = (name: keyof Repos, method: string, args: unknown[]): unknown => {
    hooks?.onCallStart({ repo: name, method, inTransaction: options.inTransaction ?? false })
    const started = performance.now()
    const end = (target: CallTarget, outcome: { result: unknown } | { error: unknown }) =>
      hooks?.onCallEnd({ repo: name, method, target, durationMs: performance.now() - started, inTransaction: options.inTransaction ?? false, ...outcome })
    const onPrimary = (): unknown => {
      const own = primary[name] as unknown as Record<string, Method>
      let out: unknown
      try {
        out = own[method]!.apply(own, args)
      } catch (error) {
        end('primary', { error })
        throw error
      }
      if (!isThenable(out)) return out // synchronous helpers (createSystemLogWriter) are not calls to time
      return Promise.resolve(out).then(
        (result) => { end('primary', { result }); return result },
        (error: unknown) => { end('primary', { error }); throw error },
      )
    }
    if (!replicas || !isReplicaRead(name, method, args)) return onPrimary()
    const candidates = replicas.set.usable()
    if (candidates.length === 0) return onPrimary()
    return (async () => {
      for (const { index, driver } of candidates) {
        const own = replicas.reposOf(index, driver)[name] as unknown as Record<string, Method>
        try {
          const result = await own[method]!.apply(own, args)
          end(`replica:${index}`, { result })
          return result
        } catch (error) {
          if (!isReplicaFailure(error)) {
            end(`replica:${index}`, { error })
            throw error
          }
          // Gone (connection) or cancelled by replay (serialization): the next replica or the primary answers.
          if ((error as { reason?: string }).reason === 'connection') replicas.set.exclude(index, error)
        }
      }
      return onPrimary()
    })()
  }

  return {
    tickers: wrap('tickers'), ohlcv: wrap('ohlcv'), factors: wrap('factors'),
    backtests: wrap('backtests'), portfolio: wrap('portfolio'), logs: wrap('logs'),
  }
}
