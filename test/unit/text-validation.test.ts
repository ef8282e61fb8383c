import { describe, expect, it } from 'vitest'
import { ValidationError, type ValidationIssue } from '../../src/errors.js'
import { toApiLogRow, toSystemLogRow } from '../../src/repos/logs/records.js'
import { backtestInputSchema, type BacktestInput } from '../../src/validation/backtests.js'
import { checkFactorScores, type FactorScoreInput } from '../../src/validation/factors.js'
import { ohlcvBarSchema, type OhlcvBarInput } from '../../src/validation/ohlcv.js'
import { checkBars } from '../../src/validation/ohlcv-check.js'
import { checkMarkPrices, riskLimitsSchema, tradeInputSchema } from '../../src/validation/portfolio.js'
import { textProblem } from '../../src/validation/text.js'
import { tickerInputSchema } from '../../src/validation/ticker.js'
import { checkOne, checkRows } from '../../src/validation/validate.js'

// One rule set for the text of every write (src/validation/text.ts): no NUL (PostgreSQL cannot store
// it), no lone UTF-16 surrogate (not UTF-8: the drivers would store U+FFFD), and in names no control
// character at all. Each rule is tried on each text field of each write path, as row 1 after a good row,
// and the error must name that row and that field.

const REGIONS = new Set(['KR', 'US'])

const NUL = { label: 'NUL', value: 'A\u0000B', message: /NUL/ }
const HIGH = { label: 'lone high surrogate', value: 'S\uD800', message: /surrogate/ }
const LOW = { label: 'lone low surrogate', value: 'S\uDC00x', message: /surrogate/ }
const REVERSED = { label: 'surrogates in the wrong order', value: 'S\uDC00\uD800', message: /surrogate/ }
/** Refused in every text. */
const UNSTORABLE = [NUL, HIGH, LOW, REVERSED]
/** Refused in names only: free text may hold them. */
const CONTROLS = [
  { label: 'line feed', value: 'A\nB', message: /control/ },
  { label: 'tab', value: 'A\tB', message: /control/ },
  { label: 'carriage return', value: 'A\rB', message: /control/ },
  { label: 'ESC', value: 'A\u001b[0m', message: /control/ },
  { label: 'DEL', value: 'A\u007f', message: /control/ },
  { label: 'C1 NEL', value: 'A\u0085', message: /control/ },
]
/** Accepted everywhere: a well-formed surrogate pair (an astral character) and non-ASCII text. */
const FINE_NAMES = ['S😀', '삼성전자', 'Ä-1']

/** The issues `run` throws as a ValidationError (fails the test when it does not throw one). */
function issuesOf(run: () => unknown): readonly ValidationIssue[] {
  try {
    run()
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError)
    return (e as ValidationError).issues
  }
  throw new Error('expected a ValidationError, nothing was thrown')
}

type Path = {
  /** The write and the field, e.g. 'ohlcv.upsert ticker'. */
  name: string
  kind: 'name' | 'text'
  /** Validates [good, bad] where bad carries `value` in the field; returns what it accepted. */
  check: (value: string) => unknown
  /** The row and field expected in the issue. */
  row: number
  field: string
}

const bar = (over: Record<string, unknown> = {}): OhlcvBarInput =>
  ({ ticker: '005930', region: 'KR', date: '2024-03-04', open: 100, high: 110, low: 90, close: 105, volume: 1, ...over }) as OhlcvBarInput
const ticker = (over: Record<string, unknown> = {}) => ({ ticker: '005930', region: 'KR', ...over })
const factor = (over: Record<string, unknown> = {}) =>
  ({ ticker: '005930', region: 'KR', calculationDate: '2024-06-28', layer1Total: 10, layer2Total: 10, layer3Total: 10, ...over }) as FactorScoreInput
const backtest = (over: Record<string, unknown> = {}): BacktestInput => ({
  strategyName: 'momentum', region: 'KR', startDate: '2023-01-02', endDate: '2023-12-28', initialCapital: 1_000_000,
  trades: [{ date: '2023-01-02', ticker: '005930', side: 'BUY', quantity: 1, price: 10 }], ...over,
})
const trade = (over: Record<string, unknown> = {}) =>
  ({ ticker: '005930', region: 'KR', tradeDate: '2024-03-04', tradeType: 'BUY', quantity: 1, price: 10, ...over })

const rows = <T>(table: string, bad: T, good: T, schema: Parameters<typeof checkRows>[2]) => checkRows(table, [good, bad], schema)

