import type { Random } from './random.js'

// What makes a synthetic ticker look like it belongs to its region: code format, markets,
// currency, typical price and market-cap levels, and price precision.

/** A listing venue: `market` fills `tickers.market`, `exchange` goes into the metadata. */
export interface Venue {
  market: string
  exchange: string
  /** A random ticker code in this venue's format. */
  code(random: Random): string
}

export interface RegionProfile {
  currency: string
  venues: readonly Venue[]
  /** How many distinct codes the formats allow (roughly): generating more would loop forever. */
  codeSpace: number
  /** Median share price at the start, in the local currency. */
  medianPrice: number
  /** Median market capitalisation, in the local currency. */
  medianMarketCap: number
  /** Median daily volume, in shares. */
  medianVolume: number
  /** Price decimals: 0 where the currency has no minor unit in practice (won, yen, dong). */
  decimals: number
}

const LETTERS = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ'

function letters(random: Random, count: number): string {
  let code = ''
  for (let i = 0; i < count; i++) code += LETTERS[random.int(0, 25)]
  return code
}

function digits(random: Random, count: number): string {
  return String(random.int(0, 10 ** count - 1)).padStart(count, '0')
}

/** US symbols: mostly 3-4 letters, some 1-2 letter classics, a few 5-letter ones. */
function usSymbol(random: Random): string {
  const r = random.next()
  const length = r < 0.02 ? 1 : r < 0.1 ? 2 : r < 0.45 ? 3 : r < 0.95 ? 4 : 5
  return letters(random, length)
}

/** KRX codes are 6 digits, and ordinary shares end in 0 ('005930', '035420'). */
function krxCode(random: Random): string {
  return String(random.int(1, 99_999) * 10).padStart(6, '0')
}

const PROFILES: Readonly<Record<string, RegionProfile>> = {
  KR: {
    currency: 'KRW',
    venues: [
      { market: 'KOSPI', exchange: 'KRX', code: krxCode },
      { market: 'KOSDAQ', exchange: 'KRX', code: krxCode },
    ],
    codeSpace: 99_999, medianPrice: 30_000, medianMarketCap: 500_000_000_000, medianVolume: 300_000, decimals: 0,
  },
  US: {
    currency: 'USD',
    venues: [
      { market: 'NYSE', exchange: 'NYSE', code: usSymbol },
      { market: 'NASDAQ', exchange: 'NASDAQ', code: usSymbol },
    ],
    codeSpace: 26 ** 4, medianPrice: 50, medianMarketCap: 5_000_000_000, medianVolume: 1_000_000, decimals: 4,
  },
  CN: {
    currency: 'CNY',
    venues: [
      { market: 'SSE', exchange: 'SSE', code: (r) => `60${digits(r, 4)}` },
      { market: 'SZSE', exchange: 'SZSE', code: (r) => `${r.chance(0.5) ? '00' : '30'}${digits(r, 4)}` },
    ],
    codeSpace: 30_000, medianPrice: 15, medianMarketCap: 20_000_000_000, medianVolume: 5_000_000, decimals: 4,
  },
  HK: {
    currency: 'HKD',
    // HKEX stock codes are 5 digits with leading zeros ('00700').
    venues: [{ market: 'HKEX', exchange: 'HKEX', code: (r) => String(r.int(1, 9999)).padStart(5, '0') }],
    codeSpace: 9999, medianPrice: 30, medianMarketCap: 20_000_000_000, medianVolume: 2_000_000, decimals: 4,
  },
  JP: {
    currency: 'JPY',
    venues: [{ market: 'TSE Prime', exchange: 'TSE', code: (r) => String(r.int(1300, 9999)) }],
    codeSpace: 8700, medianPrice: 2000, medianMarketCap: 300_000_000_000, medianVolume: 500_000, decimals: 0,
  },
  VN: {
    currency: 'VND',
    venues: [
      { market: 'HOSE', exchange: 'HOSE', code: (r) => letters(r, 3) },
      { market: 'HNX', exchange: 'HNX', code: (r) => letters(r, 3) },
    ],
    codeSpace: 26 ** 3, medianPrice: 25_000, medianMarketCap: 5_000_000_000_000, medianVolume: 1_000_000, decimals: 0,
  },
}

/**
 * The profile of a region; regions without one (the database accepts extra regions by option)
 * get a generic exchange with 4-letter codes, quoted in 'XXX' (ISO 4217's "no currency").
 */
export function regionProfile(region: string): RegionProfile {
  return PROFILES[region] ?? {
    currency: 'XXX',
    venues: [{ market: `${region} Exchange`, exchange: `X${region}`, code: (r) => letters(r, 4) }],
    codeSpace: 26 ** 4, medianPrice: 50, medianMarketCap: 5_000_000_000, medianVolume: 1_000_000, decimals: 4,
  }
}

/** Default sectors: the 11 GICS sectors, each with a few industries. */
export const DEFAULT_SECTORS: Readonly<Record<string, readonly string[]>> = {
  'Information Technology': ['Semiconductors', 'Software', 'Technology Hardware', 'IT Services'],
  'Health Care': ['Pharmaceuticals', 'Biotechnology', 'Health Care Equipment'],
  Financials: ['Banks', 'Insurance', 'Capital Markets'],
  'Consumer Discretionary': ['Automobiles', 'Retail', 'Hotels & Leisure'],
  'Communication Services': ['Media', 'Telecom Services', 'Interactive Media'],
  Industrials: ['Machinery', 'Aerospace & Defense', 'Shipbuilding', 'Construction'],
  'Consumer Staples': ['Food Products', 'Beverages', 'Household Products'],
  Energy: ['Oil & Gas', 'Energy Equipment'],
  Utilities: ['Electric Utilities', 'Gas Utilities'],
  'Real Estate': ['REITs', 'Real Estate Development'],
  Materials: ['Chemicals', 'Steel', 'Batteries & Materials'],
}

/** Industries of a sector: the GICS-like list for default sectors, generic names otherwise. */
export function industriesOf(sector: string): readonly string[] {
  return DEFAULT_SECTORS[sector] ?? [`${sector} Products`, `${sector} Services`]
}
