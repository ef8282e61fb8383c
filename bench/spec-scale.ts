/**
 * The spec's capacity on a TimescaleDB server: 2,000 KR tickers x 1,250 trading days (2.5M bars),
 * every row of issue 9's table as a ratio library / hand-written postgres.js on the same data, in the
 * same run (interleaved). The market is built once (bench/_spec-build.ts) and kept: `--reuse` skips
 * the build when a finished one of the same size is there.
 *
 *   npx tsx bench/spec-scale.ts --url postgres://postgres@127.0.0.1:5471/postgres [--reuse] [--reps 31] [--read-reps 501]
 *   npm run bench -- --scale spec --reuse          # the same through bench/run.ts (only this bench)
 *   npx tsx bench/spec-scale.ts --reuse --ingest-only   # the daily ingest and the backfill alone
 *   npx tsx bench/spec-scale.ts --reuse --merge '10 years' --true-ratio   # every row on the one-chunk layout
 *
 * `--url` (or QUANTDB_BENCH_URL) must be a TimescaleDB server; a dedicated one (e.g.
 * `../shared/timescaledb/serve.sh start 5471`), since other work on the server moves the figures.
 * Without `--scale spec` bench/run.ts skips this bench (it takes minutes to build, ~1 GB of disk).
 */
import postgres from 'postgres'
import { createQuantDb } from '../src/index.js'
import { syntheticBars, syntheticTickers } from '../src/synthetic/index.js'
import { arg, emitResult, fmt, median, printVersus, timeInterleaved, weekdaysEndingYesterday, weekdaysFrom, type VersusRow } from './_shared.js'
import { panelCopySelect } from '../src/repos/ohlcv/panel-copy.js'
import { selectList } from '../src/internal/fast-select.js'
import { ohlcvDailySummary } from '../src/schema/index.js'
import { recomputeCases } from './_recompute-cases.js'
import { backfillPair, build, builtFigures, builtStart, HAND_DB, MAIN_DB, rawCopy, trueCompression, urlOf, type BuildSpec } from './_spec-build.js'

const ADMIN = arg('url', process.env['QUANTDB_BENCH_URL'] ?? 'postgres://postgres@127.0.0.1:5471/postgres')
const REUSE = process.argv.includes('--reuse')
const TICKERS = Number(arg('tickers', '2000'))
const DAYS = Number(arg('days', '1250'))
const REPS = Number(arg('reps', '31'))
// The small reads (0.3-20 ms a call): 501 interleaved runs each after 20 warm-up runs. With 31-101 runs
// after one warm-up, the library's first ~30 calls (its JavaScript not yet compiled: 1-5 ms for a
// 0.9 ms read) were a third of the sample and moved the median: topSignals 1.04-1.35 between runs of
// the same code, 1.05-1.13 with these (3 runs; 1.04-1.10 in 3 more on the merged layout).
const READ_REPS = Number(arg('read-reps', '501'))
const READ_WARMUP = 20
const INGEST_REPS = Number(arg('ingest-reps', '9'))
const SEED = 9
// --reads-only: the small reads alone (a quick re-measure after a change to them).
const READS_ONLY = process.argv.includes('--reads-only')
// --ingest-only: the daily ingest and the backfill alone (a quick re-measure after a change to upsert).
const INGEST_ONLY = process.argv.includes('--ingest-only')
// --panel-only: ohlcv.panel alone (its wire format and decoding).
const PANEL_ONLY = process.argv.includes('--panel-only')
// --recompute-only: the recomputeIndicators cases alone (bench/_recompute-cases.ts).
const RECOMPUTE_ONLY = process.argv.includes('--recompute-only')
const RECOMPUTE_REPS = Number(arg('recompute-reps', '3'))
// --merge INTERVAL: first merge both databases' compressed chunks into chunks of INTERVAL
// (`ops.mergeCompressedChunks`; '10 years' = one chunk, the layout that meets the compression targets),
// so that every row of the run is measured on that layout. Kept in the build (a later --reuse reads it).
const MERGE = process.argv.includes('--merge') ? arg('merge', '10 years') : undefined
// --reuse: the calendar of the build that is there (made on an earlier day, its days end before yesterday).
const builtFrom = REUSE ? await builtStart(ADMIN, TICKERS, DAYS) : undefined
const calendar = builtFrom !== undefined ? weekdaysFrom(builtFrom, DAYS) : weekdaysEndingYesterday(DAYS)
const spec: BuildSpec = {
  tickers: TICKERS, days: DAYS, start: calendar[0]!, seed: SEED, factorDays: calendar.slice(-20), positions: 100,
}

