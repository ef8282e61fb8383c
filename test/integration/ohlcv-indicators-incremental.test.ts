import { expect, it } from 'vitest'
import { computeIndicators } from '../../src/indicators/index.js'
import { createQuantDb, INDICATOR_FIELDS, type Bar } from '../../src/index.js'
import { syntheticMarket } from '../../src/synthetic/index.js'
import { forEachTarget } from '../helpers/targets.js'

// Daily recomputeIndicators runs continue from the state the previous run kept (ohlcv_indicator_state)
// instead of re-reading the history: what they store must be what one full run over the whole history
// stores, every value, and writes of old bars must make the next run start over where they changed.

// 3 KR tickers x 460 weekdays from 2021 with gaps: more bars than a state keeps (398 closes), old enough to compress.
const market = syntheticMarket({ seed: 11, tickers: 3, days: 460, gapProbability: 0.02, start: '2021-01-04', regions: ['KR'] })
const days = [...new Set(market.bars.map((b) => b.date))].sort()
const LOADED = 440
const barsOn = (day: string) => market.bars.filter((b) => b.date === day)

/** What a full run stores: computeIndicators of the stored bars, rounded to 4 decimals, NULL for NaN. */
function expectedIndicators(bars: readonly Bar[]) {
  const set = computeIndicators({ high: bars.map((b) => b.high!), low: bars.map((b) => b.low!), close: bars.map((b) => b.close!) })
  return bars.map((b, i) => ({ date: b.date, ...Object.fromEntries(INDICATOR_FIELDS.map((f) => {
    const v = set[f][i]!
    return [f, Number.isNaN(v) ? null : Number(v.toFixed(4)) + 0] // + 0: no -0
  })) }))
}
const storedIndicators = (bars: readonly Bar[]) => bars.map((b) => ({ date: b.date, ...Object.fromEntries(INDICATOR_FIELDS.map((f) => [f, b[f]])) }))

