import { tradingDays } from './calendar.js'
import { resolveOptions, type SyntheticBarsOptions, type SyntheticMarketOptions, type SyntheticSplit } from './options.js'
import { Random } from './random.js'
import { buildUniverse, type SyntheticTicker, type TickerModel, UNIVERSE_STREAM } from './universe.js'

/** A synthetic daily bar, shaped like a row of the `ohlcv_data` table (camelCase fields). */
export interface SyntheticBar {
  /** Synthetic ticker code. */
  ticker: string
  /** Its region. */
  region: string
  /** Trading day ('YYYY-MM-DD'), weekends skipped. */
  date: string
  /** Always `daily`. */
  timeframe: 'daily'
  /** Opening price (4 decimals). */
  open: number
  /** High of the day, >= open, close and low. */
  high: number
  /** Low of the day, <= open, close and high, > 0. */
  low: number
  /** Closing price (4 decimals). */
  close: number
  /** Shares traded; a non-negative safe integer. */
  volume: number
  /** Close adjusted for later splits (continuous across them), 4 decimals. */
  adjustedClose: number
}

/** What {@link syntheticMarket} returns. */
export interface SyntheticMarket {
  /** The universe, ready for `qdb.tickers.upsert`. */
  tickers: SyntheticTicker[]
  /** Ordered by date, then by ticker (in `tickers` order). */
  bars: SyntheticBar[]
  /** The trading days, 'YYYY-MM-DD', weekdays only. */
  calendar: string[]
}

/**
 * The price process of one ticker: a geometric random walk with its own random stream, so that
 * its bars do not depend on how many other tickers there are or on the order they are drawn in.
 */
class PricePath {
  private readonly random: Random
  private previousClose: number
  private readonly floor: number
  private readonly ceiling: number
  private readonly tick: number

  constructor(seed: number, index: number, private readonly model: TickerModel, private readonly split: SyntheticSplit | undefined) {
    this.random = new Random(seed, UNIVERSE_STREAM + 1 + index)
    this.previousClose = model.initialPrice
    // Keep the walk within 1/1000x..1000x of its start: far from 0 and from NUMERIC(18, 4)'s limit
    // even over decades of simulated days.
    this.floor = model.initialPrice / 1000
    this.ceiling = model.initialPrice * 1000
    this.tick = 10 ** -model.decimals
  }

  /** Advances one trading day; returns the bar, or undefined when this ticker has a gap that day. */
  step(dayIndex: number, date: string, gapProbability: number): SyntheticBar | undefined {
    const { random, model } = this
    const vol = model.volatility
    // Always draw the same numbers, gap or not, so the gap probability does not change the prices.
    const overnight = random.normal()
    const intraday = random.normal()
    const upperWick = Math.abs(random.normal())
    const lowerWick = Math.abs(random.normal())
    const activity = random.normal()
    const gap = random.next()

    // Prices in pre-split ("economic") terms: continuous whatever the splits.
    const open = this.previousClose * Math.exp(0.3 * vol * overnight)
    const rawReturn = model.drift - 0.5 * vol * vol + vol * intraday
    const close = Math.min(this.ceiling, Math.max(this.floor, open * Math.exp(rawReturn)))
    const high = Math.max(open, close) * Math.exp(0.5 * vol * upperWick)
    const low = Math.min(open, close) * Math.exp(-0.5 * vol * lowerWick)
    this.previousClose = close
    if (gap < gapProbability) return undefined

    const afterSplit = this.split !== undefined && dayIndex >= this.split.dayIndex
    const ratio = this.split?.ratio ?? 1
    const divisor = afterSplit ? ratio : 1
    const rawOpen = this.round(open / divisor)
    const rawClose = this.round(close / divisor)
    // Round first, then widen high and low: rounding each separately could put the open above the high.
    const rawHigh = Math.max(this.round(high / divisor), rawOpen, rawClose)
    const rawLow = Math.min(this.round(low / divisor), rawOpen, rawClose)
    // Adjusted close = close × the split factors still to come: before the split, divided by the ratio.
    const adjustedClose = Math.max(0.0001, round(afterSplit ? rawClose : rawClose / ratio, 4))
    // Busier on big moves; a split multiplies the share count, hence the volume.
    const shares = model.medianVolume * Math.exp(0.5 * activity) * (1 + 10 * Math.abs(rawReturn)) * (afterSplit ? ratio : 1)
    const volume = Math.min(Number.MAX_SAFE_INTEGER, Math.round(shares))

    const { ticker, region } = model.info
    return { ticker, region, date, timeframe: 'daily', open: rawOpen, high: rawHigh, low: rawLow, close: rawClose, volume, adjustedClose }
  }