const rows: VersusRow[] = []
const SUMMARY_COLUMNS = selectList(ohlcvDailySummary, 'v')
const notes: string[] = []

let figures = REUSE ? await builtFigures(ADMIN, spec) : undefined
if (figures) {
  console.log(`Reusing the market built in ${MAIN_DB} / ${HAND_DB} on ${new URL(ADMIN).host}`)
} else {
  console.log(`Building ${TICKERS.toLocaleString()} tickers x ${DAYS.toLocaleString()} days on ${new URL(ADMIN).host} (once; --reuse later)`)
  figures = await build(ADMIN, spec)
}
rows.push({ case: `backfill, ${figures.backfillCalls} calls of 125,000 bars (the build; sum)`, library: figures.backfillLibraryMs, byHand: figures.backfillCopyMs })
notes.push(`backfill per call, library / raw COPY: median ${median(figures.backfillRatios).toFixed(2)}, ` +
  `range ${Math.min(...figures.backfillRatios).toFixed(2)}-${Math.max(...figures.backfillRatios).toFixed(2)}`)

const lib = await createQuantDb({ url: urlOf(ADMIN, MAIN_DB), logger: {} })
// By hand: a postgres.js client of its own, statements prepared (named), its default parsers.
const hand = postgres(urlOf(ADMIN, MAIN_DB), { max: 1, onnotice: () => {} })
const handCopy = postgres(urlOf(ADMIN, HAND_DB), { max: 1, onnotice: () => {} })
const q = (text: string, params: unknown[] = []) => hand.unsafe(text, params as never[], { prepare: true })

