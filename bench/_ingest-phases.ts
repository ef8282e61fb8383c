/**
 * Where the time of one `ohlcv.upsert` goes on a server: every statement the library sends (BEGIN,
 * probe, COPY, COMMIT, refresh ...) timed by wrapping the driver, next to a raw postgres.js COPY of the
 * same bars into a twin database (interleaved). Not a benchmark (bench/run.ts skips `_` files).
 *
 *   npx tsx bench/_ingest-phases.ts --url postgres://postgres@127.0.0.1:5540/postgres [--tickers 2000] [--days 60] [--reps 9]
 */
import postgres from 'postgres'
import { createQuantDb } from '../src/index.js'
import { syntheticBars, syntheticTickers } from '../src/synthetic/index.js'
import { checkBars } from '../src/validation/ohlcv-check.js'
import { barsToCsv } from '../src/repos/ohlcv/csv.js'
import { arg, median, weekdaysEndingYesterday } from './_shared.js'
import { backfillPair, rawCopy, urlOf } from './_spec-build.js'

const ADMIN = arg('url', 'postgres://postgres@127.0.0.1:5540/postgres')
const TICKERS = Number(arg('tickers', '2000'))
const DAYS = Number(arg('days', '60'))
const REPS = Number(arg('reps', '9'))
const KEEP = process.argv.includes('--reuse')
const SEED = 9
const calendar = weekdaysEndingYesterday(DAYS)
const names = ['quantdb_phases_lib', 'quantdb_phases_hand']

const admin = postgres(ADMIN, { max: 1, onnotice: () => {} })
const fresh = !KEEP || (await admin`SELECT count(*)::int AS n FROM pg_database WHERE datname = ${names[0]!}`)[0]?.['n'] !== 1
if (fresh) {
  for (const n of names) {
    await admin.unsafe(`DROP DATABASE IF EXISTS ${n} WITH (FORCE)`)
    await admin.unsafe(`CREATE DATABASE ${n}`)
  }
}
await admin.end()
const lib = await createQuantDb({ url: urlOf(ADMIN, names[0]!), logger: {} })
const handQdb = await createQuantDb({ url: urlOf(ADMIN, names[1]!), logger: {} })
const hand = postgres(urlOf(ADMIN, names[1]!), { max: 1, onnotice: () => {} })

// Every statement of the library, timed (wall and this process's CPU): the driver's runner methods
// wrapped on its prototype; the JS work between them (validation before the first, CSV inside the
// COPY, arrays between them) shows as the gaps of the timeline.
const log: string[] = []
const cpuMs = () => { const u = process.cpuUsage(); return (u.user + u.system) / 1000 }
let mark = { at: 0, cpu: 0 }
const since = (what: string) => {
  const now = { at: performance.now(), cpu: cpuMs() }
  log.push(`${what.padEnd(48)} ${(now.at - mark.at).toFixed(2).padStart(7)} ms wall ${(now.cpu - mark.cpu).toFixed(2).padStart(6)} ms CPU`)
  mark = now
}
const runner = (lib as unknown as { ctx?: { runner: object } }).ctx?.runner
  ?? (lib.ohlcv as unknown as { ctx: { runner: object } }).ctx.runner
let proto = Object.getPrototypeOf(runner) as Record<string, unknown>
while (proto && !Object.prototype.hasOwnProperty.call(proto, 'statement')) proto = Object.getPrototypeOf(proto) as Record<string, unknown>
for (const m of ['statement', 'exec', 'copyCsv', 'transaction']) {
  const original = proto[m] as (...a: unknown[]) => Promise<unknown>
  proto[m] = async function (this: unknown, ...a: unknown[]) {
    const what = `${m} ${m === 'transaction' ? '' : String(a[0]).replace(/\s+/g, ' ').slice(0, 36)}`
    since(`  (before ${what.slice(0, 38)})`)
    try {
      return await original.apply(this, a)
    } finally {
      since(what)
    }
  }
}

