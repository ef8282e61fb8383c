import type { RepoContext } from '../context.js'

/** What a bulk rewrite of `ohlcv_data` calls to give memory back on the embedded engine (see `embeddedReclaimer`). */
export interface Reclaimer {
  /** After each committed group that wrote: recompress what it decompressed, rewrite that compactly, checkpoint. */
  afterGroup(): Promise<void>
}

const NOTHING: Reclaimer = { afterGroup: async () => {} }

/**
 * Gives back the memory a bulk rewrite of `ohlcv_data` (a full `recomputeIndicators`) takes, on the
 * embedded engine only.
 *
 * An UPDATE of compressed bars decompresses their batches into the chunk's uncompressed part (the
 * compressed batch becomes a dead row, the decompressed copy another one once updated), and PGlite
 * runs neither autovacuum nor the compression policy: a full recompute left every bar uncompressed
 * plus its dead copies, ~4x the data, in the process's memory when there is no `dataDir`. So after
 * each group the chunks it left partially compressed are compressed again (TimescaleDB recompresses
 * only the segments that changed, as the policy would on a server), then rewritten by VACUUM FULL,
 * the chunk (its uncompressed part now empty: heap and indexes back to nothing) and its compressed
 * twin (the replaced batches' dead rows): the files keep the size of their rows after every group.
 * A plain VACUUM frees pages for reuse but never shrinks an index, and the next group's rows went
 * elsewhere: +90 MB a group of 100 tickers (in memory, freed memory the process then keeps), and a
 * decompress-and-compress of every chunk at the end to shrink them. A CHECKPOINT then lets the log's
 * segments go.
 *
 * Nothing on a server (autovacuum and the policies do this there) or inside a caller's transaction
 * (VACUUM cannot run there; the caller's own maintenance applies).
 */
export function embeddedReclaimer(ctx: RepoContext): Reclaimer {
  if (ctx.runner.kind !== 'embedded' || ctx.runner.inTransaction) return NOTHING
  return {
    async afterGroup() {
      const rewrite: string[] = []
      if (ctx.capabilities.timescale) {
        for (const chunk of await partialChunks(ctx)) {
          await ctx.runner.query('SELECT compress_chunk($1::regclass)', [chunk])
          rewrite.push(chunk, ...await compressedTwin(ctx, chunk))
        }
      }
      // Only what was recompressed: a daily run touches uncompressed recent chunks, where its few dead rows wait for maintenance().
      if (rewrite.length > 0) await ctx.runner.exec(`VACUUM FULL ${rewrite.join(', ')}`)
      await ctx.runner.exec('CHECKPOINT')
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
