/**
 * Embedded engine memory (RSS) after a full `recomputeIndicators`, against the data's size:
 *   npx tsx bench/_embedded-memory.ts [tickers] [days] [--in-memory]   (default: a temporary dataDir)
 * A `_` helper (not run by `npm run bench`); issue 9 asks for "within 2x of what the data needs".
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createQuantDb } from '../src/index.js'
import { syntheticBars } from '../src/synthetic/index.js'

const tickers = Number(process.argv[2] ?? 200)
const days = Number(process.argv[3] ?? 1250)
const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)} MB`
const rss = () => process.memoryUsage().rss
let peak = 0
const sampler = setInterval(() => { peak = Math.max(peak, rss()) }, 50)
const inMemory = process.argv.includes('--in-memory')
const dir = mkdtempSync(join(tmpdir(), 'qdb-mem-'))
const base = rss()
const qdb = await createQuantDb(inMemory ? { logger: {} } : { dataDir: dir, logger: {} })
try {
  await qdb.migrate()
  const opened = rss()
  let n = 0
  for (const batch of syntheticBars({ tickers, days, regions: ['KR'], batchSize: 5000 })) n += (await qdb.ohlcv.upsert(batch)).inserted
  await qdb.ops.maintenance()
  const size = async () => Number((await qdb.query<{ b: string }>(`SELECT hypertable_size('ohlcv_data')::text AS b`))[0]!.b)
  const loaded = rss(); const loadedBytes = await size()
  peak = 0
  const t0 = performance.now()
  const r = await qdb.ohlcv.recomputeIndicators({ region: 'KR' })
  const secs = (performance.now() - t0) / 1000
  const after = rss(); peak = Math.max(peak, after); const afterBytes = await size()
  const db = await qdb.query<{ b: string }>(`SELECT pg_database_size(current_database())::text AS b`)
  console.log(`${n.toLocaleString()} bars; ${r.updated.toLocaleString()} updated in ${secs.toFixed(0)} s`)
  console.log(`RSS: node before open ${mb(base)}, after open ${mb(opened)}, after load ${mb(loaded)}, after full recompute ${mb(after)} (peak sampled between statements ${mb(peak)})`)
  console.log(`ohlcv_data: ${mb(loadedBytes)} loaded, ${mb(afterBytes)} after recompute; database ${mb(Number(db[0]!.b))}`)
  console.log(`RSS growth over the open engine after recompute: ${mb(after - opened)} = ${((after - opened) / afterBytes).toFixed(2)} x ohlcv_data`)
} finally {
  clearInterval(sampler)
  await qdb.close()
  rmSync(dir, { recursive: true, force: true })
}