try {
  if (fresh) {
    await lib.migrate()
    await handQdb.migrate()
    const universe = syntheticTickers({ seed: SEED, tickers: TICKERS, regions: ['KR'] })
    await lib.tickers.upsert(universe)
    await handQdb.tickers.upsert(universe)
    for (const batch of syntheticBars({ seed: SEED, tickers: TICKERS, days: DAYS, regions: ['KR'], start: calendar[0]!, batchSize: 125_000 })) {
      await lib.ohlcv.upsert(batch)
      await rawCopy(hand, batch)
    }
    await lib.exec('ANALYZE')
    await hand.unsafe('ANALYZE')
  }
  const lastDay = [...syntheticBars({ seed: SEED, tickers: TICKERS, days: DAYS, regions: ['KR'], start: calendar[0]!, batchSize: TICKERS })].at(-1)!
  const last = lastDay[0]!.date
  const js: number[] = []
  for (let i = 0; i < 5; i++) {
    const t0 = performance.now()
    checkBars(lastDay, new Set(['KR']))
    barsToCsv(lastDay, { adjusted: true, indicators: false })
    js.push(performance.now() - t0)
  }
  console.log(`validation + CSV of ${lastDay.length} bars: ${js.map((x) => x.toFixed(1)).join(', ')} ms`)
  const libMs: number[] = []
  const handMs: number[] = []
  for (let i = 0; i <= REPS; i++) {
    await lib.query(`DELETE FROM ohlcv_data WHERE date = $1`, [last])
    await hand.unsafe(`DELETE FROM ohlcv_data WHERE date = $1`, [last])
    log.length = 0
    let t0 = performance.now()
    mark = { at: t0, cpu: cpuMs() }
    const r = await lib.ohlcv.upsert(lastDay)
    since('  (after the last statement)')
    const l = performance.now() - t0
    const trace = [...log]
    t0 = performance.now()
    await rawCopy(hand, lastDay)
    const h = performance.now() - t0
    if (r.inserted !== lastDay.length) throw new Error(`inserted ${r.inserted}`)
    if (i > 0) { libMs.push(l); handMs.push(h) }
    console.log(`run ${i}: library ${l.toFixed(1)} ms, raw COPY ${h.toFixed(1)} ms, ratio ${(l / h).toFixed(2)}`)
    if (i === 1 || i === REPS) for (const line of trace) console.log(`    ${line}`)
  }
  if (process.argv.includes('--backfill')) {
    // Backfill: 125,000-bar calls into two fresh databases, library / raw COPY, alternating.
    let v = 0
    let c = 0
    const { libMs: bl, copyMs: bh } = await backfillPair(ADMIN, ['quantdb_phases_blib', 'quantdb_phases_bhand'],
      { seed: SEED, tickers: TICKERS, days: 1250, start: weekdaysEndingYesterday(1250)[0]!, calls: Number(arg('backfill-calls', '4')) }, {
        before(batch) {
          const tv = performance.now()
          checkBars(batch, new Set(['KR']))
          v = performance.now() - tv
          const tc = performance.now()
          barsToCsv(batch, { adjusted: true, indicators: false })
          c = performance.now() - tc
          log.length = 0
          mark = { at: performance.now(), cpu: cpuMs() }
        },
        after(k, l, h) {
          console.log(`backfill ${k}: library ${l.toFixed(0)} ms, raw COPY ${h.toFixed(0)} ms, ratio ${(l / h).toFixed(2)} (validation alone ${v.toFixed(0)} ms, CSV alone ${c.toFixed(0)} ms)`)
          for (const line of log) console.log(`    ${line}`)
        },
      })
    console.log(`backfill median ratio ${median(bl.map((x, i) => x / bh[i]!)).toFixed(2)}`)
  }
  console.log(`daily ingest median: library ${median(libMs).toFixed(1)} ms, raw COPY ${median(handMs).toFixed(1)} ms, ` +
    `ratio of medians ${(median(libMs) / median(handMs)).toFixed(2)}, median of ratios ${median(libMs.map((x, i) => x / handMs[i]!)).toFixed(2)}`)
} finally {
  await hand.end()
  await handQdb.close()
  await lib.close()
}