  /** Rounds to the region's precision, never below one tick: a price is always > 0. */
  private round(price: number): number {
    return Math.max(this.tick, round(price, this.model.decimals))
  }
}

function round(value: number, decimals: number): number {
  const scale = 10 ** decimals
  return Math.round(value * scale) / scale
}

/**
 * Streams the bars of a deterministic synthetic market in batches of `batchSize` (default 5,000),
 * ordered by date then ticker: memory stays proportional to the number of tickers, so millions of
 * bars can be generated (and loaded into a database) batch by batch.
 *
 * Yields exactly the bars of {@link syntheticMarket} with the same options, in the same order.
 * Options are validated at the call (`ValidationError`), before the first batch.
 *
 * @example
 * ```ts
 * for (const batch of syntheticBars({ tickers: 2000, days: 2500, batchSize: 5000 })) {
 *   await writeBars(batch) // your bulk insert: 5 million bars, 5,000 at a time
 * }
 * ```
 */
export function syntheticBars(options: SyntheticBarsOptions = {}): Generator<SyntheticBar[], void, undefined> {
  const resolved = resolveOptions(options)
  const models = buildUniverse(resolved)
  const calendar = tradingDays(resolved.start, resolved.days)
  return generateBars(resolved.seed, models, calendar, resolved.gapProbability, resolved.split, resolved.batchSize)
}

function* generateBars(
  seed: number, models: readonly TickerModel[], calendar: readonly string[],
  gapProbability: number, split: SyntheticSplit | undefined, batchSize: number,
): Generator<SyntheticBar[], void, undefined> {
  const paths = models.map((model, index) => new PricePath(seed, index, model, split?.tickerIndex === index ? split : undefined))
  let batch: SyntheticBar[] = []
  for (const [dayIndex, date] of calendar.entries()) {
    for (const path of paths) {
      const bar = path.step(dayIndex, date, gapProbability)
      if (bar === undefined) continue
      batch.push(bar)
      if (batch.length === batchSize) {
        yield batch
        batch = []
      }
    }
  }
  if (batch.length > 0) yield batch
}

/**
 * The tickers of the synthetic market for `options`, without generating any bar (useful with
 * {@link syntheticBars}). Same result as `syntheticMarket(options).tickers`.
 *
 * @example
 * ```ts
 * await qdb.tickers.upsert(syntheticTickers({ tickers: 2000 }))
 * ```
 */
export function syntheticTickers(options: SyntheticMarketOptions = {}): SyntheticTicker[] {
  return buildUniverse(resolveOptions(options)).map((model) => model.info)
}

/**
 * A deterministic synthetic market for tests and benchmarks: tickers of realistic shape per region,
 * a weekday calendar, and daily bars following a geometric random walk per ticker.
 *
 * Guarantees: the same options (seed included) give identical output, bit for bit; every bar has
 * finite prices > 0 with high ≥ max(open, close), low ≤ min(open, close), and a non-negative
 * safe-integer volume; prices are rounded to 4 decimals (whole units for KRW, JPY and VND); with
 * `split`, raw prices drop by `ratio` on `dayIndex` while `adjustedClose` stays continuous.
 *
 * @example
 * ```ts
 * const { tickers, bars, calendar } = syntheticMarket({ seed: 7, tickers: 20, days: 500, gapProbability: 0.01 })
 * await qdb.tickers.upsert(tickers)
 * const first = tickers[0]!
 * const closes = bars.filter((b) => b.ticker === first.ticker && b.region === first.region).map((b) => b.close)
 * ```
 */
export function syntheticMarket(options: SyntheticMarketOptions = {}): SyntheticMarket {
  const resolved = resolveOptions(options)
  const models = buildUniverse(resolved)
  const calendar = tradingDays(resolved.start, resolved.days)
  const bars: SyntheticBar[] = []
  // One batch per day is as good as any: only the concatenation matters.
  for (const batch of generateBars(resolved.seed, models, calendar, resolved.gapProbability, resolved.split, Math.max(1, models.length))) {
    for (const bar of batch) bars.push(bar)
  }
  return { tickers: models.map((model) => model.info), bars, calendar }
}