const PATHS: Path[] = [
  { name: 'tickers.upsert ticker', kind: 'name', row: 1, field: 'ticker', check: (v) => rows('tickers', ticker({ ticker: v }), ticker({ ticker: '000660' }), tickerInputSchema(REGIONS)) },
  ...(['market', 'sector', 'industry'] as const).map((f): Path => ({
    name: `tickers.upsert ${f}`, kind: 'name', row: 1, field: f,
    check: (v) => rows('tickers', ticker({ [f]: v }), ticker({ ticker: '000660', [f]: 'ok' }), tickerInputSchema(REGIONS)),
  })),
  { name: 'ohlcv.upsert ticker', kind: 'name', row: 1, field: 'ticker', check: (v) => checkBars([bar({ ticker: '000660' }), bar({ ticker: v })], REGIONS) },
  { name: 'ohlcv.upsert timeframe', kind: 'name', row: 1, field: 'timeframe', check: (v) => checkBars([bar({ timeframe: 'weekly' }), bar({ timeframe: v })], REGIONS) },
  { name: 'factors.upsert ticker', kind: 'name', row: 1, field: 'ticker', check: (v) => checkFactorScores([factor({ ticker: '000660' }), factor({ ticker: v })], REGIONS) },
  { name: 'backtests.save strategyName', kind: 'name', row: 0, field: 'strategyName', check: (v) => checkOne('backtest_results', backtest({ strategyName: v }), backtestInputSchema(REGIONS)) },
  { name: 'backtests.save rebalanceFrequency', kind: 'name', row: 0, field: 'rebalanceFrequency', check: (v) => checkOne('backtest_results', backtest({ rebalanceFrequency: v }), backtestInputSchema(REGIONS)) },
  {
    name: 'backtests.save trades[0].ticker', kind: 'name', row: 0, field: 'trades.0.ticker',
    check: (v) => checkOne('backtest_results', backtest({ trades: [{ date: '2023-01-02', ticker: v, side: 'BUY', quantity: 1, price: 10 }] }), backtestInputSchema(REGIONS)),
  },
  {
    name: 'backtests.save trades[0].reason', kind: 'text', row: 0, field: 'trades.0.reason',
    check: (v) => checkOne('backtest_results', backtest({ trades: [{ date: '2023-01-02', ticker: 'A', side: 'BUY', quantity: 1, price: 10, reason: v }] }), backtestInputSchema(REGIONS)),
  },
  ...(['ticker', 'strategyName', 'signalSource', 'orderId'] as const).map((f): Path => ({
    name: `portfolio.applyTrade ${f}`, kind: 'name', row: 0, field: f, check: (v) => checkOne('trades', trade({ [f]: v }), tradeInputSchema(REGIONS)),
  })),
  ...(['entryReason', 'notes'] as const).map((f): Path => ({
    name: `portfolio.applyTrade ${f}`, kind: 'text', row: 0, field: f, check: (v) => checkOne('trades', trade({ [f]: v }), tradeInputSchema(REGIONS)),
  })),
  { name: 'portfolio.markToMarket ticker', kind: 'name', row: 1, field: 'ticker', check: (v) => checkMarkPrices('portfolio', [{ ticker: 'B', region: 'KR', price: 1 }, { ticker: v, region: 'KR', price: 1 }], REGIONS) },
  { name: 'portfolio.setRiskLimits ticker', kind: 'name', row: 0, field: 'ticker', check: (v) => checkOne('portfolio', { ticker: v, region: 'KR' }, riskLimitsSchema(REGIONS)) },
  // Log fields that redaction does not rewrite (module) or that are names (endpoint, exceptionType).
  { name: 'logs.system module', kind: 'name', row: 0, field: 'module', check: (v) => toSystemLogRow({ logLevel: 'INFO', message: 'm', module: v }) },
  { name: 'logs.system exceptionType', kind: 'name', row: 0, field: 'exceptionType', check: (v) => toSystemLogRow({ logLevel: 'INFO', message: 'm', exceptionType: v }) },
  { name: 'logs.api endpoint', kind: 'name', row: 0, field: 'apiEndpoint', check: (v) => toApiLogRow({ apiEndpoint: `/uapi/${v}` }, REGIONS) },
]

// Redaction rewrites NUL and lone surrogates of log text to U+FFFD before validation (a log line is
// never lost for a stray byte in the error it records): for these fields only control characters in
// names remain to refuse.
const SANITIZED = new Set(['logs.system exceptionType', 'logs.api endpoint'])

describe('text rules on every write path', () => {
  for (const path of PATHS) {
    const refused = [...(SANITIZED.has(path.name) ? [] : UNSTORABLE), ...(path.kind === 'name' ? CONTROLS : [])]
    it.each(refused)(`${path.name}: refuses a $label, naming row ${path.row} and the field`, ({ value, message }) => {
      const issues = issuesOf(() => path.check(value))
      expect(issues).toHaveLength(1)
      expect(issues[0]).toMatchObject({ row: path.row, field: path.field })
      expect(issues[0]!.message).toMatch(message)
    })
    const accepted = path.kind === 'name' ? FINE_NAMES : [...FINE_NAMES, 'line one\nline two\ttabbed\r\n']
    it(`${path.name}: accepts ${path.kind === 'name' ? 'non-ASCII names and surrogate pairs' : 'line breaks, tabs and surrogate pairs'}`, () => {
      for (const value of accepted) expect(() => path.check(value), JSON.stringify(value)).not.toThrow()
    })
  }
})

