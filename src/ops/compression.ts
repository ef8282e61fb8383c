import { invalidArgument, QuantDbError } from '../errors.js'
import type { RepoContext } from '../repos/context.js'
import { COMPRESSIBLE, type HypertableName } from './retention.js'

/** Compression of one hypertable (`qdb.ops.compressionStats()`). */
export interface CompressionStats {
  /** The hypertable, e.g. `ohlcv_data`. */
  hypertable: string
  /** Chunks of the hypertable, compressed or not. */
  totalChunks: number
  /** Chunks that are compressed. */
  compressedChunks: number
  /** Rows in the compressed chunks, as TimescaleDB counted them when it compressed each chunk (live rows only). */
  compressedRows: number
  /**
   * Bytes before compression of the compressed chunks (table + indexes + toast), as TimescaleDB
   * recorded them when it compressed each chunk: dead rows and free space of earlier rewrites (e.g.
   * a full `recomputeIndicators`, which rewrites every bar) count as "before", so `reportedRatio`
   * overstates what compression saves (measured at 2.5M bars: 1.71 reported, 1.28 against the same
   * rows loaded once; bench/spec-scale.ts --true-ratio).
   */
  beforeBytes: number
  /**
   * What the compressed rows would take loaded once, uncompressed (heap + every index), estimated from
   * `compressedRows` and the average width of a sample of them (`pg_column_size`, plus tuple, line-pointer
   * and B-tree leaf overheads). Free of the bloat in `beforeBytes`; measured within 2-14 % of a fresh
   * copy at 2.3M rows (the sample is one chunk's first rows: a ticker's prices sway it).
   */
  estimatedBeforeBytes: number
  /** Bytes the compressed chunks take now (TimescaleDB's `after_compression_total_bytes`). */
  afterBytes: number
  /** The ratio to trust: `estimatedBeforeBytes / afterBytes`, or null when nothing is compressed. */
  ratio: number | null
  /** TimescaleDB's own `beforeBytes / afterBytes` (hypertable_compression_stats), or null. */
  reportedRatio: number | null
}

function requireHypertable(table: string): asserts table is HypertableName {
  if (!COMPRESSIBLE.includes(table)) {
    throw invalidArgument('table', `must be a compressible hypertable (one of ${COMPRESSIBLE.join(', ')}), got ${table}`)
  }
}

function requireTimescale(ctx: RepoContext, what: string): void {
  if (!ctx.capabilities.timescale) {
    throw new QuantDbError('unsupported', `${what} needs TimescaleDB; this database runs in plain PostgreSQL mode.`)
  }
}

/** Compresses the chunks of `table` whose data is older than `olderThan` (spec 6.2); returns how many. @internal */
export async function compressChunks(ctx: RepoContext, table: string, olderThan: string): Promise<number> {
  requireHypertable(table)
  requireTimescale(ctx, 'Compression')
  return eachChunk(ctx, `SELECT c::text AS chunk FROM show_chunks($1::regclass, older_than => $2::interval) c`,
    [table, olderThan], 'SELECT compress_chunk($1::regclass, if_not_compressed => TRUE)')
}

/** Decompresses the chunks of `table` with data newer than `newerThan` (spec 6.2), e.g. before bulk corrections. @internal */
export async function decompressChunks(ctx: RepoContext, table: string, newerThan: string): Promise<number> {
  requireHypertable(table)
  requireTimescale(ctx, 'Decompression')
  return eachChunk(ctx, `SELECT c::text AS chunk FROM show_chunks($1::regclass, newer_than => $2::interval) c`,
    [table, newerThan], 'SELECT decompress_chunk($1::regclass, if_compressed => TRUE)')
}

// TimescaleDB's own compression policy may compress (or a concurrent call decompress) a chunk between
// the listing and the call: its `if_not_compressed` guard is checked before the chunk's lock is taken,
// so the loser gets 42710 ("already compressed"/"already decompressed"). That chunk is in the state
// asked for, so it counts as done; one chunk per statement keeps such a race from undoing the others.
async function eachChunk(ctx: RepoContext, list: string, params: unknown[], action: string): Promise<number> {
  const chunks = await ctx.runner.query<{ chunk: string }>(list, params)
  for (const { chunk } of chunks) {
    try {
      await ctx.runner.query(action, [chunk])
    } catch (error) {
      if (!(error instanceof QuantDbError && error.code === '42710')) throw error
    }
  }
  return chunks.length
}

/**
 * Compression statistics per hypertable. Spec 6.1's query does not run (it joins views on columns they
 * do not have); this uses `hypertable_compression_stats()` (docs/spec-corrections.md 3), and adds an honest
 * `ratio` (see `estimatedBeforeBytes`) next to TimescaleDB's `reportedRatio`.
 * @internal
 */
