import { ValidationError } from '../../src/errors.js'
import { afterEach, describe, expect, it } from 'vitest'
import {
  addDays, isWeekend, Random, syntheticBars, syntheticMarket, syntheticTickers, tradingDays, tradingDaysBetween,
  type SyntheticBar, type SyntheticBarsOptions,
} from '../../src/synthetic/index.js'

/** Bars of one ticker (ticker codes are unique per region only). */
function barsOf(bars: readonly SyntheticBar[], ticker: { ticker: string; region: string }): SyntheticBar[] {
  return bars.filter((b) => b.ticker === ticker.ticker && b.region === ticker.region)
}

/** Bars grouped per ticker, in their original (date) order. */
function byTicker(bars: readonly SyntheticBar[]): SyntheticBar[][] {
  const groups = new Map<string, SyntheticBar[]>()
  for (const bar of bars) {
    const key = `${bar.region}:${bar.ticker}`
    const group = groups.get(key)
    if (group) group.push(bar)
    else groups.set(key, [bar])
  }
  return [...groups.values()]
}

function utcWeekday(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay()
}

const ALL_REGIONS = ['KR', 'US', 'CN', 'HK', 'JP', 'VN'] as const

// One large market shared by the rule checks: 200 tickers x 500 days = 100,000 bars.
const LARGE = syntheticMarket({ seed: 2024, tickers: 200, days: 500, regions: ALL_REGIONS })

describe('Random', () => {
  it('is deterministic per (seed, stream) and differs across seeds and streams', () => {
    const draw = (seed: number, stream = 0) => {
      const r = new Random(seed, stream)
      return Array.from({ length: 8 }, () => r.nextUint32())
    }
    expect(draw(1)).toEqual(draw(1))
    expect(draw(1)).not.toEqual(draw(2))
    expect(draw(1, 0)).not.toEqual(draw(1, 1))
    expect(draw(2 ** 40)).not.toEqual(draw(0)) // the high bits of the seed count too
  })

  it('draws uniform floats in [0, 1), integers in range, and standard normals', () => {
    const r = new Random(123)
    let sum = 0
    let sumSquares = 0
    let min = Infinity
    let max = -Infinity
    const n = 100_000
    for (let i = 0; i < n; i++) {
      const u = r.next()
      min = Math.min(min, u)
      max = Math.max(max, u)
      const z = r.normal()
      sum += z
      sumSquares += z * z
    }
    expect(min).toBeGreaterThanOrEqual(0)
    expect(max).toBeLessThan(1)
    expect(Math.abs(sum / n)).toBeLessThan(0.02) // standard error 0.003
    expect(Math.abs(Math.sqrt(sumSquares / n) - 1)).toBeLessThan(0.02)
    const dice = new Set(Array.from({ length: 1000 }, () => r.int(1, 6)))
    expect([...dice].sort()).toEqual([1, 2, 3, 4, 5, 6])
  })

  it('rejects seeds and streams that are not integers', () => {
    expect(() => new Random(1.5)).toThrow(ValidationError)
    expect(() => new Random(Number.NaN)).toThrow(/seed/)
    expect(() => new Random(1, -1)).toThrow(/stream/)
  })
})

describe('calendar (UTC, weekdays only)', () => {
  const originalTz = process.env['TZ']
  afterEach(() => {
    if (originalTz === undefined) delete process.env['TZ']
    else process.env['TZ'] = originalTz
  })

  it('lists trading days from a start, skipping weekends', () => {
    expect(tradingDays('2020-01-02', 5)).toEqual(['2020-01-02', '2020-01-03', '2020-01-06', '2020-01-07', '2020-01-08'])
    expect(tradingDays('2020-01-04', 2)).toEqual(['2020-01-06', '2020-01-07']) // a Saturday start
    expect(tradingDays('2020-02-27', 3)).toEqual(['2020-02-27', '2020-02-28', '2020-03-02']) // 29 Feb 2020 was a Saturday
    expect(tradingDays('2020-01-02', 0)).toEqual([])
    expect(tradingDaysBetween('2020-01-03', '2020-01-07')).toEqual(['2020-01-03', '2020-01-06', '2020-01-07'])
    expect(tradingDaysBetween('2020-01-07', '2020-01-03')).toEqual([])
    expect(isWeekend('2020-01-04')).toBe(true)
    expect(isWeekend('2020-01-06')).toBe(false)
    expect(addDays('2020-02-28', 1)).toBe('2020-02-29')
    expect(addDays('2021-01-01', -1)).toBe('2020-12-31')
  })

  it('gives the same dates whatever the local time zone', () => {
    const results = ['UTC', 'America/Los_Angeles', 'Asia/Seoul', 'Pacific/Kiritimati'].map((tz) => {
      process.env['TZ'] = tz
      return [tradingDays('2021-03-26', 300), syntheticMarket({ days: 30, tickers: 2 }).bars]
    })
    for (const result of results.slice(1)) expect(result).toEqual(results[0])
  })

  it('rejects malformed or impossible dates', () => {
    expect(() => tradingDays('2021-02-29', 3)).toThrow(ValidationError)
    expect(() => tradingDays('2021-1-5', 3)).toThrow(/YYYY-MM-DD/)
    expect(() => tradingDays('2021-01-05', -1)).toThrow(/count/)
  })
})

