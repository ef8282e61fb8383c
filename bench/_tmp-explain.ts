import { createQuantDb } from '../src/index.js'
const url = process.argv[2]!
const lib = await createQuantDb({ url, logger: {} })
const ctx = (lib.ohlcv as unknown as { ctx: any }).ctx
const runner = ctx.runner
const orig = runner.queryArrays.bind(runner)
const origQ = runner.query.bind(runner)
runner.query = async (t: string, p: unknown[]) => { const t0 = performance.now(); const r = await origQ(t, p); console.log('catalog', (performance.now() - t0).toFixed(1)); return r }
runner.queryArrays = async (t: string, p: unknown[]) => {
  const plan = await lib.query<{ 'QUERY PLAN': string }>(`EXPLAIN (ANALYZE, COSTS OFF) ${t}`, p as never)
  console.log(plan.map((r) => r['QUERY PLAN']).filter((l) => !/k[1-9]\d*|Chunk Append|_hyper_/.test(l) || true).slice(0, 400).join('\n'))
  return orig(t, p)
}
const { regionTickers } = await import('../src/repos/ohlcv/region-tickers.js')
await regionTickers(ctx, 'KR', 'daily', process.argv[3])
await lib.close()
