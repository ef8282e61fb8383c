import postgres from 'postgres'
import { createQuantDb } from '../src/index.js'
import { syntheticBars } from '../src/synthetic/index.js'
import { weekdaysEndingYesterday, median } from './_shared.js'
import { rawCopy } from './_spec-build.js'
const url = 'postgres://postgres@127.0.0.1:5471/quantdb_bench_spec'
const cal = weekdaysEndingYesterday(1250)
const lib = await createQuantDb({ url, logger: {} })
const sql = postgres(url, { max: 1, onnotice: () => {} })
const last = cal.at(-1)!
const day = [...syntheticBars({ seed: 9, tickers: 2000, days: 1250, regions: ['KR'], start: cal[0], batchSize: 2000 })].at(-1)!
const t: Record<string, number[]> = { copy: [], unnest: [], raw: [] }
for (let i = 0; i < 8; i++) {
  for (const k of ['copy', 'unnest', 'raw'] as const) {
    await sql`DELETE FROM ohlcv_data WHERE date = ${last}`
    const t0 = performance.now()
    if (k === 'raw') await rawCopy(sql, day)
    else await lib.ohlcv.upsert(day, { strategy: k })
    t[k]!.push(performance.now() - t0)
  }
}
for (const [k, v] of Object.entries(t)) console.log(k, median(v.slice(1)).toFixed(1), v.map((x) => x.toFixed(0)).join(' '))
await sql.end(); await lib.close()
