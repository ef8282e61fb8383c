// Transactions on a reserved connection, with BEGIN/COMMIT/ROLLBACK sent by us, so that nothing is
// ever written to a connection known to be gone.
//
// Why not postgres.js's sql.begin(): when the connection closes mid-transaction (the backend
// terminated, the server killed), begin() still sends its ROLLBACK down the closed connection. Its
// write is deferred with setImmediate and then dereferences the socket postgres.js has already set to
// null: an uncaught `TypeError: Cannot read properties of null (reading 'write')` that kills the
// process (porsager/postgres#1154, #1208; unfixed in 3.4.9). The same happens to any query run
// through a transaction handle after the close. Here every statement checks first that the
// connection is still the one the transaction began on, alive.
import type { ReservedSql, Sql } from 'postgres'
import { QuantDbError } from '../../errors.js'
import { isConnectionLoss, toQuantDbError } from '../../errors-map.js'

/** The connection object of postgres.js (internal), as its `onexecute` query option hands it over. */
interface PgConnection {
  id: number
  terminate(): void
}

/**
 * Tells transactions when their connection closes. postgres.js calls its `onclose` option with the
 * id of a connection synchronously inside its close handling, before any awaiting code resumes.
 */
export class ConnectionWatch {
  private readonly watchers = new Map<number, Set<() => void>>()

  /** For postgres.js's `onclose` option. */
  readonly onclose = (id: number): void => {
    const set = this.watchers.get(id)
    if (!set) return
    this.watchers.delete(id)
    for (const f of set) f()
  }

  /** Calls `f` once when connection `id` closes; returns the function that stops watching. */
  watch(id: number, f: () => void): () => void {
    const set = this.watchers.get(id) ?? new Set()
    set.add(f)
    this.watchers.set(id, set)
    return () => {
      set.delete(f)
      if (set.size === 0 && this.watchers.get(id) === set) this.watchers.delete(id)
    }
  }
}

/** One transaction on one reserved connection; every statement goes through `run`. */
export class Transaction {
  private gone = false
  private ended = false
  private connection: PgConnection | undefined
  private unwatch: () => void = () => {}

  private constructor(readonly sql: ReservedSql, private readonly server: string) {}

  /**
   * Reserves a connection and returns it as a Transaction with the `onexecute` hook that starts
   * watching it: the first statement's hook learns which connection postgres.js gave us.
   */
  private static async reserve(pool: Sql, watch: ConnectionWatch, server: string): Promise<{ tx: Transaction; onexecute: (c: PgConnection) => boolean }> {
    let reserved: ReservedSql
    try {
      reserved = await pool.reserve()
    } catch (error) {
      throw toQuantDbError(error)
    }
    const tx = new Transaction(reserved, server)
    const onexecute = (c: PgConnection): boolean => {
      tx.connection = c
      tx.unwatch = watch.watch(c.id, () => { tx.gone = true })
      return true // postgres.js: the connection may take more queries
    }
    return { tx, onexecute }
  }

  /** Reserves a connection and sends BEGIN on it. */
  static async begin(pool: Sql, watch: ConnectionWatch, server: string, modes = ''): Promise<Transaction> {
    // Only microtasks between the reservation and BEGIN: no socket event (a close) can come before the watch.
    const { tx, onexecute } = await Transaction.reserve(pool, watch, server)
    const reserved = tx.sql
    try {
      await reserved.unsafe(`BEGIN${modes}`, [], { onexecute } as never)
    } catch (error) {
      const mapped = toQuantDbError(error)
      // A connection that failed is given up; one that merely refused BEGIN goes back to the pool.
      if (isConnectionLoss(mapped) || tx.gone) tx.abandon()
      else tx.release()
      throw mapped
    }
    return tx
  }

  /**
   * Runs one statement alone on a reserved connection, outside any transaction (it commits by
   * itself), with the same guard as a transaction's statements. `statement` must pass `options` to
   * its query (postgres.js's `onexecute` tells which connection to watch). What a reserved connection
   * is for: on the pool, postgres.js pipelines a query onto a busy connection when all are busy, and
   * one landing in the middle of a COPY breaks it.
   */
  static async alone<T>(pool: Sql, watch: ConnectionWatch, server: string,
    statement: (sql: ReservedSql, options: Record<string, unknown>) => Promise<T>): Promise<T> {
    const { tx, onexecute } = await Transaction.reserve(pool, watch, server)
    try {
      return await tx.run((sql) => statement(sql, { onexecute }))
    } finally {
      tx.release()
    }
  }

  /** True once the connection closed or failed: nothing more may be sent on it. */
  get lost(): boolean {
    return this.gone
  }

  private lostError(): QuantDbError {
    return new QuantDbError('connection',
      `The connection to ${this.server} was lost during the transaction; the server rolled it back`,
      { code: 'CONNECTION_CLOSED' })
  }

  /** Runs one statement of the transaction, or fails without writing if the connection is gone. */
  async run<T>(statement: (sql: ReservedSql) => Promise<T>, params?: readonly unknown[]): Promise<T> {
    if (this.ended) {
      throw new QuantDbError('query', 'This transaction has ended: run statements inside the transaction callback only')
    }
    if (this.gone) throw this.lostError()
    try {
      return await statement(this.sql)
    } catch (error) {
      const mapped = toQuantDbError(error, params)
      if (isConnectionLoss(mapped)) this.abandon()
      throw mapped
    }
  }

  /** COMMIT, then the connection goes back to the pool (a refused COMMIT has rolled back). */
  async commit(): Promise<void> {
    try {
      await this.run((sql) => sql.unsafe('COMMIT'))
    } finally {
      this.release()
    }
  }

  /** ROLLBACK where the connection still lives (a lost connection is rolled back by the server). */
  async rollback(): Promise<void> {
    try {
      if (!this.gone) await this.run((sql) => sql.unsafe('ROLLBACK'))
    } catch {
      // The error that made us roll back is the one worth reporting; a connection that cannot even
      // roll back is abandoned (by run() if the connection failed, here otherwise).
      this.abandon()
    } finally {
      this.release()
    }
  }

  private release(): void {
    this.unwatch()
    // A closed connection has already been taken back by postgres.js; releasing it again would put it
    // among the open ones with no socket.
    if (!this.gone) this.sql.release()
    this.gone = true
    this.ended = true
  }

  /**
   * Gives up the connection after a failure that may have broken it. If postgres.js has not yet seen
   * it close, terminate() marks it so that it refuses further queries and ends its socket; the pool
   * then reconnects that slot when needed. Never released: the pool takes it back on close.
   */
  private abandon(): void {
    if (!this.gone) this.connection?.terminate()
    this.gone = true
    this.unwatch()
  }
}
