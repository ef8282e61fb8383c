import { beforeAll, expect, it } from 'vitest'
import { QuantDbError, ValidationError, type OhlcvBarInput } from '../../src/index.js'
import type { TestDb } from '../../src/testing/index.js'
import { forEachTarget } from '../helpers/targets.js'

// Text PostgreSQL cannot store (NUL, lone surrogates) and names with control characters are refused by
// validation on every write, naming row and field, before anything reaches the database: the tables
// hold exactly what they held. Before, a NUL failed the whole call at the server (22021) naming no row,
// and a lone surrogate was stored as U+FFFD, so 'S\uD800' and 'S\uDBFF' landed on one key.

const TABLES = ['tickers', 'ohlcv_data', 'factor_scores', 'backtest_results', 'trades', 'portfolio', 'portfolio_snapshots', 'api_logs', 'system_logs']

const NUL = 'A\u0000B'
const LONE = 'S\uD800'
const LINE = 'A\nB'
const ESC = 'A\u001b'

const bar = (ticker: string, date = '2024-03-04', over: Partial<OhlcvBarInput> = {}): OhlcvBarInput =>
  ({ ticker, region: 'KR', date, open: 100, high: 110, low: 90, close: 105, volume: 1_000, ...over })
const factor = (ticker: string) => ({ ticker, region: 'KR', calculationDate: '2024-06-28', layer1Total: 10, layer2Total: 10, layer3Total: 10 })
const trade = (over: Record<string, unknown>) =>
  ({ ticker: 'TXT', region: 'KR', tradeDate: '2024-03-04', tradeType: 'BUY' as const, quantity: 1, price: 10, ...over })

interface Case {
  name: string
  row: number
  field: string
  write: (db: TestDb) => Promise<unknown>
}

const CASES: Case[] = [
  ...[NUL, LONE, LINE, ESC].flatMap((v): Case[] => [
    { name: `tickers.upsert ticker ${JSON.stringify(v)}`, row: 1, field: 'ticker', write: (db) => db.tickers.upsert([{ ticker: 'OK1', region: 'KR' }, { ticker: v, region: 'KR' }]) },
    { name: `tickers.upsert sector ${JSON.stringify(v)}`, row: 0, field: 'sector', write: (db) => db.tickers.upsert([{ ticker: 'OK1', region: 'KR', sector: v }]) },
    { name: `ohlcv.upsert ticker ${JSON.stringify(v)}`, row: 1, field: 'ticker', write: (db) => db.ohlcv.upsert([bar('OK1'), bar(v)]) },
    { name: `ohlcv.upsert timeframe ${JSON.stringify(v)}`, row: 2, field: 'timeframe', write: (db) => db.ohlcv.upsert([bar('OK1'), bar('OK2'), bar('OK1', '2024-03-05', { timeframe: v })]) },
    { name: `factors.upsert ticker ${JSON.stringify(v)}`, row: 1, field: 'ticker', write: (db) => db.factors.upsert([factor('TXT'), factor(v)]) },
    {
      name: `backtests.save strategyName ${JSON.stringify(v)}`, row: 0, field: 'strategyName',
      write: (db) => db.backtests.save({ strategyName: v, region: 'KR', startDate: '2023-01-02', endDate: '2023-12-28', initialCapital: 1e6 }),
    },
    { name: `portfolio.applyTrade orderId ${JSON.stringify(v)}`, row: 0, field: 'orderId', write: (db) => db.portfolio.applyTrade(trade({ orderId: v })) },
    { name: `portfolio.markToMarket ticker ${JSON.stringify(v)}`, row: 0, field: 'ticker', write: (db) => db.portfolio.markToMarket([{ ticker: v, region: 'KR', price: 1 }], '2024-03-04') },
    { name: `logs.system module ${JSON.stringify(v)}`, row: 0, field: 'module', write: (db) => db.logs.system({ level: 'INFO', message: 'm', module: v }) },
  ]),
  ...[NUL, LONE].flatMap((v): Case[] => [
    { name: `portfolio.applyTrade notes ${JSON.stringify(v)}`, row: 0, field: 'notes', write: (db) => db.portfolio.applyTrade(trade({ notes: `free\ntext ${v}` })) },
    { name: `tickers.upsert metadata key ${JSON.stringify(v)}`, row: 0, field: 'metadata', write: (db) => db.tickers.upsert([{ ticker: 'OK1', region: 'KR', metadata: { [v]: 1 } }]) },
    { name: `tickers.upsert metadata string ${JSON.stringify(v)}`, row: 0, field: 'metadata', write: (db) => db.tickers.upsert([{ ticker: 'OK1', region: 'KR', metadata: { a: [v] } }]) },
    {
      name: `factors.upsert calculationMetadata ${JSON.stringify(v)}`, row: 1, field: 'calculationMetadata',
      write: (db) => db.factors.upsert([factor('TXT'), { ...factor('TXT2'), calculationMetadata: { note: v } }]),
    },
    {
      name: `backtests.save strategyParams ${JSON.stringify(v)}`, row: 0, field: 'strategyParams',
      write: (db) => db.backtests.save({ strategyName: 's', region: 'KR', startDate: '2023-01-02', endDate: '2023-12-28', initialCapital: 1e6, strategyParams: { [`k${v}`]: 1 } }),
    },
    {
      name: `backtests.save trades[0].reason ${JSON.stringify(v)}`, row: 0, field: 'trades.0.reason',
      write: (db) => db.backtests.save({
        strategyName: 's', region: 'KR', startDate: '2023-01-02', endDate: '2023-12-28', initialCapital: 1e6,
        trades: [{ date: '2023-01-02', ticker: 'A', side: 'BUY', quantity: 1, price: 1, reason: v }],
      }),
    },
  ]),
]

