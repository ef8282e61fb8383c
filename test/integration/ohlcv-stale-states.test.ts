import { expect, it } from 'vitest'
import type { OhlcvBarInput } from '../../src/index.js'
import { syntheticMarket } from '../../src/synthetic/index.js'
import { forEachTarget } from '../helpers/targets.js'

// Which indicator states (ohlcv_indicator_state) an ohlcv.upsert drops: those of its own tickers and
// regions at or after its first day, every other one kept. A new day after the last states (the daily
// case) drops none; on a server it is one COPY, after which a probe finds no state at or after the day.

// 2 VN tickers x 30 weekdays from 2024-03-04 (recent enough to stay uncompressed), and the first
// ticker's code again in HK with the same bars.
const vn = syntheticMarket({ seed: 31, tickers: 2, days: 30, start: '2024-03-04', regions: ['VN'] })
const [a, b] = vn.tickers.map((t) => t.ticker) as [string, string]
const hk = vn.bars.filter((bar) => bar.ticker === a).map((bar) => ({ ...bar, region: 'HK' }))
const days = vn.calendar
const GAP = days[20]!
// The first ticker's bar of GAP is held back: a gap in its history, filled later by a new key.
const loaded = [...vn.bars, ...hk].filter((bar) => !(bar.ticker === a && bar.region === 'VN' && bar.date === GAP))

forEachTarget('ohlcv.upsert and the indicator states', (_target, db) => {
  const states = async () => (await db().query<{ key: string }>(
    `SELECT ticker || ' ' || region || ' ' || to_char(date, 'YYYY-MM-DD') AS key FROM ohlcv_indicator_state
     WHERE region IN ('VN', 'HK') ORDER BY 1`)).map((s) => s.key)
  const recompute = async () => {
    await db().ohlcv.recomputeIndicators({ region: 'VN' })
    await db().ohlcv.recomputeIndicators({ region: 'HK' })
  }
  const lastTwo = (ticker: string, region: string) => days.slice(-2).map((d) => `${ticker} ${region} ${d}`)
  const bar = (ticker: string, region: string, date: string, close: number): OhlcvBarInput =>
    ({ ticker, region, date, open: close, high: close * 1.02, low: close * 0.98, close, volume: 100 })

  it('a new day after the last states drops none, and a filled gap drops only that ticker\'s states in that region', async () => {
    await db().ohlcv.upsert(loaded)
    await recompute()
    const all = [...lastTwo(a, 'HK'), ...lastTwo(a, 'VN'), ...lastTwo(b, 'VN')].sort()
    expect(await states()).toEqual(all)

    // The next weekday: no state lies at or after it, nothing is dropped.
    const next = new Date(Date.parse(`${days.at(-1)!}T00:00:00Z`) + 3 * 86_400_000).toISOString().slice(0, 10)
    expect(await db().ohlcv.upsert([bar(a, 'VN', next, 50), bar(b, 'VN', next, 60)])).toMatchObject({ inserted: 2 })
    expect(await states()).toEqual(all)

    // The gap of the first ticker in VN (a new key inside its history): its VN states go; the same
    // code's states in HK and the other ticker's in VN, at the same days, stay.
    expect(await db().ohlcv.upsert([bar(a, 'VN', GAP, 55)])).toMatchObject({ inserted: 1, updated: 0 })
    expect(await states()).toEqual([...lastTwo(a, 'HK'), ...lastTwo(b, 'VN')].sort())
  })

  it('a corrected bar (the merge, in a transaction) drops only that ticker\'s states at or after its day', async () => {
    await recompute()
    const all = await states()
    expect(all).toHaveLength(6)
    // The second ticker's bar two days before the last: both of its states are at or after that day.
    const stored = vn.bars.find((x) => x.ticker === b && x.date === days.at(-3)!)!
    expect(await db().ohlcv.upsert([{ ...stored, close: stored.close * 1.01, high: stored.high * 1.01 }]))
      .toMatchObject({ inserted: 0, updated: 1 })
    expect(await states()).toEqual(all.filter((s) => !s.startsWith(`${b} VN `)))
    // The last bar of the same code in HK, corrected: only the HK state of that last day goes.
    const last = hk.at(-1)!
    expect(await db().ohlcv.upsert([{ ...last, close: last.close * 0.99, low: last.low * 0.99 }])).toMatchObject({ updated: 1 })
    expect(await states()).toEqual(all.filter((s) => !s.startsWith(`${b} VN `) && s !== `${a} HK ${days.at(-1)!}`))
  })
})
