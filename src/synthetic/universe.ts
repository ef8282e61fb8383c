import { dayNumber, formatDay, isWeekend } from './calendar.js'
import type { ResolvedOptions } from './options.js'
import { Random } from './random.js'
import { industriesOf, regionProfile } from './regions.js'
import { invalidArgument } from '../errors.js'

/** A synthetic listing, shaped like a row of the `tickers` table (camelCase fields). */
export interface SyntheticTicker {
  /** Synthetic ticker code, unique in its region. */
  ticker: string
  /** Its region. */
  region: string
  /** The region's market, e.g. `KOSPI`. */
  market: string
  /** A sector name. */
  sector: string
  /** An industry within the sector. */
  industry: string
  /** In the local currency; a safe integer (BIGINT). */
  marketCap: number
  /** Listing day ('YYYY-MM-DD'), before the market's first bar. */
  listedDate: string
  /** Always null: every synthetic ticker trades over the whole calendar. */
  delistedDate: string | null
  /** Always true (the synthetic universe has no delistings). */
  isActive: boolean
  /** The trading currency and exchange of the ticker's venue, e.g. `{ currency: 'KRW', exchange: 'KRX' }`. */
  metadata: { currency: string; exchange: string }
}

/** A ticker plus the hidden parameters of its price process. */
export interface TickerModel {
  info: SyntheticTicker
  /** Price before the first bar, in the local currency. */
  initialPrice: number
  /** Daily log drift. */
  drift: number
  /** Daily standard deviation of log returns. */
  volatility: number
  /** Median daily volume in shares. */
  medianVolume: number
  /** Price decimals of the region. */
  decimals: number
}

/** The stream of the universe; stream k + 1 belongs to the price path of ticker k. */
export const UNIVERSE_STREAM = 0

const EARLIEST_DAY = dayNumber('1000-01-08')

/**
 * Draws the ticker universe: ticker i belongs to `regions[i % regions.length]`, so regions get
 * equal shares in turn. Everything comes from one stream of the seed, in ticker order, so the
 * universe does not depend on the calendar, the gaps or the split.
 */
export function buildUniverse(options: ResolvedOptions): TickerModel[] {
  const { regions, tickers: count, sectors } = options
  for (const [index, region] of regions.entries()) {
    const inRegion = Math.ceil((count - index) / regions.length)
    const space = regionProfile(region).codeSpace
    // Past half the code space, rejection sampling slows down and eventually never terminates.
    if (inRegion > space / 2) {
      throw invalidArgument('(arguments)', `tickers: ${inRegion} tickers in region ${region} exceed what its code format allows (at most ${Math.floor(space / 2)})`)
    }
  }

  const random = new Random(options.seed, UNIVERSE_STREAM)
  const usedCodes = new Map<string, Set<string>>(regions.map((r) => [r, new Set<string>()]))
  const startDay = dayNumber(options.start, 'start')
  const models: TickerModel[] = []

  for (let i = 0; i < count; i++) {
    const region = regions[i % regions.length] as string
    const profile = regionProfile(region)
    const venue = random.pick(profile.venues)
    const used = usedCodes.get(region) as Set<string>
    let code = venue.code(random)
    while (used.has(code)) code = venue.code(random)
    used.add(code)

    const sector = random.pick(sectors)
    const industry = random.pick(industriesOf(sector))
    const marketCap = Math.min(Number.MAX_SAFE_INTEGER, Math.max(1, Math.round(random.logNormal(profile.medianMarketCap, 1.2))))

    // Listed between a month and 30 years before the start, on a weekday.
    let listedDay = Math.max(EARLIEST_DAY, startDay - random.int(30, 30 * 365))
    while (isWeekend(formatDay(listedDay))) listedDay--

    models.push({
      info: {
        ticker: code,
        region,
        market: venue.market,
        sector,
        industry,
        marketCap,
        listedDate: formatDay(listedDay),
        delistedDate: null,
        isActive: true,
        metadata: { currency: profile.currency, exchange: venue.exchange },
      },
      initialPrice: Math.max(1, random.logNormal(profile.medianPrice, 0.8)),
      drift: random.normal(0.0002, 0.0005),
      volatility: 0.01 + 0.025 * random.next(), // 1% to 3.5% a day: utilities to small-cap biotech
      medianVolume: random.logNormal(profile.medianVolume, 1),
      decimals: profile.decimals,
    })
  }
  return models
}
