import { existsSync, readFileSync, rmdirSync, rmSync, writeFileSync } from 'node:fs'
import { QuantDbError } from '../../errors.js'

/** A value as SQLite stores it. */
export type SqliteValue = number | bigint | string | Uint8Array | null

/** One legacy row: its rowid and its columns by name. */
export interface LegacyRow {
  rowid: number
  values: Record<string, SqliteValue>
}

interface WasmStatement {
  all(values?: unknown): Record<string, SqliteValue>[]
  finalize(): void
}
interface WasmDatabase {
  prepare(sql: string): WasmStatement
  all(sql: string, values?: unknown): Record<string, SqliteValue>[]
  close(): void
}
interface WasmModule {
  Database: new (file: string, options?: { fileMustExist?: boolean; readOnly?: boolean }) => WasmDatabase
}

/** The optional peer dependency that reads SQLite: WebAssembly, nothing to compile or download at install. */
export const SQLITE_PACKAGE = 'node-sqlite3-wasm'

async function loadSqlite(): Promise<WasmModule> {
  try {
    const mod = (await import(SQLITE_PACKAGE)) as WasmModule & { default?: WasmModule }
    return mod.Database ? mod : (mod.default as WasmModule)
  } catch (error) {
    throw new QuantDbError('configuration',
      `Reading a SQLite file needs the optional package '${SQLITE_PACKAGE}': npm install ${SQLITE_PACKAGE}`, { cause: error })
  }
}

const quoteIdent = (name: string): string => `"${name.replace(/"/g, '""')}"`

/**
 * A legacy SQLite file opened read-only. Rows are read by rowid ranges (keyset pagination), so a
 * multi-gigabyte file is never held in memory: SQLite pages through its own file (the WebAssembly
 * build reads it with Node's fs, page by page), and one batch of rows lives in JavaScript at a time.
 */
const alive = (pid: number): boolean => {
  try {
    process.kill(pid, 0)
    return true
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'
  }
}

/**
 * The WebAssembly build locks a file with a `<file>.lock` directory, which a killed process leaves
 * behind: the next run would find the file "locked" forever. The reader records its pid beside the
 * file while it reads; a lock left by a reader that is no longer alive is removed, one held by a live
 * reader refused, and one of unknown origin left alone with a message saying what to check.
 */
function takeOverStaleLock(file: string): string {
  const lock = `${file}.lock`
  const owner = `${file}.quantdb-reader.pid`
  if (existsSync(lock)) {
    const pid = existsSync(owner) ? Number(readFileSync(owner, 'utf8').trim()) : NaN
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && alive(pid)) {
      throw new QuantDbError('configuration', `${file} is being read by another import (process ${pid}): wait for it to finish`)
    }
    if (!Number.isInteger(pid)) {
      throw new QuantDbError('configuration',
        `${lock} exists: a program using ${SQLITE_PACKAGE} holds ${file}, or one that crashed left it. Remove that directory if nothing is reading the file.`)
    }
    rmdirSync(lock)
  }
  try {
    writeFileSync(owner, String(process.pid))
  } catch {
    // A read-only directory: the lock cannot be taken either, and opening will say so.
  }
  return owner
}

export class LegacyReader {
  private constructor(private readonly db: WasmDatabase, readonly file: string, private readonly owner: string) {}

  static async open(file: string): Promise<LegacyReader> {
    const { Database } = await loadSqlite()
    const owner = takeOverStaleLock(file)
    let db: WasmDatabase
    try {
      db = new Database(file, { readOnly: true, fileMustExist: true })
      // Opening is lazy: the first read tells whether this is a SQLite file at all.
      db.all('SELECT count(*) AS n FROM sqlite_master')
    } catch (error) {
      rmSync(owner, { force: true })
      throw new QuantDbError('configuration', `${file} is not a readable SQLite database: ${(error as Error).message}`, { cause: error })
    }
    return new LegacyReader(db, file, owner)
  }

  /** Names of the tables in the file (SQLite's own `sqlite_*` tables left out). */
  tables(): string[] {
    return this.db.all(`SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' ORDER BY name`)
      .map((r) => String(r['name']))
  }

  /** Column names of `table`, in the file's order. */
  columns(table: string): string[] {
    return this.db.all(`PRAGMA table_info(${quoteIdent(table)})`).map((r) => String(r['name']))
  }

  count(table: string, afterRowid = 0): number {
    const rows = this.db.all(`SELECT count(*) AS n FROM ${quoteIdent(table)} WHERE rowid > ?`, [afterRowid])
    return Number(rows[0]?.['n'] ?? 0)
  }

  /** Smallest and largest value of `column`, as stored (for the report). */
  range(table: string, column: string): { from: string | null; to: string | null } {
    const [r] = this.db.all(`SELECT min(${quoteIdent(column)}) AS lo, max(${quoteIdent(column)}) AS hi FROM ${quoteIdent(table)}`)
    const text = (v: SqliteValue | undefined) => (v === null || v === undefined ? null : String(v))
    return { from: text(r?.['lo']), to: text(r?.['hi']) }
  }

  /**
   * Rows of `table` with rowid above `afterRowid`, in rowid order, `batchSize` at a time. The rowid
   * is selected under a name no legacy column can have, so a column called `rowid` or `id` stays a column.
   */
  *batches(table: string, afterRowid: number, batchSize: number): Generator<LegacyRow[]> {
    let statement: WasmStatement
    try {
      statement = this.db.prepare(
        `SELECT rowid AS "__qdb_rowid", * FROM ${quoteIdent(table)} WHERE rowid > ? ORDER BY rowid LIMIT ?`)
    } catch (error) {
      throw new QuantDbError('unsupported', `Legacy table ${table} cannot be read by rowid (a WITHOUT ROWID table?): ${(error as Error).message}`, { cause: error })
    }
    try {
      let last = afterRowid
      for (;;) {
        const rows = statement.all([last, batchSize])
        if (rows.length === 0) return
        const batch = rows.map((r) => {
          const { __qdb_rowid: rowid, ...values } = r
          return { rowid: Number(rowid), values }
        })
        last = batch[batch.length - 1]!.rowid
        yield batch
      }
    } finally {
      statement.finalize()
    }
  }

  close(): void {
    this.db.close()
    rmSync(this.owner, { force: true })
  }
}
