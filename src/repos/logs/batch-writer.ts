import { QuantDbError } from '../../errors.js'
import { rowsPerStatement } from '../../internal/batch.js'
import type { NewSystemLogRow } from '../../schema/index.js'
import { systemLogWriterOptionsSchema, type SystemLogInput, type SystemLogWriterOptions } from '../../validation/logs.js'
import { checkOne } from '../../validation/validate.js'
import type { RepoContext } from '../context.js'
import { insertSystemLogRows, SYSTEM_LOG_PARAMETERS, toSystemLogRow } from './records.js'

/**
 * A service's own log records, sent to `system_logs` in batches. `log()` never blocks and never
 * throws; records that cannot be kept are counted and reported to `onError`.
 */
export interface SystemLogWriter {
  /** Queues one record (validated and redacted now; its timestamp is now unless given). Synchronous. */
  log(entry: SystemLogInput): void
  /** Writes every record queued so far. Never rejects: a refused batch goes to `onError`. */
  flush(): Promise<void>
  /** Flushes, stops the timer; later `log()` calls are dropped (and counted). */
  close(): Promise<void>
  /** Records dropped: the oldest when the queue was full, and any logged after close(). */
  readonly dropped: number
  /** Records lost because the database refused their batch. */
  readonly failed: number
  /** Entries refused by validation (a missing message, an unknown level...). */
  readonly rejected: number
  /** Records written so far. */
  readonly written: number
  /** Records waiting in the queue. */
  readonly pending: number
}

type Row = NewSystemLogRow & { timestamp: Date }

class BatchedSystemLogWriter implements SystemLogWriter {
  dropped = 0
  failed = 0
  rejected = 0
  written = 0
  private queue: Row[] = []
  private head = 0
  private closed = false
  private earlyFlushScheduled = false
  private chain: Promise<void> = Promise.resolve()
  private readonly timer: ReturnType<typeof setInterval>
  private readonly maxBatch: number
  private readonly maxQueue: number

  constructor(private readonly ctx: RepoContext, private readonly options: SystemLogWriterOptions) {
    this.maxBatch = Math.min(options.maxBatch ?? 500, rowsPerStatement(SYSTEM_LOG_PARAMETERS, ctx.limits))
    this.maxQueue = options.maxQueue ?? 10_000
    this.timer = setInterval(() => {
      if (this.pending > 0) void this.flush()
    }, options.flushIntervalMs ?? 1000)
    // A logger must never be the reason a process stays alive.
    this.timer.unref()
  }

  get pending(): number {
    return this.queue.length - this.head
  }

  log(entry: SystemLogInput): void {
    try {
      if (this.closed) {
        this.dropped++
        return
      }
      const row = toSystemLogRow(entry)
      if (this.pending >= this.maxQueue) {
        this.head++ // the oldest record makes room
        this.dropped++
      }
      this.queue.push(row)
      if (this.pending >= this.maxBatch && !this.earlyFlushScheduled) {
        this.earlyFlushScheduled = true
        void this.flush()
      }
    } catch (error) {
      this.rejected++
      this.report(error, 1)
    }
  }

  flush(): Promise<void> {
    // Flushes run one after another: each writes what is queued when it starts.
    const run = this.chain.then(() => this.drain())
    this.chain = run
    return run
  }

  async close(): Promise<void> {
    this.closed = true
    clearInterval(this.timer)
    await this.flush()
  }

  private take(n: number): Row[] {
    const batch = this.queue.slice(this.head, this.head + n)
    this.head += batch.length
    if (this.head > 1024 && this.head * 2 > this.queue.length) {
      this.queue = this.queue.slice(this.head)
      this.head = 0
    }
    return batch
  }

  private async drain(): Promise<void> {
    this.earlyFlushScheduled = false
    let remaining = this.pending
    while (remaining > 0) {
      const batch = this.take(Math.min(remaining, this.maxBatch))
      if (batch.length === 0) break
      remaining -= batch.length
      try {
        await insertSystemLogRows(this.ctx.runner, batch)
        this.written += batch.length
      } catch (error) {
        // Not re-queued: a batch the database refuses would be refused forever and block the rest.
        this.failed += batch.length
        this.report(error, batch.length)
      }
    }
  }

  private report(error: unknown, lost: number): void {
    try {
      if (this.options.onError) this.options.onError(error, { lost })
      else {
        const why = error instanceof Error ? error.message : String(error)
        this.ctx.options.logger.warn?.(`system log writer lost ${lost} record(s): ${why}`)
      }
    } catch {
      // An onError that throws must not turn log() or flush() into something that throws.
    }
  }
}

/** See `LogRepo.createSystemLogWriter`. @internal */
export function createSystemLogWriter(ctx: RepoContext, options: SystemLogWriterOptions = {}): SystemLogWriter {
  const o = checkOne('system_logs', options, systemLogWriterOptionsSchema)
  if (ctx.runner.inTransaction) {
    throw new QuantDbError('unsupported', 'A system log writer outlives any transaction: create it from qdb.logs, not from a transaction.')
  }
  return new BatchedSystemLogWriter(ctx, o as SystemLogWriterOptions)
}