describe('JSON documents (metadata, params, calculationMetadata, strategyParams)', () => {
  const documents: [string, (doc: Record<string, unknown>) => unknown, string][] = [
    ['tickers.upsert metadata', (doc) => rows('tickers', ticker({ metadata: doc }), ticker({ ticker: 'B' }), tickerInputSchema(REGIONS)), 'metadata'],
    ['factors.upsert calculationMetadata', (doc) => checkFactorScores([factor({ ticker: 'B' }), factor({ calculationMetadata: doc })], REGIONS), 'calculationMetadata'],
    ['backtests.save strategyParams', (doc) => checkOne('backtest_results', backtest({ strategyParams: doc }), backtestInputSchema(REGIONS)), 'strategyParams'],
  ]
  const bad: [string, Record<string, unknown>, RegExp][] = [
    ['a NUL in a string', { note: 'a\u0000b' }, /NUL character at note/],
    ['a NUL in a key', { 'k\u0000': 1 }, /key with a NUL/],
    ['a lone surrogate in a nested string', { a: { b: ['ok', 'S\uD800'] } }, /lone UTF-16 surrogate at a\.b\[1\]/],
    ['a lone surrogate in a nested key', { a: { 'k\uDC00': true } }, /key with a lone UTF-16 surrogate at a/],
  ]
  for (const [name, check, field] of documents) {
    it.each(bad)(`${name}: refuses %s, naming the row and field`, (_label, doc, message) => {
      const issues = issuesOf(() => check(doc))
      expect(issues).toHaveLength(1)
      expect(issues[0]!.field).toBe(field)
      expect(issues[0]!.row).toBe(name.startsWith('backtests') ? 0 : 1)
      expect(issues[0]!.message).toMatch(message)
    })
    it(`${name}: accepts line breaks, control characters and surrogate pairs inside JSON strings`, () => {
      expect(() => check({ 'emoji 😀': 'tab\there\nline \u001b', list: ['한글'] })).not.toThrow()
    })
  }
})

describe('logs keep free text but never store what PostgreSQL refuses', () => {
  it('replaces NUL and lone surrogates in message, stack, error, params and context by U+FFFD', () => {
    const row = toSystemLogRow({ logLevel: 'ERROR', message: 'a\u0000b\nc', stackTrace: 'S\uD800', context: { 'k\u0000': 'v\uDC00' } })
    expect(row.message).toBe('a\uFFFDb\nc')
    expect(row.stackTrace).toBe('S\uFFFD')
    expect(row.context).toEqual({ 'k\uFFFD': 'v\uFFFD' })
    const api = toApiLogRow({ apiEndpoint: '/e', errorMessage: 'x\u0000', requestParams: { q: 'S\uD800' } }, REGIONS)
    expect(api.errorMessage).toBe('x\uFFFD')
    expect(api.requestParams).toEqual({ q: 'S\uFFFD' })
  })

  it('keeps well-formed surrogate pairs (emoji, astral characters) untouched in log text and JSON', () => {
    const row = toSystemLogRow({ logLevel: 'INFO', message: '😀 ok \uD83D x \uDE00 y 𝟘', context: { '😀': '𝟘\uDC00' } })
    expect(row.message).toBe('😀 ok \uFFFD x \uFFFD y 𝟘')
    expect(row.context).toEqual({ '😀': '𝟘\uFFFD' })
  })
})

describe('ohlcv fast path and zod schema agree on text', () => {
  it('neither accepts a bar with a bad ticker or timeframe, whatever the path', () => {
    const schema = ohlcvBarSchema(REGIONS)
    for (const { value } of [...UNSTORABLE, ...CONTROLS]) {
      for (const over of [{ ticker: value }, { ticker: `${value}`.slice(0, 20) }, { timeframe: value }]) {
        expect(checkBars([bar(over)], REGIONS, 'skip').valid, JSON.stringify(over)).toEqual([])
        expect(schema.safeParse(bar(over)).success).toBe(false)
      }
    }
  })

  it('skips the bad rows with onInvalid skip and keeps the rest, the same ticker repeated or not', () => {
    const bars = [bar({ ticker: 'S\uD800' }), bar(), bar({ ticker: 'S\uDBFF' }), bar({ date: '2024-03-05' }), bar({ ticker: 'A\u0000' })]
    const { valid, rejected } = checkBars(bars, REGIONS, 'skip')
    expect(valid.map((v) => v.row)).toEqual([1, 3])
    expect(rejected.map((r) => [r.row, r.issues[0]!.field])).toEqual([[0, 'ticker'], [2, 'ticker'], [4, 'ticker']])
  })
})

describe('textProblem', () => {
  it.each([
    ['ok', 'name', undefined],
    ['a\nb', 'text', undefined],
    ['a\nb', 'name', /control/],
    ['a\u0000b', 'text', /NUL/],
    ['\uD83D', 'text', /surrogate/],
    ['\uD83D\uDE00', 'name', undefined],
  ] as const)('%j as %s', (value, kind, expected) => {
    const problem = textProblem(value, kind)
    if (expected === undefined) expect(problem).toBeUndefined()
    else expect(problem).toMatch(expected)
  })
})
