import type { RepoContext } from '../context.js'

/** What a bulk rewrite of `ohlcv_data` calls to give memory back on the embedded engine (see `embeddedReclaimer`). */
export interface Reclaimer {
  /** After each committed group: recompress what the group decompressed, vacuum it, checkpoint. */
  afterGroup(): Promise<void>
  /**
   * After the last group (instead of `afterGroup`): rewrite the chunks touched, which leaves their files
   * at the size of their rows. One rewrite for a call of one group (up to 100 tickers, 1,000 from a recent `from`).
   */
  finish(): Promise<void>
}

const NOTHING: Reclaimer = { afterGroup: async () => {}, finish: async () => {} }

/**
 * Gives back the memory a bulk rewrite of `ohlcv_data` (a full `recomputeIndicators`) takes, on the
 * embedded engine only.
 *
 * An UPDATE of compressed bars decompresses their batches into the chunk's uncompressed part (the
 * compressed batch becomes a dead row, the decompressed copy another one once updated), and PGlite
 * runs neither autovacuum nor the compression policy: a full recompute left every bar uncompressed
 * plus its dead copies, ~4x the data, in the process's memory when there is no `dataDir`. So:
 *
 * - after each group, the chunks it left partially compressed are compressed again (TimescaleDB
 *   recompresses only the segments that changed, as the policy would on a server) and vacuumed, so
 *   the next group reuses that space instead of adding its own, and a CHECKPOINT lets the log's
 *   segments be reused instead of new ones added;
 * - at the end, those chunks are decompressed and compressed once more: VACUUM frees index pages for
 *   reuse but never shrinks an index, while compression truncates the uncompressed part (heap and
 *   indexes) and writes its compressed twin anew.
 *
 * Nothing on a server (autovacuum and the policies do this there) or inside a caller's transaction
 * (VACUUM cannot run there; the caller's own maintenance applies).
 */
export function embeddedReclaimer(ctx: RepoContext): Reclaimer {
  if (ctx.runner.kind !== 'embedded' || ctx.runner.inTransaction) return NOTHING
  const touched = new Set<string>()
  return {
    async afterGroup() {
      const vacuum: string[] = []
      if (ctx.capabilities.timescale) {
        for (const chunk of await partialChunks(ctx)) {
          touched.add(chunk)
          await ctx.runner.query('SELECT compress_chunk($1::regclass)', [chunk])
          vacuum.push(chunk, ...await compressedTwin(ctx, chunk))
        }
      }
      // Only what was recompressed: a daily run touches uncompressed recent chunks, where its few dead rows wait for maintenance().
      if (vacuum.length > 0) await ctx.runner.exec(`VACUUM ${vacuum.join(', ')}`)
      await ctx.runner.exec('CHECKPOINT')
    },
    async finish() {
      if (ctx.capabilities.timescale) for (const chunk of await partialChunks(ctx)) touched.add(chunk)
      for (const chunk of touched) {
        await ctx.runner.query('SELECT decompress_chunk($1::regclass, if_compressed => TRUE)', [chunk])
        await ctx.runner.query('SELECT compress_chunk($1::regclass, if_not_compressed => TRUE)', [chunk])
      }
      if (touched.size > 0) await ctx.runner.exec('CHECKPOINT')
      touched.clear()
    },
  }
}

/** Compressed chunks of ohlcv_data holding rows outside their compressed batches (status bit 8, "partial"). */
async function partialChunks(ctx: RepoContext): Promise<string[]> {
  const rows = await ctx.runner.query<{ chunk: string }>(
    `SELECT format('%I.%I', c.schema_name, c.table_name) AS chunk
     FROM _timescaledb_catalog.chunk c JOIN _timescaledb_catalog.hypertable h ON h.id = c.hypertable_id
     WHERE h.schema_name = 'public' AND h.table_name = 'ohlcv_data' AND NOT c.dropped
       AND c.compressed_chunk_id IS NOT NULL AND c.status & 8 = 8
     ORDER BY c.id`)
  return rows.map((r) => r.chunk)
}

async function compressedTwin(ctx: RepoContext, chunk: string): Promise<string[]> {
  const rows = await ctx.runner.query<{ compressed: string | null }>(
    `SELECT format('%I.%I', z.schema_name, z.table_name) AS compressed
     FROM _timescaledb_catalog.chunk c JOIN _timescaledb_catalog.chunk z ON z.id = c.compressed_chunk_id
     WHERE format('%I.%I', c.schema_name, c.table_name) = $1`, [chunk])
  return rows.flatMap((r) => (r.compressed ? [r.compressed] : []))
}