forEachTarget('text rules', (_target, db) => {
  const counts = async () => {
    const out: Record<string, number> = {}
    for (const t of TABLES) out[t] = (await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM ${t}`))[0]!.n
    return out
  }

  beforeAll(async () => {
    await db().tickers.upsert([{ ticker: 'TXT', region: 'KR' }, { ticker: 'TXT2', region: 'KR' }])
  })

  it.each(CASES)('$name: refused by validation naming row and field, nothing written', async ({ write, row, field }) => {
    const before = await counts()
    const error = await write(db()).then(() => undefined, (e: unknown) => e)
    expect(error).toBeInstanceOf(ValidationError)
    expect((error as ValidationError).issues[0]).toMatchObject({ row, field })
    expect(await counts()).toEqual(before)
  })

  it('ohlcv.upsert with onInvalid skip writes the good bars and reports the bad ones (NUL, lone surrogates, controls)', async () => {
    const bars = [bar('SKIP'), bar('S\uD800'), bar('S\uDBFF'), bar('A\u0000'), bar('A\t'), bar('A\u007f'), bar('SKIP', '2024-03-05')]
    const result = await db().ohlcv.upsert(bars, { onInvalid: 'skip' })
    expect(result).toMatchObject({ inserted: 2, rejected: 5 })
    expect(result.rejectedRows.map((r) => [r.row, r.issues[0]!.field])).toEqual([[1, 'ticker'], [2, 'ticker'], [3, 'ticker'], [4, 'ticker'], [5, 'ticker']])
    // Nothing stored under U+FFFD (the collision key of both lone surrogates) nor any control-character ticker.
    const stored = await db().query<{ ticker: string }>(`SELECT DISTINCT ticker FROM ohlcv_data WHERE ticker LIKE 'S%' OR ticker LIKE 'A%' ORDER BY 1`)
    expect(stored.map((r) => r.ticker)).toEqual(['SKIP'])
    expect((await db().ohlcv.latest('SKIP', 'KR', { limit: 5 })).map((b) => b.date)).toEqual(['2024-03-05', '2024-03-04'])
  })

  it('factors.upsert with onInvalid skip writes the good rows and reports the bad ones', async () => {
    const result = await db().factors.upsert([factor('TXT2'), factor('T\u0000'), { ...factor('TXT'), calculationMetadata: { k: 'S\uDC00' } }], { onInvalid: 'skip' })
    expect(result).toMatchObject({ rejected: 2 })
    expect(result.inserted + result.updated).toBe(1)
    expect(result.rejectedRows.map((r) => [r.row, r.issues[0]!.field])).toEqual([[1, 'ticker'], [2, 'calculationMetadata']])
  })

  it('free text keeps its line breaks and tabs; names keep non-ASCII and surrogate pairs', async () => {
    await db().tickers.upsert([{ ticker: 'S😀', region: 'KR', sector: '반도체', metadata: { 'note 😀': 'a\nb\tc' } }])
    const { trade: stored } = await db().portfolio.applyTrade({ ...trade({ ticker: 'S😀' }), notes: 'line one\nline two\ttab', entryReason: 'why\r\nbecause' })
    expect(stored).toMatchObject({ ticker: 'S😀', notes: 'line one\nline two\ttab', entryReason: 'why\r\nbecause' })
    const [t] = await db().query<{ metadata: unknown; sector: string }>(`SELECT metadata, sector FROM tickers WHERE ticker = $1`, ['S😀'])
    expect(t).toEqual({ metadata: { 'note 😀': 'a\nb\tc' }, sector: '반도체' })
  })

  it('logs store free text with NUL and lone surrogates replaced, never refused nor failing at the database', async () => {
    const row = await db().logs.system({ level: 'ERROR', message: 'bad\u0000byte\nS\uD800', context: { 'k\u0000': 'v\uDC00' } })
    expect(row.message).toBe('bad\uFFFDbyte\nS\uFFFD')
    expect(row.context).toEqual({ 'k\uFFFD': 'v\uFFFD' })
    // Reads with such text are refused by validation too, not by the server.
    await expect(db().ohlcv.latest('A\u0000', 'KR')).rejects.toBeInstanceOf(QuantDbError)
    await expect(db().ohlcv.latest('A\u0000', 'KR')).rejects.toMatchObject({ reason: 'validation' })
  })
})