forEachTarget('ohlcv indicators, incremental runs', (target, db) => {
  const history = (ticker: string) => db().ohlcv.range({ ticker, region: 'KR', from: '2000-01-01', to: '2099-12-31' })
  const everyTicker = async () => Promise.all(market.tickers.map((t) => history(t.ticker)))
  const states = () => db().query<{ ticker: string; date: string; bars: number; known: boolean }>(
    `SELECT ticker, to_char(date, 'YYYY-MM-DD') AS date, bars, fingerprint IS NOT NULL AS known FROM ohlcv_indicator_state ORDER BY ticker, date`)

  it('daily runs over several days store exactly what one full run over the whole history stores', async () => {
    await db().ohlcv.upsert(market.bars.filter((b) => b.date <= days[LOADED - 1]!))
    if (target.timescale) expect(await db().ops.compress('ohlcv_data', { olderThan: '90 days' })).toBeGreaterThan(0)
    await db().ohlcv.recomputeIndicators({ region: 'KR' })
    // Each run keeps the state after the last two bars of each ticker.
    const kept = await states()
    expect(kept).toHaveLength(2 * market.tickers.length)
    for (const t of market.tickers) {
      const n = market.bars.filter((b) => b.ticker === t.ticker && b.date <= days[LOADED - 1]!).length
      expect(kept.filter((s) => s.ticker === t.ticker).map((s) => [s.bars, s.known])).toEqual([[n - 1, true], [n, true]])
    }

    // Day by day; once two days in one run; once a re-run of the same day (from the state of the day before).
    const daily = async (from: string, expectedBars: number) => {
      const run = await db().ohlcv.recomputeIndicators({ region: 'KR', from })
      expect(run.bars).toBe(expectedBars)
      return run
    }
    for (const [i, day] of days.slice(LOADED, LOADED + 8).entries()) {
      await db().ohlcv.upsert(barsOn(day))
      await daily(day, barsOn(day).length)
      if (i === 3) expect(await daily(day, barsOn(day).length)).toMatchObject({ updated: 0 })
    }
    const two = days.slice(LOADED + 8, LOADED + 10)
    await db().ohlcv.upsert(two.flatMap(barsOn))
    await daily(two[0]!, two.flatMap(barsOn).length)
    for (const day of days.slice(LOADED + 10)) {
      await db().ohlcv.upsert(barsOn(day))
      await daily(day, barsOn(day).length)
    }
    const incremental = await everyTicker()
    expect(incremental.flat()).toHaveLength(market.bars.length)
    const lastTwo = [...market.tickers].sort((a, b) => (a.ticker < b.ticker ? -1 : 1))
      .flatMap((t) => market.bars.filter((b) => b.ticker === t.ticker).map((b) => `${t.ticker} ${b.date}`).sort().slice(-2))
    expect((await states()).map((s) => `${s.ticker} ${s.date}`)).toEqual(lastTwo)
    for (const bars of incremental) expect(storedIndicators(bars)).toEqual(expectedIndicators(bars))

    // One full run from nothing (indicators and states erased by hand) stores the very same values.
    await db().exec(`DELETE FROM ohlcv_indicator_state;
      UPDATE ohlcv_data SET ${INDICATOR_FIELDS.map((f) => `${f.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`)} = NULL`).join(', ')}`)
    expect(await db().ohlcv.recomputeIndicators({ region: 'KR' })).toMatchObject({ bars: market.bars.length })
    const full = await everyTicker()
    expect(full.map(storedIndicators)).toEqual(incremental.map(storedIndicators))
    // And a full run now has nothing to do.
    expect(await db().ohlcv.recomputeIndicators({ region: 'KR' })).toEqual({ tickers: 3, bars: market.bars.length, updated: 0 })
  })

  it('an upsert of a corrected old bar makes the next daily run start over from the first bar', async () => {
    const t = market.tickers[0]!.ticker
    const before = await history(t)
    const old = before[300]!
    await db().ohlcv.upsert([{ ticker: t, region: 'KR', date: old.date, open: old.open!, high: old.high! * 1.5, low: old.low!, close: old.close! * 1.4, volume: old.volume! }])
    // The upsert dropped the states it made stale, in its own transaction.
    expect((await states()).filter((s) => s.ticker === t)).toEqual([])

    // The next day's run: the new day's values are those of the corrected history.
    const last = before.at(-1)!
    const nextDay = new Date(Date.parse(`${days.at(-1)!}T00:00:00Z`) + 3 * 86_400_000).toISOString().slice(0, 10)
    const next = { ticker: t, region: 'KR', date: nextDay, open: last.close!, high: last.close! * 1.02, low: last.close! * 0.99, close: last.close! * 1.01, volume: 1_000 }
    expect(next.date > last.date).toBe(true)
    await db().ohlcv.upsert([next])
    expect(await db().ohlcv.recomputeIndicators({ region: 'KR', tickers: [t], from: next.date })).toMatchObject({ bars: 1, updated: 1 })
    const after = await history(t)
    const want = expectedIndicators(after)
    expect(storedIndicators(after).at(-1)).toEqual(want.at(-1))
    // The bars between the correction and `from` were not asked for: left as they were.
    expect(storedIndicators(after).slice(0, -1)).toEqual(storedIndicators(before))
    // A full run brings them up to date (its checks find the rows changed since the states were kept).
    await db().ohlcv.recomputeIndicators({ region: 'KR', tickers: [t] })
    expect(storedIndicators(await history(t))).toEqual(want)
  })

  it('a corrected last bar: the run from that day continues from the state before it', async () => {
    const t = market.tickers[1]!.ticker
    const before = await history(t)
    const last = before.at(-1)!
    await db().ohlcv.upsert([{ ticker: t, region: 'KR', date: last.date, open: last.open!, high: last.high! * 1.1, low: last.low!, close: last.close! * 1.05, volume: last.volume! }])
    expect((await states()).filter((s) => s.ticker === t).map((s) => s.date)).toEqual([before.at(-2)!.date])
    expect(await db().ohlcv.recomputeIndicators({ region: 'KR', tickers: [t], from: last.date })).toMatchObject({ bars: 1, updated: 1 })
    const after = await history(t)
    expect(storedIndicators(after)).toEqual(expectedIndicators(after))
    expect((await states()).filter((s) => s.ticker === t).map((s) => s.date)).toEqual([before.at(-2)!.date, last.date])
  })

  it('a new bar inside the history (a gap filled) drops the states after it; the next daily run stores the whole history\'s values', async () => {
    const t = market.tickers[0]!.ticker
    const before = await history(t)
    const have = new Set(before.map((b) => b.date))
    const gap = days.find((d) => d > before[50]!.date && d < before[300]!.date && !have.has(d))
    expect(gap).toBeDefined()
    expect((await states()).filter((s) => s.ticker === t).length).toBeGreaterThan(0)
    const prev = before.filter((b) => b.date < gap!).at(-1)!
    // A new key: on a server this call is one COPY committed by itself, outside any transaction.
    expect(await db().ohlcv.upsert([{ ticker: t, region: 'KR', date: gap!, open: prev.close!, high: prev.close! * 1.03, low: prev.close! * 0.98, close: prev.close! * 1.01, volume: 500 }]))
      .toMatchObject({ inserted: 1, updated: 0 })
    expect((await states()).filter((s) => s.ticker === t)).toEqual([])

    const last = before.at(-1)!
    const nextDay = new Date(Date.parse(`${last.date}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10)
    await db().ohlcv.upsert([{ ticker: t, region: 'KR', date: nextDay, open: last.close!, high: last.close! * 1.01, low: last.close! * 0.97, close: last.close! * 0.99, volume: 2_000 }])
    expect(await db().ohlcv.recomputeIndicators({ region: 'KR', tickers: [t], from: nextDay })).toMatchObject({ bars: 1, updated: 1 })
    const after = await history(t)
    expect(storedIndicators(after).at(-1)).toEqual(expectedIndicators(after).at(-1))
  })

  it('a full run finds rows changed behind the library (raw SQL) and recomputes that ticker', async () => {
    const t = market.tickers[2]!.ticker
    const old = (await history(t))[200]!
    await db().query(`UPDATE ohlcv_data SET close = close * 1.3, high = high * 1.3 WHERE ticker = $1 AND region = 'KR' AND date = $2`, [t, old.date])
    const run = await db().ohlcv.recomputeIndicators({ region: 'KR' })
    expect(run.updated).toBeGreaterThanOrEqual(200) // ma200 alone changes on the 200 bars from it
    for (const bars of await everyTicker()) expect(storedIndicators(bars)).toEqual(expectedIndicators(bars))
  })

  it('a daily run over more tickers than one read holds, some with states and some without, stores the whole history\'s values', async () => {
    // 150 US tickers (more than the 100 a whole-history read takes): the run from the last day is one
    // group; the 70 tickers without a state are read from their first bar in two reads.
    const us = syntheticMarket({ seed: 12, tickers: 150, days: 30, start: '2024-01-01', regions: ['US'] })
    const usDays = [...new Set(us.bars.map((b) => b.date))].sort()
    const lastDay = usDays.at(-1)!
    await db().ohlcv.upsert(us.bars.filter((b) => b.date < lastDay))
    const withState = us.tickers.slice(0, 80).map((t) => t.ticker)
    await db().ohlcv.recomputeIndicators({ region: 'US', tickers: withState })
    await db().ohlcv.upsert(us.bars.filter((b) => b.date === lastDay))
    const run = await db().ohlcv.recomputeIndicators({ region: 'US', from: lastDay })
    expect(run).toEqual({ tickers: 150, bars: 150, updated: 150 })
    for (const t of us.tickers) {
      const bars = await db().ohlcv.range({ ticker: t.ticker, region: 'US', from: '2000-01-01', to: '2099-12-31' })
      expect(storedIndicators(bars).at(-1)).toEqual(expectedIndicators(bars).at(-1))
    }
    const kept = await db().query<{ ticker: string; bars: number }>(
      `SELECT ticker, bars FROM ohlcv_indicator_state WHERE region = 'US' AND date = $1 ORDER BY ticker`, [lastDay])
    expect(kept.map((k) => k.ticker)).toEqual(us.tickers.map((t) => t.ticker).sort())
    expect(new Set(kept.map((k) => k.bars))).toEqual(new Set([usDays.length]))
    // The next full run finds every state's rows as it left them and has nothing to write from them.
    expect(await db().ohlcv.recomputeIndicators({ region: 'US', tickers: withState })).toMatchObject({ updated: 0 })
  })

  // The embedded engine has one connection: no other transaction can write during the run.
  it.skipIf(!target.remote)('a bar another transaction changes during a daily run: the group is redone and stores the new history\'s values (servers only: the embedded engine has one connection, so no other transaction)', async () => {
    const start = new Date(Date.now() - 70 * 86_400_000).toISOString().slice(0, 10) // recent: not compressed
    const jp = syntheticMarket({ seed: 13, tickers: 2, days: 40, start, regions: ['JP'] })
    await db().ohlcv.upsert(jp.bars)
    await db().ohlcv.recomputeIndicators({ region: 'JP' })
    const t = jp.tickers[0]!.ticker
    const lastDay = jp.bars.filter((b) => b.ticker === t).map((b) => b.date).sort().at(-1)!
    // The run must write that bar: its stored indicators erased by hand.
    await db().query(`UPDATE ohlcv_data SET ma5 = NULL WHERE ticker = $1 AND region = 'JP' AND date = $2`, [t, lastDay])

    const other = await createQuantDb({ url: db().url!, logger: {} })
    try {
      let release!: () => void
      const gate = new Promise<void>((resolve) => { release = resolve })
      let locked!: () => void
      const lockTaken = new Promise<void>((resolve) => { locked = resolve })
      const writer = other.transaction(async (tx) => {
        await tx.query(`UPDATE ohlcv_data SET close = close * 1.1, high = high * 1.1 WHERE ticker = $1 AND region = 'JP' AND date = $2`, [t, lastDay])
        locked()
        await gate
      })
      await lockTaken
      const run = db().ohlcv.recomputeIndicators({ region: 'JP', from: lastDay })
      // Its write waits for the other transaction's row lock (its snapshot taken before that commits).
      const waiting = () => db().query<{ n: number }>(`SELECT count(*)::int AS n FROM pg_stat_activity
        WHERE datname = current_database() AND wait_event_type = 'Lock'`)
      for (let i = 0; i < 500 && (await waiting())[0]!.n === 0; i++) await new Promise((r) => setTimeout(r, 20))
      expect((await waiting())[0]!.n).toBe(1)
      release()
      await writer
      expect(await run).toMatchObject({ tickers: 2, bars: 2 })
    } finally {
      await other.close()
    }
    const bars = await db().ohlcv.range({ ticker: t, region: 'JP', from: '2000-01-01', to: '2099-12-31' })
    expect(bars.at(-1)!.close).not.toBe(jp.bars.find((b) => b.ticker === t && b.date === lastDay)!.close)
    expect(storedIndicators(bars).at(-1)).toEqual(expectedIndicators(bars).at(-1))
  })

  it('tickers.purge deletes the ticker\'s states with its bars', async () => {
    const t = market.tickers[2]!.ticker
    expect((await states()).some((s) => s.ticker === t)).toBe(true)
    await db().tickers.upsert([market.tickers[2]!])
    await db().tickers.purge({ ticker: t, region: 'KR' })
    expect((await states()).some((s) => s.ticker === t)).toBe(false)
  })
})