describe('syntheticMarket: determinism', () => {
  const options = { seed: 5, tickers: 20, days: 120, gapProbability: 0.05, split: { tickerIndex: 2, dayIndex: 60, ratio: 2 } }

  it('the same seed gives identical output, bit for bit', () => {
    const a = syntheticMarket(options)
    const b = syntheticMarket(options)
    expect(b).toEqual(a)
    // JSON writes each double as its shortest round-trip form, so equal text means equal bits.
    expect(JSON.stringify(b)).toBe(JSON.stringify(a))
  })

  it('a different seed gives different tickers and prices', () => {
    const a = syntheticMarket(options)
    const b = syntheticMarket({ ...options, seed: 6 })
    expect(b.tickers.map((t) => t.ticker)).not.toEqual(a.tickers.map((t) => t.ticker))
    expect(b.bars.map((bar) => bar.close)).not.toEqual(a.bars.map((bar) => bar.close))
    expect(b.calendar).toEqual(a.calendar)
  })

  it('adding tickers or gaps does not change the existing tickers and prices', () => {
    const small = syntheticMarket({ seed: 9, tickers: 4, days: 50 })
    const big = syntheticMarket({ seed: 9, tickers: 12, days: 50, gapProbability: 0.3 })
    expect(big.tickers.slice(0, 4)).toEqual(small.tickers)
    const first = small.tickers[0]!
    const withGaps = barsOf(big.bars, first)
    const byDate = new Map(barsOf(small.bars, first).map((b) => [b.date, b]))
    expect(withGaps.length).toBeGreaterThan(20)
    for (const bar of withGaps) expect(bar).toEqual(byDate.get(bar.date))
  })
})

describe('syntheticMarket: bars obey the OHLC rules (200 tickers x 500 days)', () => {
  it('has one bar per ticker and day, in date then ticker order, with the defaults', () => {
    expect(LARGE.calendar.length).toBe(500)
    expect(LARGE.bars.length).toBe(200 * 500)
    expect(LARGE.bars[0]!.date).toBe('2020-01-02')
    expect(LARGE.bars.slice(0, 200).map((b) => b.ticker)).toEqual(LARGE.tickers.map((t) => t.ticker))
  })

  it('every bar: finite prices > 0, high >= max(open, close), low <= min(open, close), volume a safe integer >= 0', () => {
    const broken: string[] = []
    for (const b of LARGE.bars) {
      const prices = [b.open, b.high, b.low, b.close, b.adjustedClose]
      const ok = prices.every((p) => Number.isFinite(p) && p > 0)
        && b.high >= Math.max(b.open, b.close) && b.low <= Math.min(b.open, b.close) && b.high >= b.low
        && Number.isSafeInteger(b.volume) && b.volume >= 0 && b.timeframe === 'daily'
      if (!ok) broken.push(JSON.stringify(b))
      if (broken.length > 3) break
    }
    expect(broken).toEqual([])
  })

  it('prices have at most 4 decimals; KRW, JPY and VND prices are whole', () => {
    const decimalsOff: string[] = []
    for (const b of LARGE.bars) {
      const whole = b.region === 'KR' || b.region === 'JP' || b.region === 'VN'
      for (const p of [b.open, b.high, b.low, b.close]) {
        const scaled = whole ? p : p * 1e4
        if (Math.abs(scaled - Math.round(scaled)) > 1e-6) decimalsOff.push(`${b.region} ${p}`)
      }
      if (Math.abs(b.adjustedClose * 1e4 - Math.round(b.adjustedClose * 1e4)) > 1e-6) decimalsOff.push(`adj ${b.adjustedClose}`)
      if (decimalsOff.length > 3) break
    }
    expect(decimalsOff).toEqual([])
  })

  it('volumes and price moves are at realistic levels', () => {
    const volumes = LARGE.bars.map((b) => b.volume).sort((x, y) => x - y)
    const median = volumes[volumes.length >> 1]!
    expect(median).toBeGreaterThan(10_000)
    expect(median).toBeLessThan(100_000_000)
    // Daily close-to-close moves: typically 1-4 %, almost never beyond 30 %.
    const moves: number[] = []
    for (const bars of byTicker(LARGE.bars)) {
      for (let i = 1; i < bars.length; i++) moves.push(Math.abs(Math.log(bars[i]!.close / bars[i - 1]!.close)))
    }
    const typical = moves.sort((x, y) => x - y)[moves.length >> 1]!
    expect(typical).toBeGreaterThan(0.005)
    expect(typical).toBeLessThan(0.04)
    expect(moves.filter((m) => m > 0.3).length).toBeLessThan(moves.length / 10_000)
  })

  it('dates are weekdays, strictly increasing per ticker', () => {
    expect(LARGE.calendar.filter((d) => [0, 6].includes(utcWeekday(d)))).toEqual([])
    const groups = byTicker(LARGE.bars)
    expect(groups.length).toBe(200)
    const unordered = groups.filter((bars) => bars.some((b, i) => i > 0 && !(b.date > bars[i - 1]!.date)))
    expect(unordered).toEqual([])
  })
})

