import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/errors.js'
import { ohlcvBarSchema, type OhlcvBarInput } from '../../src/validation/ohlcv.js'
import { checkBars } from '../../src/validation/ohlcv-check.js'

const REGIONS = new Set(['KR', 'US'])
const good = (over: Partial<Record<keyof OhlcvBarInput, unknown>> = {}): OhlcvBarInput =>
  ({ ticker: '005930', region: 'KR', date: '2024-03-04', open: 100, high: 110, low: 90, close: 105, volume: 1_000, ...over }) as OhlcvBarInput

/** The issue checkBars reports for `bad` placed as row 1 after a good row. */
function issueOf(bad: OhlcvBarInput) {
  const error = (() => {
    try {
      checkBars([good({ date: '2024-01-02' }), bad], REGIONS)
    } catch (e) {
      return e
    }
    return undefined
  })()
  expect(error, JSON.stringify(bad)).toBeInstanceOf(ValidationError)
  return (error as ValidationError).issues
}

describe('ohlcv bar validation', () => {
  it('accepts a good bar, with or without the optional fields', () => {
    const bars = [
      good(),
      good({ date: '2024-03-05', timeframe: 'weekly', adjustedClose: 52.5 }),
      good({ date: '2024-03-06', adjustedClose: null, ma5: 101.25, rsi: 55.5, macd: -1.5, atr: 0, bbLower: null }),
      good({ date: '2024-03-07', open: 90, high: 90, low: 90, close: 90, volume: 0 }),
    ]
    const { valid, rejected } = checkBars(bars, REGIONS)
    expect(rejected).toEqual([])
    expect(valid.map((v) => v.row)).toEqual([0, 1, 2, 3])
    expect(valid[0]!.value).toBe(bars[0]) // no copy
  })

  it.each([
    ['open not a number', { open: '100' }, 'open', /number/],
    ['open NaN', { open: Number.NaN }, 'open', /./],
    ['high Infinity', { high: Number.POSITIVE_INFINITY }, 'high', /./],
    ['close zero', { close: 0 }, 'close', /greater than 0/],
    ['low negative', { low: -1 }, 'low', /greater than 0/],
    ['price that rounds to 0 at 4 decimals', { low: 0.00001 }, 'low', /0\.0001/],
    ['price beyond NUMERIC(18,4)', { high: 1e14 }, 'high', /NUMERIC\(18, 4\)/],
    ['high below low', { high: 80, low: 90, open: 85, close: 85 }, 'high', /low/],
    ['high below open', { open: 120 }, 'high', /open/],
    ['high below close', { close: 111 }, 'high', /close/],
    ['low above open', { open: 89 }, 'low', /open/],
    ['low above close', { close: 89.5 }, 'low', /close/],
    ['negative volume', { volume: -1 }, 'volume', /negative/],
    ['fractional volume', { volume: 1.5 }, 'volume', /safe integer/],
    ['unsafe volume', { volume: 2 ** 53 }, 'volume', /safe integer/],
    ['missing volume', { volume: undefined }, 'volume', /./],
    ['impossible date', { date: '2024-02-30' }, 'date', /real date/],
    ['date with a time', { date: '2024-03-04T00:00:00Z' }, 'date', /YYYY-MM-DD/],
    ['unknown region', { region: 'XX' }, 'region', /one of KR, US/],
    ['empty ticker', { ticker: '' }, 'ticker', /empty/],
    ['ticker over 20 characters', { ticker: 'T'.repeat(21) }, 'ticker', /20/],
    ['timeframe over 10 characters', { timeframe: 'x'.repeat(11) }, 'timeframe', /10/],
    ['adjusted close negative', { adjustedClose: -5 }, 'adjustedClose', /greater than 0/],
    ['rsi above 100', { rsi: 101 }, 'rsi', /100/],
    ['negative atr', { atr: -0.5 }, 'atr', /negative/],
    ['unknown field', { colour: 'red' }, '(row)', /colour/],
  ])('rejects %s, naming row and field', (_name, over, field, message) => {
    const issues = issueOf(good(over as Partial<Record<keyof OhlcvBarInput, unknown>>))
    expect(issues[0]).toMatchObject({ row: 1, field })
    expect(issues[0]!.message).toMatch(message)
  })

  it('rejects a duplicate key within one call, naming both rows', () => {
    const bars = [good(), good({ date: '2024-03-05' }), good({ close: 100 }), good({ timeframe: 'weekly' })]
    const error = (() => { try { checkBars(bars, REGIONS) } catch (e) { return e as ValidationError } })()
    expect(error).toBeInstanceOf(ValidationError)
    expect(error!.issues).toEqual([{ row: 2, field: 'date', message: expect.stringMatching(/duplicates row 0/) }])
    // 'daily' spelled out is the same key as the default.
    expect(checkBars([good(), good({ timeframe: 'daily' })], REGIONS, 'skip').rejected.map((r) => r.row)).toEqual([1])
  })

  it('in skip mode returns bad rows with their input and keeps the good ones in order', () => {
    const bars = [good({ date: '2024-03-01' }), good({ date: '2024-03-02', high: 1 }), good({ date: '2024-03-03' }), good({ date: 'nope' })]
    const { valid, rejected } = checkBars(bars, REGIONS, 'skip')
    expect(valid.map((v) => v.row)).toEqual([0, 2])
    expect(rejected.map((r) => r.row)).toEqual([1, 3])
    expect(rejected[0]!.input).toBe(bars[1])
    expect(rejected[1]!.issues).toEqual([{ row: 3, field: 'date', message: expect.any(String) }])
  })

  it('caps the issues of one error and never puts values in the message', () => {
    const bars = Array.from({ length: 1_000 }, (_, i) => good({ date: '2024-03-04', ticker: `S${i}`, volume: -123_456_789 }))
    const error = (() => { try { checkBars(bars, REGIONS) } catch (e) { return e as ValidationError } })()!
    expect(error.issues).toHaveLength(100)
    expect(error.message).toMatch(/row 0, field 'volume'.*and 99 more/)
    expect(error.message).not.toContain('123456789')
  })

  it('refuses an unknown key wherever it stands, among bars that all share their keys', () => {
    // The fast path compares each bar's keys with the previous bar's: an unknown key in the place of
    // a known one, or after them, is still refused by name, and the bars after it are checked as usual.
    const { open, ...noOpen } = good({ date: '2024-03-06' })
    const withExtra = (date: string) => ({ ...good({ date }), extra: 1 }) as unknown as OhlcvBarInput
    const misspelt = (date: string) => ({ ...noOpen, date, opne: open }) as unknown as OhlcvBarInput
    const { valid, rejected } = checkBars([good(), good({ date: '2024-03-05' }), misspelt('2024-03-06'), misspelt('2024-03-07'),
      withExtra('2024-03-08'), withExtra('2024-03-11'), good({ date: '2024-03-12' })], REGIONS, 'skip')
    expect(valid.map((v) => v.row)).toEqual([0, 1, 6])
    const misspeltIssues = ['open: Invalid input: expected number, received undefined', '(row): Unrecognized key: "opne"']
    expect(rejected.map((r) => [r.row, r.issues.map((i) => `${i.field}: ${i.message}`)])).toEqual([
      [2, misspeltIssues], [3, misspeltIssues], [4, ['(row): Unrecognized key: "extra"']], [5, ['(row): Unrecognized key: "extra"']],
    ])
    // Tickers: printable ASCII with blanks inside only (no-break spaces are blanks too), up to 20
    // characters, or any other storable name.
    const tickers = ['BRK B', '~!x', 'T'.repeat(20), '삼성전자', 'S😀', ' A', 'A ', 'T'.repeat(21), 'A\u00a0', '\u00a0A']
    const checked = checkBars(tickers.map((ticker) => good({ ticker })), REGIONS, 'skip')
    expect(checked.valid.map((v) => v.value.ticker)).toEqual(tickers.slice(0, 5))
    expect(checked.rejected.map((r) => r.issues[0]!.field)).toEqual(['ticker', 'ticker', 'ticker', 'ticker', 'ticker'])
  })

  it('the fast path never accepts a bar the zod schema rejects', () => {
    // Pseudo-random bars around the boundaries: every bar checkBars accepts must pass the schema.
    const schema = ohlcvBarSchema(REGIONS)
    let seed = 7
    const rand = () => ((seed = (seed * 48_271) % 2_147_483_647) / 2_147_483_647)
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)] as T
    const prices = [0, 0.00004, 0.00005, 0.0001, 1, 99.99995, 100, 1e13, 99_999_999_999_999.99, -1, Number.NaN]
    const bars = Array.from({ length: 5_000 }, (_, i) => ({
      // Text rules too: control characters, NUL, lone surrogates (refused) and a surrogate pair (fine).
      ticker: pick(['A', ' A', 'T'.repeat(20), 'T'.repeat(21), '', 'A\n', 'A\t', 'A\u001b', 'A\u007f', 'A\u0085', 'A\u0000', 'S\uD800', '\uDC00S', 'S😀']),
      region: pick(['KR', 'US', 'kr']),
      ...(rand() < 0.2 ? { timeframe: pick(['daily', 'weekly', '', 'x'.repeat(11), 'd\n', 'd\u0000', 'd\uD800']) } : {}),
      date: `2024-0${1 + (i % 9)}-${pick(['01', '29', '30', '31'])}`,
      open: pick(prices), high: pick(prices), low: pick(prices), close: pick(prices),
      volume: pick([0, 1, -1, 1.5, 2 ** 53, 2 ** 53 - 1]),
      ...(rand() < 0.3 ? { adjustedClose: pick([...prices, null]) } : {}),
      ...(rand() < 0.3 ? { rsi: pick([0, 50, 100, 100.01, -0.01, null]) } : {}),
      ...(rand() < 0.3 ? { atr: pick([0, -0.0001, 5, null]) } : {}),
    })) as OhlcvBarInput[]
    const { valid } = checkBars(bars, REGIONS, 'skip')
    expect(valid.length).toBeGreaterThan(0)
    for (const { value } of valid) expect(schema.safeParse(value).success, JSON.stringify(value)).toBe(true)
  })
})