try {
  if (!lib.capabilities.timescale) throw new Error(`${ADMIN} has no TimescaleDB: the spec-scale bench needs a TimescaleDB server`)
  // A reused build may predate a migration of this code (e.g. 0003's dailySummary staleness function).
  if (REUSE) await lib.migrate()
  if (MERGE !== undefined) {
    for (const name of [MAIN_DB, HAND_DB]) {
      const db = name === MAIN_DB ? lib : await createQuantDb({ url: urlOf(ADMIN, name), logger: {} })
      try {
        const t0 = performance.now()
        const m = await db.ops.mergeCompressedChunks('ohlcv_data', { interval: MERGE })
        console.log(`${name}: compressed chunks merged into '${MERGE}' chunks: ${m.chunksBefore} -> ${m.chunksAfter} (${fmt(performance.now() - t0)} ms)`)
      } finally {
        if (db !== lib) await db.close()
      }
    }
    notes.push(`layout: compressed chunks merged into '${MERGE}' chunks (ops.mergeCompressedChunks) before every measurement`)
  }
  const tickers = syntheticTickers({ seed: SEED, tickers: TICKERS, regions: ['KR'] }).map((t) => t.ticker)
  const one = tickers[Math.floor(tickers.length / 2)]!
  const first = calendar[0]!
  const last = calendar[calendar.length - 1]!
  const since = new Date(Date.now() - (Math.ceil(250 * 1.5) + 30) * 86_400_000).toISOString().slice(0, 10)
  const monthFrom = calendar[calendar.length - 300]!
  const monthTo = calendar[calendar.length - 280]!
  const factorDay = spec.factorDays[spec.factorDays.length - 1]!

  // ---- small reads: library vs the same SQL by hand, prepared
  const reads = {
    latest: {
      lib: () => lib.ohlcv.recent({ ticker: one, region: 'KR' }),
      hand: () => q(`SELECT * FROM ohlcv_data WHERE ticker = $1 AND region = $2 AND timeframe = 'daily' AND date >= $3
        ORDER BY date DESC LIMIT 250`, [one, 'KR', since]),
      label: 'ohlcv.latest(250)',
    },
    range: {
      lib: () => lib.ohlcv.range({ ticker: one, region: 'KR', from: first, to: last }),
      hand: () => q(`SELECT * FROM ohlcv_data WHERE ticker = $1 AND region = $2 AND timeframe = 'daily' AND date >= $3 AND date <= $4
        ORDER BY date`, [one, 'KR', first, last]),
      label: `ohlcv.range, one ticker, ${DAYS} days`,
    },
    topSignals: {
      lib: () => lib.factors.topSignals({ calculationDate: factorDay, signal: 'BUY', limit: 50 }),
      hand: () => q(`SELECT * FROM factor_scores WHERE calculation_date = $1 AND signal = 'BUY'
        ORDER BY total_score DESC, ticker, region LIMIT 50`, [factorDay]),
      label: 'factors.topSignals BUY, limit 50',
    },
    dailySummary: {
      lib: () => lib.ohlcv.dailySummary({ region: 'KR', from: monthFrom, to: monthTo }),
      hand: () => q(`SELECT * FROM ohlcv_daily_summary WHERE region = $1 AND day >= $2 AND day <= $3 ORDER BY day`, ['KR', monthFrom, monthTo]),
      label: 'ohlcv.dailySummary, a month',
    },
    // The default read also says whether the window is stale (ohlcv_daily_summary_read, migration 0005,
    // with ohlcv_daily_summary_stale of 0003/0004) and refreshes it if so: by hand, the same call and refresh.
    dailySummarySameSql: {
      lib: () => lib.ohlcv.dailySummary({ region: 'KR', from: monthFrom, to: monthTo }),
      hand: async () => {
        const read = (check: boolean) => q(`SELECT ${SUMMARY_COLUMNS} FROM ohlcv_daily_summary_read($1, $2::date, $3::date, ${check}) v`, ['KR', monthFrom, monthTo])
        const got = await read(true)
        if (!(got.length === 1 && got[0]!['day'] === null)) return got
        await hand.unsafe(`CALL refresh_continuous_aggregate('ohlcv_daily_summary', $1::date, $2::date + 1)`, [monthFrom, monthTo])
        return read(false)
      },
      label: 'ohlcv.dailySummary, a month, vs the same SQL (with its staleness check)',
    },
    dailySummaryAsStored: {
      lib: () => lib.ohlcv.dailySummary({ region: 'KR', from: monthFrom, to: monthTo, refresh: false }),
      hand: () => q(`SELECT * FROM ohlcv_daily_summary WHERE region = $1 AND day >= $2 AND day <= $3 ORDER BY day`, ['KR', monthFrom, monthTo]),
      label: 'ohlcv.dailySummary, a month, refresh: false (as stored)',
    },
    history: {
      lib: () => lib.factors.history({ ticker: one, region: 'KR', from: spec.factorDays[0], to: factorDay }),
      hand: () => q(`SELECT * FROM factor_scores WHERE ticker = $1 AND region = $2 AND calculation_date >= $3 AND calculation_date <= $4
        ORDER BY calculation_date`, [one, 'KR', spec.factorDays[0], factorDay]),
      label: 'factors.history, 20 days',
    },
    positions: {
      lib: () => lib.portfolio.positions(),
      hand: () => q(`SELECT * FROM portfolio ORDER BY ticker, region`),
      label: `portfolio.positions (${spec.positions})`,
    },
  }
  for (const [name, r] of INGEST_ONLY || PANEL_ONLY || RECOMPUTE_ONLY ? [] : Object.entries(reads)) {
    const [a, b] = [await r.lib(), await r.hand()]
    if (a.length !== b.length) throw new Error(`${name}: library ${a.length} rows, by hand ${b.length}`)
    if (a.length === 0) console.warn(`${name}: no rows (a small market?)`)
  }
  // Each read against its own hand-written twin, pair by pair: a large read (range) leaves garbage
  // that the next call in a shared loop pays for, whichever it is (measured: 1 ms calls became 3-15 ms).
  for (const r of INGEST_ONLY || PANEL_ONLY || RECOMPUTE_ONLY ? [] : Object.values(reads)) {
    const t = await timeInterleaved(READ_REPS, { lib: r.lib, hand: r.hand }, { warmup: READ_WARMUP })
    rows.push({ case: r.label, library: t['lib']!, byHand: t['hand']! })
  }

  if (RECOMPUTE_ONLY) {
    const lastDay = [...syntheticBars({ seed: SEED, tickers: TICKERS, days: DAYS, regions: ['KR'], start: spec.start, batchSize: TICKERS })].at(-1)!
    notes.push(...(await recomputeCases(lib, hand, lastDay, figures.recomputeFullMs, RECOMPUTE_REPS)).notes)
  } else if (!READS_ONLY) {
    // ---- panel: 500 tickers x the whole history, 2 fields, vs one row per bar grouped in JS
    const panelTickers = tickers.slice(0, 500)
    const panelLib = () => lib.ohlcv.panel({ tickers: panelTickers, region: 'KR', from: first, to: last, fields: ['adjustedClose', 'volume'] })
    const panelHand = async () => {
      const got = await q(`SELECT ticker, date, adjusted_close, volume FROM ohlcv_data
        WHERE region = 'KR' AND timeframe = 'daily' AND ticker = ANY($1) AND date BETWEEN $2 AND $3 ORDER BY ticker, date`, [panelTickers, first, last])
      const series = new Map<string, { close: number[]; volume: number[] }>()
      for (const r of got) {
        const s = series.get(r['ticker']) ?? series.set(r['ticker'], { close: [], volume: [] }).get(r['ticker'])!
        s.close.push(Number(r['adjusted_close']))
        s.volume.push(Number(r['volume']))
      }
      return series
    }
    if (!INGEST_ONLY) {
      // Pair by pair, so that each ratio compares two calls under the same load.
      const libMs: number[] = []
      const handMs: number[] = []
      await panelLib()
      await panelHand()
      for (let i = 0; i < Number(arg('panel-reps', String(Math.max(3, Math.floor(REPS / 6))))); i++) {
        let t0 = performance.now()
        await panelLib()
        libMs.push(performance.now() - t0)
        t0 = performance.now()
        await panelHand()
        handMs.push(performance.now() - t0)
      }
      const ratios = libMs.map((l, i) => l / handMs[i]!)
      const cells = 500 * DAYS * 2
      // Bytes on the wire (message payloads): the library's binary COPY, and the hand query's DataRows.
      let libBytes = 0
      const stream = await hand.unsafe(`COPY (${panelCopySelect(panelTickers, { region: 'KR', from: first, to: last, columns: ['adjusted_close', 'volume'] })})
        TO STDOUT (FORMAT binary)`).readable()
      // 'data' events, not `for await`: postgres.js pauses its socket when a push fills the stream's
      // buffer, and a COPY that ends right then leaves the connection paused for good.
      await new Promise<void>((resolve, reject) => {
        stream.on('data', (chunk: Uint8Array) => { libBytes += chunk.length + 5 })
        stream.on('end', resolve)
        stream.on('error', reject)
      })
      const raw = await hand.unsafe(`SELECT ticker, date, adjusted_close, volume FROM ohlcv_data
        WHERE region = 'KR' AND timeframe = 'daily' AND ticker = ANY($1) AND date BETWEEN $2 AND $3 ORDER BY ticker, date`, [panelTickers, first, last] as never[]).raw()
      let handBytes = 0
      for (const r of raw as unknown as (Buffer | null)[][]) handBytes += 7 + r.reduce((n, c) => n + 4 + (c?.length ?? 0), 0)
      const p = { lib: median(libMs), hand: median(handMs) }
      rows.push({ case: `ohlcv.panel, 500 tickers x ${DAYS} days, 2 fields`, library: p['lib'], byHand: p['hand'] })
      const mbps = (bytes: number, ms: number) => (bytes / 2 ** 20 / (ms / 1000)).toFixed(1)
      notes.push(`panel: library ${(cells / p['lib'] / 1000).toFixed(2)}M cells/s, ${(libBytes / 2 ** 20).toFixed(1)} MB = ${mbps(libBytes, p['lib'])} MB/s; ` +
        `by hand ${(cells / p['hand'] / 1000).toFixed(2)}M cells/s, ${(handBytes / 2 ** 20).toFixed(1)} MB = ${mbps(handBytes, p['hand'])} MB/s; ` +
        `ratio per pair: median ${median(ratios).toFixed(2)}, range ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)} (${ratios.length} pairs)`)
    }

    if (!PANEL_ONLY) {
      // ---- daily ingest: the last day's 2,000 new bars (deleted first), library vs raw COPY
      const lastDay = [...syntheticBars({ seed: SEED, tickers: TICKERS, days: DAYS, regions: ['KR'], start: spec.start, batchSize: TICKERS })].at(-1)!
      if (lastDay[0]!.date !== last) throw new Error(`the synthetic last day ${lastDay[0]!.date} is not ${last}`)
      // Both into the library's own database, the day deleted before each write (untimed), the order
      // alternating run by run: the same table, in the same state (its recent chunk rewritten by the
      // build's recompute, unlike the twin's), is the only fair floor.
      const libTimes: number[] = []
      const copyTimes: number[] = []
      const timed = async (write: () => Promise<unknown>) => {
        await hand.unsafe(`DELETE FROM ohlcv_data WHERE date = $1`, [last])
        const t1 = performance.now()
        await write()
        return performance.now() - t1
      }
      for (let i = 0; i <= INGEST_REPS; i++) {
        const libFirst = i % 2 === 0
        const a = await timed(libFirst ? () => lib.ohlcv.upsert(lastDay) : () => rawCopy(hand, lastDay))
        const b = await timed(libFirst ? () => rawCopy(hand, lastDay) : () => lib.ohlcv.upsert(lastDay))
        if (i > 0) { libTimes.push(libFirst ? a : b); copyTimes.push(libFirst ? b : a) } // the first is the warm-up
      }
      const ingest = { lib: median(libTimes), hand: median(copyTimes) }
      const ingestRatios = libTimes.map((t, i) => t / copyTimes[i]!)
      notes.push(`daily ingest per run, library / raw COPY: median ${median(ingestRatios).toFixed(2)}, ` +
        `range ${Math.min(...ingestRatios).toFixed(2)}-${Math.max(...ingestRatios).toFixed(2)}`)
      rows.push({ case: `daily ingest, ${TICKERS.toLocaleString()} new bars (the day deleted before each run, untimed)`, library: ingest['lib']!, byHand: ingest['hand']! })

      // ---- backfill as the current code does it: 125,000-bar calls of the same market into two fresh
      // databases (library / raw COPY), alternating; the build's figures above are from the code that built it.
      const calls = Number(arg('backfill-calls', '4'))
      const { libMs, copyMs } = await backfillPair(ADMIN, ['quantdb_bench_backfill_lib', 'quantdb_bench_backfill_hand'],
        { seed: SEED, tickers: TICKERS, days: DAYS, start: spec.start, calls })
      rows.push({ case: `backfill, ${calls} calls of 125,000 new bars (current code; median)`, library: median(libMs), byHand: median(copyMs) })
      const ratios = libMs.map((t, i) => t / copyMs[i]!)
      notes.push(`backfill per call (current code), library / raw COPY: median ${median(ratios).toFixed(2)}, ` +
        `range ${Math.min(...ratios).toFixed(2)}-${Math.max(...ratios).toFixed(2)}`)

      if (!INGEST_ONLY) {
        // ---- recomputeIndicators: the daily incremental run (the day just written) and a no-op full re-run
        notes.push(...(await recomputeCases(lib, hand, lastDay, figures.recomputeFullMs, RECOMPUTE_REPS)).notes)

        // ---- compression, as the library reports it and measured by hand
        const stats = (await lib.ops.compressionStats()).find((s) => s.hypertable === 'ohlcv_data')
        const handStats = await handCopy.unsafe(`SELECT before_compression_total_bytes::float8 AS b, after_compression_total_bytes::float8 AS a
          FROM hypertable_compression_stats('ohlcv_data')`)
        notes.push(`compression (indicators filled), ops.compressionStats: ${stats?.ratio?.toFixed(2)} : 1 ` +
          `(${((stats?.beforeBytes ?? 0) / 2 ** 20).toFixed(0)} -> ${((stats?.afterBytes ?? 0) / 2 ** 20).toFixed(0)} MB)`)
        notes.push(`compression (indicators NULL, raw COPY): ${(Number(handStats[0]?.['b']) / Number(handStats[0]?.['a'])).toFixed(2)} : 1`)

        if (process.argv.includes('--true-ratio')) {
          for (const [label, name] of [['indicators filled', MAIN_DB], ['indicators NULL', HAND_DB]] as const) {
            const c = await trueCompression(urlOf(ADMIN, name))
            const mb = (b: number) => (b / 2 ** 20).toFixed(0)
            notes.push(`compression (${label}), measured: ${c.rows.toLocaleString()} rows take ${mb(c.freshBytes)} MB loaded once (table + indexes), ` +
              `${mb(c.compressedBytes)} MB compressed = ${(c.freshBytes / c.compressedBytes).toFixed(2)} : 1 ` +
              `(TimescaleDB's "before": ${mb(c.reportedBefore)} MB = ${(c.reportedBefore / c.compressedBytes).toFixed(2)} : 1)`)
          }
        }
      }
    }
  }

  printVersus(`spec scale, TimescaleDB ${lib.capabilities.timescaleVersion}: ${TICKERS} x ${DAYS} days — small reads: median of ${READ_REPS} interleaved runs after ${READ_WARMUP} warm-up runs each`, rows)
  for (const n of notes) console.log(`- ${n}`)
  emitResult('spec-scale', 'timescale', rows)
} finally {
  await hand.end()
  await handCopy.end()
  await lib.close()
}