describe('syntheticMarket: tickers', () => {
  it('codes follow each region format and are unique per region', () => {
    const formats: Record<string, RegExp> = {
      KR: /^\d{5}0$/, US: /^[A-Z]{1,5}$/, CN: /^(60|00|30)\d{4}$/, HK: /^\d{5}$/, JP: /^\d{4}$/, VN: /^[A-Z]{3}$/, XX: /^[A-Z]{4}$/,
    }
    const tickers = syntheticTickers({ seed: 3, tickers: 7 * 300, regions: [...ALL_REGIONS, 'XX'] })
    for (const t of tickers) expect(t.ticker, t.region).toMatch(formats[t.region]!)
    const keys = new Set(tickers.map((t) => `${t.region}:${t.ticker}`))
    expect(keys.size).toBe(tickers.length)
    expect(tickers.filter((t) => t.region === 'KR').length).toBe(300) // regions share the tickers in turn
  })

  it('fill every tickers column within the schema limits', () => {
    const currencies: Record<string, string> = { KR: 'KRW', US: 'USD', CN: 'CNY', HK: 'HKD', JP: 'JPY', VN: 'VND' }
    for (const t of LARGE.tickers) {
      expect(t.ticker.length).toBeGreaterThanOrEqual(1)
      expect(t.ticker.length).toBeLessThanOrEqual(20)
      expect(t.market.length).toBeLessThanOrEqual(20)
      expect(t.sector.length).toBeLessThanOrEqual(50)
      expect(t.industry.length).toBeLessThanOrEqual(100)
      expect(Number.isSafeInteger(t.marketCap) && t.marketCap > 0).toBe(true)
      expect(t.listedDate < '2020-01-02').toBe(true)
      expect(isWeekend(t.listedDate)).toBe(false)
      expect(t).toMatchObject({ delistedDate: null, isActive: true })
      expect(t.metadata.currency).toBe(currencies[t.region])
      expect(t.metadata.exchange.length).toBeGreaterThan(0)
    }
  })

  it('uses the sectors given', () => {
    const tickers = syntheticTickers({ tickers: 50, sectors: ['Chips', 'Banks'] })
    expect(new Set(tickers.map((t) => t.sector))).toEqual(new Set(['Chips', 'Banks']))
  })
})

describe('syntheticMarket: gaps', () => {
  it('drops about gapProbability of the ticker-days', () => {
    const { bars } = syntheticMarket({ seed: 11, tickers: 200, days: 500, gapProbability: 0.1 })
    const missing = 1 - bars.length / (200 * 500)
    expect(missing).toBeGreaterThan(0.09) // binomial standard deviation ~0.001
    expect(missing).toBeLessThan(0.11)
  })

  it('0 keeps every bar, 1 drops them all', () => {
    expect(syntheticMarket({ tickers: 5, days: 40, gapProbability: 0 }).bars.length).toBe(200)
    expect(syntheticMarket({ tickers: 5, days: 40, gapProbability: 1 }).bars.length).toBe(0)
  })
})