export async function compressionStats(ctx: RepoContext): Promise<CompressionStats[]> {
  requireTimescale(ctx, 'Compression statistics')
  const rows = await ctx.runner.query<Record<string, string | number | null>>(
    `SELECT h.hypertable_name AS hypertable, s.total_chunks, s.number_compressed_chunks,
            s.before_compression_total_bytes, s.after_compression_total_bytes,
            (SELECT sum(z.numrows_pre_compression) FROM _timescaledb_catalog.compression_chunk_size z
               JOIN _timescaledb_catalog.chunk c ON c.id = z.chunk_id
               JOIN _timescaledb_catalog.hypertable t ON t.id = c.hypertable_id
              WHERE t.schema_name = h.hypertable_schema AND t.table_name = h.hypertable_name AND c.compressed_chunk_id IS NOT NULL) AS rows
     FROM timescaledb_information.hypertables h
     CROSS JOIN LATERAL hypertable_compression_stats(format('%I.%I', h.hypertable_schema, h.hypertable_name)::regclass) s
     WHERE h.hypertable_schema = 'public' AND h.compression_enabled
     ORDER BY 1`,
  )
  const out: CompressionStats[] = []
  for (const r of rows) {
    const hypertable = String(r['hypertable'])
    const before = Number(r['before_compression_total_bytes'] ?? 0)
    const after = Number(r['after_compression_total_bytes'] ?? 0)
    const compressedRows = Number(r['rows'] ?? 0)
    const estimated = compressedRows > 0 ? compressedRows * (await bytesPerRow(ctx, hypertable)) : 0
    out.push({
      hypertable,
      totalChunks: Number(r['total_chunks'] ?? 0),
      compressedChunks: Number(r['number_compressed_chunks'] ?? 0),
      compressedRows,
      beforeBytes: before,
      estimatedBeforeBytes: Math.round(estimated),
      afterBytes: after,
      ratio: after > 0 && estimated > 0 ? estimated / after : null,
      reportedRatio: after > 0 ? before / after : null,
    })
  }
  return out
}

const align8 = (n: number): number => Math.ceil(n / 8) * 8

/**
 * The sample's query: 40 rows of each of 50 segments (e.g. tickers) of `chunk`. Its first 1,000 rows
 * would be one segment when a batch holds 1,000 rows (a merged chunk): one ticker's prices for the
 * widths, and no key repeated, which priced every index entry as unique where the B-tree keeps one
 * key for the many rows of a date (measured: 11-14 % over the true size with one chunk).
 */
async function sampleRows(ctx: RepoContext, table: string, chunk: string): Promise<string> {
  const [settings] = await ctx.runner.query<{ segmentby: string | null }>(
    `SELECT segmentby FROM timescaledb_information.hypertable_compression_settings WHERE hypertable = $1::regclass`, [table])
  const segments = (settings?.segmentby ?? '').split(',').map((c) => c.trim().replace(/^"|"$/g, '')).filter((c) => c !== '')
  if (segments.length === 0) return `SELECT * FROM ${chunk} LIMIT 2000`
  const cols = segments.map((c) => `"${c.replaceAll('"', '""')}"`)
  return `SELECT o.* FROM (SELECT DISTINCT ${cols.join(', ')} FROM ${chunk} LIMIT 50) k
    CROSS JOIN LATERAL (SELECT * FROM ${chunk} o WHERE ${cols.map((c) => `o.${c} IS NOT DISTINCT FROM k.${c}`).join(' AND ')} LIMIT 40) o`
}

/**
 * Uncompressed bytes one row of `table` takes, heap and indexes, from a sample of 2,000 rows (40 of
 * each of 50 segments, see `sampleRows`) of its newest compressed chunk (the oldest holds the indicators' warm-up, mostly NULL): heap tuple
 * (`pg_column_size` of the row: header + data) aligned, plus its 4-byte line pointer; per index, an
 * 8-byte index tuple header plus the key's bytes aligned and a line pointer, at the 90 % leaf fill of a freshly built B-tree. A non-unique index stores a repeated key
 * once with a 6-byte pointer per row (B-tree deduplication): its key cost is weighted by the share of
 * distinct keys in the sample. Page headers (~0.3 %) are left out.
 */
async function bytesPerRow(ctx: RepoContext, table: string): Promise<number> {
  const indexes = await ctx.runner.query<{ cols: string; uniq: boolean }>(
    `SELECT string_agg(quote_ident(a.attname), ', ' ORDER BY k.n) AS cols, bool_or(i.indisunique) AS uniq
     FROM pg_index i CROSS JOIN LATERAL unnest(i.indkey::int2[]) WITH ORDINALITY k(attnum, n)
     JOIN pg_attribute a ON a.attrelid = i.indrelid AND a.attnum = k.attnum
     WHERE i.indrelid = $1::regclass GROUP BY i.indexrelid`, [table])
  const [chunk] = await ctx.runner.query<{ chunk: string }>(
    `SELECT format('%I.%I', chunk_schema, chunk_name) AS chunk FROM timescaledb_information.chunks
     WHERE hypertable_schema = 'public' AND hypertable_name = $1 AND is_compressed ORDER BY range_start DESC LIMIT 1`, [table])
  if (!chunk) return 0
  // A composite datum carries a 24-byte header (as a heap tuple does) that an index tuple does not.
  const keys = indexes.map((ix, i) =>
    `, avg(pg_column_size(ROW(${ix.cols})) - 24)::float8 AS k${i}, (count(DISTINCT ROW(${ix.cols}))::float8 / count(*)) AS d${i}`)
  const [sample] = await ctx.runner.query<Record<string, number | null>>(
    `SELECT avg(pg_column_size(s.*))::float8 AS row${keys.join('')} FROM (${await sampleRows(ctx, table, chunk.chunk)}) s`)
  if (!sample) return 0
  let bytes = align8(Number(sample['row'] ?? 0)) + 4
  indexes.forEach((ix, i) => {
    const tuple = (8 + align8(Number(sample[`k${i}`] ?? 0)) + 4) / 0.9
    const distinct = ix.uniq ? 1 : Number(sample[`d${i}`] ?? 1)
    bytes += distinct * tuple + (1 - distinct) * (6 / 0.9)
  })
  return bytes
}
