import { createReadStream, createWriteStream, existsSync } from 'node:fs'
import { rename } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import type { QueryRunner } from '../../drivers/types.js'

/**
 * Where an import stands, per legacy file and table: the last legacy rowid whose batch is committed,
 * and the counts so far. The row is written in the same transaction as the batch it describes, so
 * after a crash the database and the checkpoint agree: a rerun continues after the last committed
 * batch, without duplicates or gaps.
 */
export interface Checkpoint {
  table: string
  lastRowid: number
  read: number
  accepted: number
  rejected: number
  finished: boolean
}

const SCHEMA = 'quantdb_import'

/** @internal */
export async function ensureCheckpointTable(runner: QueryRunner): Promise<void> {
  await runner.exec(`CREATE SCHEMA IF NOT EXISTS ${SCHEMA};
    CREATE TABLE IF NOT EXISTS ${SCHEMA}.progress (
      source text NOT NULL, table_name text NOT NULL, last_rowid bigint NOT NULL, rows_read bigint NOT NULL,
      rows_accepted bigint NOT NULL, rows_rejected bigint NOT NULL, finished boolean NOT NULL,
      updated_at timestamptz NOT NULL DEFAULT now(), PRIMARY KEY (source, table_name))`)
}

/** @internal */
export async function readCheckpoints(runner: QueryRunner, source: string): Promise<Map<string, Checkpoint>> {
  const exists = await runner.query<{ t: string | null }>(`SELECT to_regclass('${SCHEMA}.progress')::text AS t`)
  if (!exists[0]?.t) return new Map()
  const rows = await runner.query<Record<string, unknown>>(
    `SELECT table_name, last_rowid, rows_read, rows_accepted, rows_rejected, finished FROM ${SCHEMA}.progress WHERE source = $1`, [source])
  return new Map(rows.map((r) => [String(r['table_name']), {
    table: String(r['table_name']), lastRowid: Number(r['last_rowid']), read: Number(r['rows_read']),
    accepted: Number(r['rows_accepted']), rejected: Number(r['rows_rejected']), finished: r['finished'] === true,
  }]))
}

/** @internal */
export async function saveCheckpoint(runner: QueryRunner, source: string, c: Checkpoint): Promise<void> {
  await runner.query(`INSERT INTO ${SCHEMA}.progress AS p
      (source, table_name, last_rowid, rows_read, rows_accepted, rows_rejected, finished)
    VALUES ($1, $2, $3, $4, $5, $6, $7)
    ON CONFLICT (source, table_name) DO UPDATE SET last_rowid = excluded.last_rowid, rows_read = excluded.rows_read,
      rows_accepted = excluded.rows_accepted, rows_rejected = excluded.rows_rejected, finished = excluded.finished, updated_at = now()`,
  [source, c.table, c.lastRowid, c.read, c.accepted, c.rejected, c.finished])
}

/** @internal */
export async function clearCheckpoints(runner: QueryRunner, source: string): Promise<void> {
  const exists = await runner.query<{ t: string | null }>(`SELECT to_regclass('${SCHEMA}.progress')::text AS t`)
  if (exists[0]?.t) await runner.query(`DELETE FROM ${SCHEMA}.progress WHERE source = $1`, [source])
}

/** One line of the rejects file. */
export interface RejectLine {
  table: string
  rowid: number
  reasons: string[]
}

/**
 * Cuts the rejects file back to what the checkpoints say is committed: a line of a batch that was
 * written to the file but whose transaction never committed is dropped, since the rerun rejects that
 * row again. Streams line by line (the file may be large).
 */
export async function trimRejects(file: string, checkpoints: ReadonlyMap<string, Checkpoint>): Promise<void> {
  if (!existsSync(file)) return
  const temp = `${file}.trim-${process.pid}`
  const out = createWriteStream(temp)
  const lines = createInterface({ input: createReadStream(file), crlfDelay: Infinity })
  for await (const line of lines) {
    if (line.trim() === '') continue
    let entry: RejectLine
    try { entry = JSON.parse(line) as RejectLine } catch { continue }
    const c = checkpoints.get(entry.table)
    if (c && entry.rowid <= c.lastRowid && !out.write(`${line}\n`)) await new Promise<void>((r) => out.once('drain', () => r()))
  }
  await new Promise<void>((resolve, reject) => out.end((e?: Error | null) => (e ? reject(e) : resolve())))
  await rename(temp, file)
}