describe('syntheticMarket: split', () => {
  const dayIndex = 100

  function splitCase(ratio: number, tickerIndex: number) {
    const base = { seed: 21, tickers: 6, days: 200 }
    const split = syntheticMarket({ ...base, split: { tickerIndex, dayIndex, ratio } })
    const plain = syntheticMarket(base)
    const ticker = split.tickers[tickerIndex]!
    return { split, plain, ticker, bars: barsOf(split.bars, ticker), plainBars: barsOf(plain.bars, ticker) }
  }

  it.each([[2, 1], [3, 0], [0.1, 1]])('ratio %s on ticker %s: raw prices drop by the ratio, adjusted close stays continuous', (ratio, tickerIndex) => {
    const { bars, plainBars, split, plain, ticker } = splitCase(ratio, tickerIndex)
    const tick = ticker.region === 'KR' ? 1 : 1e-4 // whole won, else 4 decimals
    const before = bars[dayIndex - 1]!
    const after = bars[dayIndex]!
    expect(after.date).toBe(split.calendar[dayIndex])
    const rawRatio = before.close / after.close
    expect(rawRatio).toBeGreaterThan(ratio * 0.8)
    expect(rawRatio).toBeLessThan(ratio * 1.25)
    const adjustedMove = after.adjustedClose / before.adjustedClose
    expect(adjustedMove).toBeGreaterThan(0.8)
    expect(adjustedMove).toBeLessThan(1.25)

    for (const [i, bar] of bars.entries()) {
      const unsplit = plainBars[i]!
      if (i < dayIndex) {
        // Raw prices before the split are those of the market without it; adjusted = close / ratio.
        expect(bar).toMatchObject({ open: unsplit.open, high: unsplit.high, low: unsplit.low, close: unsplit.close, volume: unsplit.volume })
        expect(bar.adjustedClose).toBeCloseTo(bar.close / ratio, 3)
      } else {
        // After it, raw prices are the unsplit ones divided by the ratio (up to rounding), adjusted = raw.
        expect(Math.abs(bar.close * ratio - unsplit.close)).toBeLessThanOrEqual((ratio + 1) * tick / 2 + 1e-9)
        expect(bar.adjustedClose).toBe(bar.close)
      }
    }
    // The other tickers are untouched, and their adjusted close is their close.
    const others = split.bars.filter((b) => b.ticker !== bars[0]!.ticker || b.region !== bars[0]!.region)
    expect(others).toEqual(plain.bars.filter((b) => b.ticker !== bars[0]!.ticker || b.region !== bars[0]!.region))
    expect(others.every((b) => b.adjustedClose === b.close)).toBe(true)
  })
})

describe('syntheticBars: the batched stream', () => {
  const options = { seed: 8, tickers: 30, days: 200, gapProbability: 0.02, split: { tickerIndex: 4, dayIndex: 50, ratio: 5 } }

  it('yields exactly the bars of syntheticMarket, in batches of batchSize', () => {
    const batches = [...syntheticBars({ ...options, batchSize: 777 })]
    expect(batches.length).toBeGreaterThan(3)
    expect(batches.slice(0, -1).every((b) => b.length === 777)).toBe(true)
    expect(batches.at(-1)!.length).toBeLessThanOrEqual(777)
    expect(batches.flat()).toEqual(syntheticMarket(options).bars)
  })

  it('defaults to batches of 5,000', () => {
    const sizes = [...syntheticBars({ tickers: 40, days: 300 })].map((b) => b.length)
    expect(sizes).toEqual([5000, 5000, 2000])
  })

  it('streams a million bars without building them all', () => {
    let count = 0
    let lastDate = ''
    for (const batch of syntheticBars({ seed: 1, tickers: 2000, days: 500, batchSize: 10_000 })) {
      count += batch.length
      lastDate = batch.at(-1)!.date
    }
    expect(count).toBe(1_000_000)
    expect(lastDate).toBe(tradingDays('2020-01-02', 500).at(-1))
  })
})

describe('options validation', () => {
  it.each<[SyntheticBarsOptions, RegExp]>([
    [{ seed: 1.5 }, /seed/],
    [{ tickers: -1 }, /tickers/],
    [{ days: 2.5 }, /days/],
    [{ gapProbability: 1.5 }, /gapProbability/],
    [{ gapProbability: Number.NaN }, /gapProbability/],
    [{ start: '2021-02-29' }, /start/],
    [{ regions: [] }, /regions/],
    [{ regions: ['TOOLONG'] }, /regions/],
    [{ regions: ['KR', 'KR'] }, /regions/],
    [{ sectors: ['x'.repeat(51)] }, /sectors/],
    [{ split: { tickerIndex: 10, dayIndex: 1, ratio: 2 } }, /split.tickerIndex/],
    [{ split: { tickerIndex: 0, dayIndex: 250, ratio: 2 } }, /split.dayIndex/],
    [{ split: { tickerIndex: 0, dayIndex: 1, ratio: 0 } }, /split.ratio/],
    [{ batchSize: 0 }, /batchSize/],
    [{ tickers: 6000, regions: ['HK'] }, /region HK/],
  ])('rejects %j with a ValidationError naming the option', (options, message) => {
    expect(() => syntheticMarket(options)).toThrow(ValidationError)
    expect(() => syntheticMarket(options)).toThrow(message)
    // The stream validates at the call, not at the first batch.
    expect(() => syntheticBars(options)).toThrow(message)
  })
})
