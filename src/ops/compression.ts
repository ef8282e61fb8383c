import { QuantDbError } from '../errors.js'
import type { RepoContext } from '../repos/context.js'
import { COMPRESSIBLE, type HypertableName } from './retention.js'

export interface CompressionStats {
  hypertable: string
  totalChunks: number
  compressedChunks: number
  /**
   * Bytes before compression of the compressed chunks (table + indexes + toast), as TimescaleDB
   * recorded them when it compressed each chunk: dead rows and free space of earlier rewrites (e.g.
   * a full `recomputeIndicators`, which rewrites every bar) count as "before", so `ratio` then
   * overstates what compression saves (measured at 2.5M bars: 1.71 reported, 1.28 against the same
   * rows loaded once; bench/spec-scale.ts --true-ratio).
   */
  beforeBytes: number
  afterBytes: number
  /** before / after, or null when nothing is compressed. */
  ratio: number | null
}

function requireHypertable(table: string): asserts table is HypertableName {
  if (!COMPRESSIBLE.includes(table)) {
    throw new QuantDbError('validation', `Not a compressible hypertable: ${table} (one of ${COMPRESSIBLE.join(', ')})`)
  }
}

function requireTimescale(ctx: RepoContext, what: string): void {
  if (!ctx.capabilities.timescale) {
    throw new QuantDbError('unsupported', `${what} needs TimescaleDB; this database runs in plain PostgreSQL mode.`)
  }
}

/** Compresses the chunks of `table` whose data is older than `olderThan` (spec 6.2); returns how many. */
export async function compressChunks(ctx: RepoContext, table: string, olderThan: string): Promise<number> {
  requireHypertable(table)
  requireTimescale(ctx, 'Compression')
  const rows = await ctx.runner.query(
    `SELECT compress_chunk(c, if_not_compressed => TRUE) FROM show_chunks($1::regclass, older_than => $2::interval) c`,
    [table, olderThan],
  )
  return rows.length
}

/** Decompresses the chunks of `table` with data newer than `newerThan` (spec 6.2), e.g. before bulk corrections. */
export async function decompressChunks(ctx: RepoContext, table: string, newerThan: string): Promise<number> {
  requireHypertable(table)
  requireTimescale(ctx, 'Decompression')
  const rows = await ctx.runner.query(
    `SELECT decompress_chunk(c, if_compressed => TRUE) FROM show_chunks($1::regclass, newer_than => $2::interval) c`,
    [table, newerThan],
  )
  return rows.length
}

/**
 * Compression statistics per hypertable. Spec 6.1's query does not run (it joins views on columns they
 * do not have); this uses `hypertable_compression_stats()` as DESIGN.md says.
 */
export async function compressionStats(ctx: RepoContext): Promise<CompressionStats[]> {
  requireTimescale(ctx, 'Compression statistics')
  const rows = await ctx.runner.query<Record<string, string | number | null>>(
    `SELECT h.hypertable_name AS hypertable, s.total_chunks, s.number_compressed_chunks,
            s.before_compression_total_bytes, s.after_compression_total_bytes
     FROM timescaledb_information.hypertables h
     CROSS JOIN LATERAL hypertable_compression_stats(format('%I.%I', h.hypertable_schema, h.hypertable_name)::regclass) s
     WHERE h.hypertable_schema = 'public' AND h.compression_enabled
     ORDER BY 1`,
  )
  return rows.map((r) => {
    const before = Number(r['before_compression_total_bytes'] ?? 0)
    const after = Number(r['after_compression_total_bytes'] ?? 0)
    return {
      hypertable: String(r['hypertable']),
      totalChunks: Number(r['total_chunks'] ?? 0),
      compressedChunks: Number(r['number_compressed_chunks'] ?? 0),
      beforeBytes: before,
      afterBytes: after,
      ratio: after > 0 ? before / after : null,
    }
  })
}
