import { apiLogs, systemLogs, type ApiLogRow, type SystemLogRow } from '../schema/index.js'
import {
  apiFailureQuerySchema, systemErrorQuerySchema, type ApiFailureQuery, type ApiLogInput, type LogLevel,
  type SystemErrorQuery, type SystemLogInput, type SystemLogWriterOptions,
} from '../validation/logs.js'
import { checkOne } from '../validation/validate.js'
import type { RepoContext } from './context.js'
import { createSystemLogWriter, type SystemLogWriter } from './logs/batch-writer.js'
import { errorsQuery, failuresQuery } from './logs/queries.js'
import { toApiLogRow, toSystemLogRow } from './logs/records.js'

export type { ApiFailureQuery, ApiLogInput, LogLevel, SystemErrorQuery, SystemLogInput, SystemLogWriter, SystemLogWriterOptions }
export { REDACTED, redactParams, redactText } from './logs/redact.js'
/** A stored, redacted API call (`api_logs` row). */
export type ApiLog = ApiLogRow
/** A stored, redacted system event (`system_logs` row). */
export type SystemLog = SystemLogRow

const DAY_MS = 86_400_000

/**
 * `qdb.logs`: broker API calls (`api_logs`) and system events (`system_logs`). Secrets never reach
 * either table: app keys and secrets, tokens, authorization headers, passwords and cookies are
 * replaced by '[REDACTED]' at any depth of the parameters and inside free text (error messages,
 * URLs with `?appkey=...` or `user:password@`, stack traces); account numbers (`CANO`) keep only
 * their last two digits.
 */
export class LogRepo {
  /** The database or transaction and the settings this repository works with. @internal */
  protected readonly ctx: RepoContext

  /** Made by `createQuantDb` (as `qdb.*`), never by hand. @internal */
  constructor(ctx: RepoContext) {
    this.ctx = ctx
  }

  /**
   * Records one broker API call; returns the stored (redacted) row.
   *
   * @example
   * ```ts
   * await qdb.logs.api({
   *   apiEndpoint: '/uapi/domestic-stock/v1/trading/order-cash', region: 'KR', responseStatus: 200, responseTimeMs: 84,
   *   requestParams: { headers: { authorization: `Bearer ${token}`, appkey, appsecret, tr_id: 'TTTC0802U' },
   *             body: { CANO: '50012345', ACNT_PRDT_CD: '01', PDNO: '005930', ORD_QTY: '10' } },
   * })   // stored: authorization/appkey/appsecret '[REDACTED]', CANO '******45'
   * ```
   */
  async api(entry: ApiLogInput): Promise<ApiLog> {
    const row = toApiLogRow(entry, this.ctx.options.regions)
    const [stored] = await this.ctx.runner.db.insert(apiLogs).values(row).returning()
    return stored!
  }

  /**
   * Records one system event; returns the stored (redacted) row. For many events from a running
   * service, {@link createSystemLogWriter} batches them without making the caller wait.
   *
   * @example
   * ```ts
   * await qdb.logs.system({ logLevel: 'ERROR', module: 'order-router', message: 'order rejected', error: e, context: { orderId } })
   * ```
   */
  async system(entry: SystemLogInput): Promise<SystemLog> {
    const row = toSystemLogRow(entry)
    const [stored] = await this.ctx.runner.db.insert(systemLogs).values(row).returning()
    return stored!
  }

  /**
   * Failed API calls (`success = FALSE`) since a time (default: the last 24 hours), newest first,
   * optionally of one endpoint; served by the partial index `idx_api_logs_failures`.
   *
   * @example
   * ```ts
   * const failed = await qdb.logs.failures({ since: new Date(Date.now() - 3_600_000), apiEndpoint: '/oauth2/tokenP' })
   * ```
   */
  async failures(query: ApiFailureQuery = {}): Promise<ApiLog[]> {
    const q = checkOne('api_logs', query, apiFailureQuerySchema)
    return failuresQuery(this.ctx.runner.db, { ...q, since: q.since ?? new Date(Date.now() - DAY_MS), limit: q.limit ?? 100 })
  }

  /**
   * ERROR and CRITICAL events since a time (default: the last 24 hours), newest first, optionally of
   * one module; served by the partial index `idx_system_logs_errors`.
   *
   * @example
   * ```ts
   * const recent = await qdb.logs.errors({ module: 'factor-engine', limit: 20 })
   * ```
   */
  async errors(query: SystemErrorQuery = {}): Promise<SystemLog[]> {
    const q = checkOne('system_logs', query, systemErrorQuerySchema)
    return errorsQuery(this.ctx.runner.db, { ...q, since: q.since ?? new Date(Date.now() - DAY_MS), limit: q.limit ?? 100 })
  }

  /**
   * A writer a service logs through: `log()` queues and returns at once, records are written in
   * multi-row batches every `flushIntervalMs` (or as soon as `maxBatch` are queued). The timer is
   * unref'd; call `close()` on shutdown to write what is left. Create it from `qdb.logs`, not inside
   * a transaction. With the embedded database, do not await `flush()` inside a transaction: the one
   * connection is the transaction's until it ends.
   *
   * @example
   * ```ts
   * const sink = qdb.logs.createSystemLogWriter({ onError: (e, { lost }) => console.error(lost, e) })
   * sink.log({ logLevel: 'INFO', module: 'collector', message: 'daily bars loaded', context: { bars: 50_000 } })
   * process.on('beforeExit', () => sink.close())
   * ```
   */
  createSystemLogWriter(options: SystemLogWriterOptions = {}): SystemLogWriter {
    return createSystemLogWriter(this.ctx, options)
  }
}
