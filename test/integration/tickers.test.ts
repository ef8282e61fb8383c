import { expect, it } from 'vitest'
import { NotFoundError, ValidationError } from '../../src/index.js'
import { forEachTarget } from '../helpers/targets.js'

forEachTarget('tickers', (target, db) => {
  it('round-trips every field and refreshes last_updated on update', async () => {
    const first = await db().tickers.upsert([{
      ticker: '005930', region: 'KR', market: 'KOSPI', sector: 'Tech', industry: 'Semiconductors',
      marketCap: 430_000_000_000_000, listedDate: '1975-06-11', metadata: { exchange: 'KOSPI', currency: 'KRW' },
    }])
    expect(first).toEqual({ inserted: 1, updated: 0, unchanged: 0, rejected: 0, rejectedRows: [] })
    const stored = await db().tickers.get({ ticker: '005930', region: 'KR' })
    expect(stored).toMatchObject({
      ticker: '005930', region: 'KR', market: 'KOSPI', sector: 'Tech', industry: 'Semiconductors',
      marketCap: 430_000_000_000_000, listedDate: '1975-06-11', delistedDate: null, isActive: true,
      metadata: { exchange: 'KOSPI', currency: 'KRW' },
    })
    expect(stored.lastUpdated).toBeInstanceOf(Date)

    // An update that carries only marketCap keeps every other field, and refreshes last_updated
    // (set far in the past first, so that "refreshed" cannot pass by equality).
    await db().query(`UPDATE tickers SET last_updated = '2001-01-01T00:00:00Z' WHERE ticker = '005930' AND region = 'KR'`)
    const beforeUpdate = Date.now()
    const second = await db().tickers.upsert([{ ticker: '005930', region: 'KR', marketCap: 450_000_000_000_000 }])
    expect(second).toEqual({ inserted: 0, updated: 1, unchanged: 0, rejected: 0, rejectedRows: [] })
    const updated = await db().tickers.get({ ticker: '005930', region: 'KR' })
    expect(updated).toMatchObject({
      marketCap: 450_000_000_000_000, sector: 'Tech', market: 'KOSPI', industry: 'Semiconductors', listedDate: '1975-06-11',
      isActive: true, metadata: { exchange: 'KOSPI', currency: 'KRW' },
    })
    expect(updated.lastUpdated!.getTime()).toBeGreaterThan(Date.parse('2001-01-02T00:00:00Z'))
    expect(updated.lastUpdated!.getTime()).toBeGreaterThanOrEqual(beforeUpdate - 60_000) // clock skew allowance (server)

    // null clears a field; a second identical call is idempotent (same stored values, one row).
    await db().query(`UPDATE tickers SET last_updated = '2001-01-01T00:00:00Z' WHERE ticker = '005930' AND region = 'KR'`)
    expect(await db().tickers.upsert([{ ticker: '005930', region: 'KR', industry: null, metadata: null }]))
      .toMatchObject({ inserted: 0, updated: 1, unchanged: 0 })
    const cleared = await db().tickers.get({ ticker: '005930', region: 'KR' })
    // The same values again are counted unchanged and not rewritten: last_updated stays.
    expect(await db().tickers.upsert([{ ticker: '005930', region: 'KR', industry: null, metadata: null }]))
      .toMatchObject({ inserted: 0, updated: 0, unchanged: 1 })
    expect((await db().tickers.get({ ticker: '005930', region: 'KR' })).lastUpdated).toEqual(cleared.lastUpdated)
    expect(await db().tickers.get({ ticker: '005930', region: 'KR' })).toMatchObject({ industry: null, metadata: null, sector: 'Tech' })
    expect(await db().query(`SELECT count(*)::int AS n FROM tickers WHERE ticker = '005930'`)).toEqual([{ n: 1 }])
  })

  it('find returns undefined and get throws NotFoundError with the key', async () => {
    expect(await db().tickers.find({ ticker: 'NOPE', region: 'US' })).toBeUndefined()
    const e = await db().tickers.get({ ticker: 'NOPE', region: 'US' }).catch((x: unknown) => x)
    expect(e).toBeInstanceOf(NotFoundError)
    expect((e as NotFoundError).key).toEqual({ ticker: 'NOPE', region: 'US' })
  })

  it('lists with filters, market-cap order, metadata containment and paging', async () => {
    await db().tickers.upsert([
      { ticker: 'AAPL', region: 'US', market: 'NASDAQ', sector: 'Tech', marketCap: 3_000, metadata: { exchange: 'NASDAQ' } },
      { ticker: 'MSFT', region: 'US', market: 'NASDAQ', sector: 'Tech', marketCap: 2_900, metadata: { exchange: 'NASDAQ' } },
      { ticker: 'XOM', region: 'US', market: 'NYSE', sector: 'Energy', marketCap: 500, metadata: { exchange: 'NYSE' } },
      { ticker: 'NOCAP', region: 'US', market: 'NYSE', sector: 'Energy', marketCap: null, metadata: { exchange: 'NYSE' } },
      { ticker: 'GONE', region: 'US', market: 'NYSE', sector: 'Tech', marketCap: 10, isActive: false },
    ])
    const byCap = await db().tickers.list({ region: 'US', orderBy: 'marketCap' })
    expect(byCap.map((t) => t.ticker)).toEqual(['AAPL', 'MSFT', 'XOM', 'GONE', 'NOCAP'])
    expect((await db().tickers.list({ region: 'US', sector: 'Tech', activeOnly: true })).map((t) => t.ticker)).toEqual(['AAPL', 'MSFT'])
    expect((await db().tickers.list({ metadata: { exchange: 'NYSE' } })).map((t) => t.ticker)).toEqual(['NOCAP', 'XOM'])
    expect((await db().tickers.list({ market: 'NASDAQ' })).map((t) => t.ticker)).toEqual(['AAPL', 'MSFT'])
    const page2 = await db().tickers.list({ region: 'US', orderBy: 'marketCap', limit: 2, offset: 2 })
    expect(page2.map((t) => t.ticker)).toEqual(['XOM', 'GONE'])
    await expect(db().tickers.list({ limit: -1 })).rejects.toBeInstanceOf(ValidationError)
    await expect(db().tickers.list({ orderBy: 'price' as never })).rejects.toBeInstanceOf(ValidationError)
  })

  it('rejects bad rows naming row and field, and writes nothing', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ticker: '', region: 'KR' }, 'ticker'],
      [{ ticker: 'X'.repeat(21), region: 'KR' }, 'ticker'],
      [{ ticker: 'BAD', region: 'XX' }, 'region'],
      [{ ticker: 'BAD', region: 'KR', marketCap: -1 }, 'marketCap'],
      [{ ticker: 'BAD', region: 'KR', marketCap: 2 ** 60 }, 'marketCap'],
      [{ ticker: 'BAD', region: 'KR', listedDate: '2024-02-30' }, 'listedDate'],
      [{ ticker: 'BAD', region: 'KR', listedDate: '2024-03-01', delistedDate: '2024-02-01' }, 'delistedDate'],
      [{ ticker: 'BAD', region: 'KR', sector: 'S'.repeat(51) }, 'sector'],
      [{ ticker: 'BAD', region: 'KR', colour: 'red' }, '(row)'],
      [{ ticker: ' BAD', region: 'KR' }, 'ticker'],
      [{ ticker: 'BAD', region: 'KR', marketCap: 1.5 }, 'marketCap'],
      [{ ticker: 'BAD', region: 'KR', isActive: 'yes' }, 'isActive'],
      [{ ticker: 'BAD', region: 'KR', metadata: { cap: Number.POSITIVE_INFINITY } }, 'metadata'],
      [{ ticker: 'BAD', region: 'KR', metadata: { listed: new Date('2020-01-01') } }, 'metadata'],
    ]
    for (const [bad, field] of cases) {
      const e = await db().tickers.upsert([{ ticker: 'GOOD', region: 'KR' }, bad as never]).catch((x: unknown) => x)
      expect(e, JSON.stringify(bad)).toBeInstanceOf(ValidationError)
      expect((e as ValidationError).issues[0]).toMatchObject({ row: 1, field })
      expect((e as ValidationError).message).toContain(`row 1, field '${field}'`)
    }
    expect(await db().tickers.find({ ticker: 'GOOD', region: 'KR' })).toBeUndefined()

    const dup = await db().tickers.upsert([{ ticker: 'GOOD', region: 'KR' }, { ticker: 'GOOD', region: 'US' }, { ticker: 'GOOD', region: 'KR', sector: 'X' }])
      .catch((x: unknown) => x)
    expect(dup).toBeInstanceOf(ValidationError)
    expect((dup as ValidationError).issues).toEqual([{ row: 2, field: 'ticker', message: 'duplicates row 0 (same ticker and region)' }])
    expect(await db().tickers.find({ ticker: 'GOOD', region: 'US' })).toBeUndefined()
  })

  it('delists without deleting history, and answers the universe as of a date', async () => {
    await db().tickers.upsert([
      { ticker: 'OLD', region: 'JP', listedDate: '2000-01-04' },
      { ticker: 'NEW', region: 'JP', listedDate: '2021-01-04' },
      { ticker: 'DEAD', region: 'JP', listedDate: '2001-01-04' },
    ])
    await db().exec(`INSERT INTO ohlcv_data (ticker, region, date, open, high, low, close, volume)
      VALUES ('DEAD', 'JP', '2019-05-07', 10, 11, 9, 10, 5)`)
    const delisted = await db().tickers.delist({ ticker: 'DEAD', region: 'JP', delistedDate: '2020-03-31' })
    expect(delisted).toMatchObject({ isActive: false, delistedDate: '2020-03-31' })
    expect(await db().query(`SELECT count(*)::int AS n FROM ohlcv_data WHERE ticker = 'DEAD'`)).toEqual([{ n: 1 }])

    const tickersOn = async (date: string) => (await db().tickers.universeAsOf({ date, region: 'JP' })).map((t) => t.ticker)
    expect(await tickersOn('2019-12-31')).toEqual(['DEAD', 'OLD'])
    expect(await tickersOn('2020-03-30')).toEqual(['DEAD', 'OLD'])
    expect(await tickersOn('2020-03-31')).toEqual(['OLD'])
    expect(await tickersOn('2021-01-04')).toEqual(['NEW', 'OLD'])
    await expect(db().tickers.delist({ ticker: 'NOPE', region: 'JP', delistedDate: '2020-01-01' })).rejects.toBeInstanceOf(NotFoundError)
    await expect(db().tickers.delist({ ticker: 'OLD', region: 'JP', delistedDate: '31/03/2020' })).rejects.toBeInstanceOf(ValidationError)
  })

  it('purges a ticker leaving no orphan row anywhere, compressed chunks included', async () => {
    await db().exec(`
      INSERT INTO tickers (ticker, region) VALUES ('PURGE', 'HK'), ('KEEP', 'HK');
      INSERT INTO ohlcv_data (ticker, region, date, open, high, low, close, volume)
        SELECT t, 'HK', date '2022-01-03' + g, 10, 11, 9, 10, 100 FROM generate_series(0, 99) g, unnest(ARRAY['PURGE', 'KEEP']) t;
      INSERT INTO factor_scores (ticker, region, calculation_date, layer1_total, layer2_total, layer3_total, total_score, signal)
        SELECT t, 'HK', date '2022-01-03' + g, 10, 20, 20, 50, 'WATCH' FROM generate_series(0, 99) g, unnest(ARRAY['PURGE', 'KEEP']) t;
      INSERT INTO trades (ticker, region, trade_date, trade_type, quantity, price, total_amount) VALUES ('PURGE', 'HK', '2022-02-01', 'BUY', 1, 10, 10);
      INSERT INTO portfolio (ticker, region, quantity, avg_buy_price, entry_date) VALUES ('PURGE', 'HK', 1, 10, '2022-02-01');`)
    if (target.timescale) {
      expect(await db().ops.compress('ohlcv_data', { olderThan: '90 days' })).toBeGreaterThan(0)
      expect(await db().ops.compress('factor_scores', { olderThan: '90 days' })).toBeGreaterThan(0)
    }
    const deleted = await db().tickers.purge({ ticker: 'PURGE', region: 'HK' })
    expect(deleted).toEqual({ deleted: 203, tables: { ohlcvData: 100, factorScores: 100, trades: 1, portfolio: 1, tickers: 1 } })
    for (const table of ['ohlcv_data', 'factor_scores', 'trades', 'portfolio', 'tickers']) {
      expect(await db().query(`SELECT count(*)::int AS n FROM ${table} WHERE ticker = 'PURGE'`), table).toEqual([{ n: 0 }])
    }
    expect(await db().query(`SELECT count(*)::int AS n FROM factor_scores WHERE ticker = 'KEEP'`)).toEqual([{ n: 100 }])
  })
  it('works inside qdb.transaction(): reads its own writes, and a rollback undoes upsert, delist and purge', async () => {
    await db().tickers.upsert([{ ticker: 'TXK', region: 'CN', sector: 'Retail', listedDate: '2010-01-04' }])
    const e = await db().transaction(async (tx) => {
      await tx.tickers.upsert([{ ticker: 'TXN', region: 'CN', sector: 'Retail' }, { ticker: 'TXK', region: 'CN', sector: 'Food' }])
      expect(await tx.tickers.get({ ticker: 'TXN', region: 'CN' })).toMatchObject({ sector: 'Retail' })
      expect((await tx.tickers.list({ region: 'CN', sector: 'Food' })).map((t) => t.ticker)).toEqual(['TXK'])
      await tx.tickers.delist({ ticker: 'TXK', region: 'CN', delistedDate: '2024-01-31' })
      expect((await tx.tickers.universeAsOf({ date: '2024-02-01', region: 'CN' })).map((t) => t.ticker)).toEqual(['TXN'])
      expect(await tx.tickers.purge({ ticker: 'TXN', region: 'CN' })).toMatchObject({ tables: { tickers: 1 } })
      throw new Error('abort')
    }).catch((x: unknown) => x)
    expect((e as Error).message).toBe('abort')
    expect(await db().tickers.find({ ticker: 'TXN', region: 'CN' })).toBeUndefined()
    expect(await db().tickers.get({ ticker: 'TXK', region: 'CN' })).toMatchObject({ sector: 'Retail', isActive: true, delistedDate: null })

    // Committed: the same calls take effect.
    await db().transaction(async (tx) => {
      await tx.tickers.upsert([{ ticker: 'TXN', region: 'CN', sector: 'Retail' }])
      await tx.tickers.delist({ ticker: 'TXK', region: 'CN', delistedDate: '2024-01-31' })
    })
    expect(await db().tickers.get({ ticker: 'TXN', region: 'CN' })).toMatchObject({ sector: 'Retail' })
    expect(await db().tickers.get({ ticker: 'TXK', region: 'CN' })).toMatchObject({ isActive: false, delistedDate: '2024-01-31' })
  })

  it('upserts more rows than one statement can bind (11 columns x 7,000 rows > 65,534 parameters)', async () => {
    // postgres.js refuses a statement of 65,534 parameters or more: this passes on the server only
    // because the rows are split into statements under the limit.
    const rows = Array.from({ length: 7_000 }, (_, i) => ({
      ticker: `BULK${String(i).padStart(5, '0')}`, region: 'VN', market: 'HOSE', sector: `S${i % 7}`, industry: 'I',
      marketCap: 1_000_000 + i, listedDate: '2015-01-05', delistedDate: null, isActive: true, metadata: { i },
    }))
    expect(await db().tickers.upsert(rows)).toEqual({ inserted: 7_000, updated: 0, unchanged: 0, rejected: 0, rejectedRows: [] })
    expect(await db().tickers.upsert(rows.map((r) => ({ ...r, marketCap: r.marketCap + 1 })))).toEqual({ inserted: 0, updated: 7_000, unchanged: 0, rejected: 0, rejectedRows: [] })
    const [sum] = await db().query<{ n: number; caps: string }>(
      `SELECT count(*)::int AS n, sum(market_cap)::text AS caps FROM tickers WHERE region = 'VN' AND ticker LIKE 'BULK%'`)
    // Σ (1,000,001 + i) for i = 0..6,999 = 7,000 × 1,000,001 + 6,999 × 7,000 / 2 = 7,000,007,000 + 24,496,500.
    expect(sum).toEqual({ n: 7_000, caps: '7024503500' })
    expect((await db().tickers.list({ region: 'VN', metadata: { i: 6_999 } })).map((t) => t.ticker)).toEqual(['BULK06999'])
  })

  it("onInvalid: 'skip' writes the good rows and returns the bad ones and the duplicates; every option is checked", async () => {
    const result = await db().tickers.upsert([
      { ticker: 'SKP1', region: 'JP' },
      { ticker: 'SKP2', region: 'EU' },
      { ticker: 'SKP1', region: 'JP', sector: 'Dup' },
    ], { onInvalid: 'skip' })
    expect(result).toMatchObject({ inserted: 1, updated: 0, unchanged: 0, rejected: 2 })
    expect(result.rejectedRows.map((r) => [r.row, r.issues[0]!.field])).toEqual([[1, 'region'], [2, 'ticker']])
    expect(await db().tickers.get({ ticker: 'SKP1', region: 'JP' })).toMatchObject({ sector: null })
    for (const bad of [{ limit: -1 }, { limit: 0 }, { offset: -1 }, { region: 'EU' }, { orderBy: 'cap' }]) {
      await expect(db().tickers.list(bad as never), JSON.stringify(bad)).rejects.toBeInstanceOf(ValidationError)
    }
    await expect(db().tickers.find({ ticker: '', region: 'KR' })).rejects.toBeInstanceOf(ValidationError)
    await expect(db().tickers.purge({ ticker: 'SKP1', region: 'EU' })).rejects.toBeInstanceOf(ValidationError)
    await expect(db().tickers.upsert([], { onInvalid: 'ignore' } as never)).rejects.toBeInstanceOf(ValidationError)
  })
})
