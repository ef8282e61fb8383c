// The write-ahead log of an in-memory embedded database, kept to a few segments.
//
// PGlite runs no checkpointer: the log grows until a CHECKPOINT, and its max_wal_size (1 GB) cannot
// be changed (no setting file is read). Without a dataDir every segment is a buffer of the process:
// loading 375,000 bars left 182 MB of log, one group of 100 tickers of a full recomputeIndicators
// 224-314 MB before its checkpoint. Memory the allocator handed out for the log stays with the process once
// freed (glibc keeps it for reuse), so the log's peak, not its size after a checkpoint, is what the
// process keeps. An in-memory database is gone when the process ends: the log protects nothing.
// So after a statement that left more than WAL_SEGMENT_LIMIT segments, a CHECKPOINT (allowed inside a
// transaction; it changes nothing a query sees) lets the used segments go (wal_recycle is off).

/** Segments (1 MB each on PGlite) the log may hold before a statement is followed by a CHECKPOINT. */
export const WAL_SEGMENT_LIMIT = 16

/** The part of emscripten's file system the guard reads (PGlite's public `Module.FS`). */
export interface WalFs {
  readdir(path: string): string[]
}

/** A PGlite client or transaction, as the guard uses it. */
interface Client {
  query?: (...args: unknown[]) => Promise<unknown>
  exec(text: string): Promise<unknown>
  transaction?: (fn: (tx: Client) => Promise<unknown>) => Promise<unknown>
}

const SEGMENT = /^[0-9A-F]{24}$/

/** Counts the log's segment files and checkpoints when there are too many. */
export class WalGuard {
  constructor(private readonly fs: WalFs, private readonly walDir: string, readonly limit = WAL_SEGMENT_LIMIT) {}

  /** Segment files in pg_wal (a directory listing in JavaScript: no statement, microseconds). */
  segments(): number {
    let n = 0
    for (const name of this.fs.readdir(this.walDir)) if (SEGMENT.test(name)) n++
    return n
  }

  /** After a statement that succeeded on `client` (the database or the open transaction). */
  async check(client: { exec(text: string): Promise<unknown> }): Promise<void> {
    if (this.segments() > this.limit) await client.exec('CHECKPOINT')
  }

  /**
   * `client` with its `query` and `exec` followed by `check`, and its transactions' clients wrapped
   * alike: every statement goes through it, the library's and drizzle's.
   */
  wrap<C extends object>(client: C): C {
    return new Proxy(client as C & Client, {
      get: (target, prop) => {
        if (prop === 'query' || prop === 'exec') {
          const run = (target[prop] as (...args: unknown[]) => Promise<unknown>).bind(target)
          return async (...args: unknown[]) => {
            const result = await run(...args)
            await this.check(target)
            return result
          }
        }
        if (prop === 'transaction' && typeof target.transaction === 'function') {
          const begin = target.transaction.bind(target)
          return (fn: (tx: Client) => Promise<unknown>) => begin((tx) => fn(this.wrap(tx)))
        }
        // PGlite keeps its state in private fields: its methods run on the instance itself.
        const value: unknown = Reflect.get(target, prop, target)
        return typeof value === 'function' ? (value as (...a: unknown[]) => unknown).bind(target) : value
      },
    })
  }
}
