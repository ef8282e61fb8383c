import { expect, it } from 'vitest'
import { ValidationError, type OhlcvBarInput } from '../../src/index.js'
import { forEachTarget } from '../helpers/targets.js'

/** A valid bar; high and low default to a range around open and close. */
function bar(ticker: string, date: string, over: Partial<OhlcvBarInput> = {}): OhlcvBarInput {
  const open = over.open ?? 100
  const close = over.close ?? 105
  return { ticker, region: 'KR', date, open, high: Math.max(110, open, close), low: Math.min(90, open, close), close, volume: 1_000, ...over }
}

forEachTarget('ohlcv', (target, db) => {
  const count = async (ticker: string) =>
    (await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM ohlcv_data WHERE ticker = $1`, [ticker]))[0]!.n

  it('round-trips every field', async () => {
    const input: OhlcvBarInput[] = [
      bar('RT', '2024-03-04', {
        open: 70_000.1234, high: 71_500.5, low: 69_800.0001, close: 71_000, volume: 9_007_199_254_740_991, adjustedClose: 35_500.0625,
      }),
      bar('RT', '2024-03-05', {
        timeframe: 'daily', open: 0.0001, high: 99_999_999_999.9999, low: 0.0001, close: 12.3456, volume: 0, adjustedClose: null,
        ma5: 1.5, ma20: 2.25, ma60: 3.125, ma120: 4.0625, ma200: 5.5, rsi: 99.9999, macd: -12.3456, macdSignal: -0.0001,
        bbUpper: 15.0001, bbMiddle: 12.5, bbLower: -2.75, atr: 0.1234,
      }),
    ]
    expect(await db().ohlcv.upsert(input)).toEqual({ inserted: 2, updated: 0, unchanged: 0, rejected: 0, rejectedRows: [] })
    const [a, b] = await db().ohlcv.range({ ticker: 'RT', region: 'KR', from: '2024-03-01', to: '2024-03-31' })
    expect(a).toMatchObject({
      ticker: 'RT', region: 'KR', date: '2024-03-04', timeframe: 'daily', open: 70_000.1234, high: 71_500.5, low: 69_800.0001,
      close: 71_000, volume: 9_007_199_254_740_991, adjustedClose: 35_500.0625,
      ma5: null, ma20: null, ma60: null, ma120: null, ma200: null, rsi: null, macd: null, macdSignal: null,
      bbUpper: null, bbMiddle: null, bbLower: null, atr: null,
    })
    expect(a!.lastUpdated).toBeInstanceOf(Date)
    expect(b).toMatchObject({
      date: '2024-03-05', open: 0.0001, high: 99_999_999_999.9999, low: 0.0001, close: 12.3456, volume: 0, adjustedClose: null,
      ma5: 1.5, ma20: 2.25, ma60: 3.125, ma120: 4.0625, ma200: 5.5, rsi: 99.9999, macd: -12.3456, macdSignal: -0.0001,
      bbUpper: 15.0001, bbMiddle: 12.5, bbLower: -2.75, atr: 0.1234,
    })
    // A bar carrying indicators writes all twelve: the ones it leaves out become NULL.
    await db().ohlcv.upsert([{ ...input[1]!, ma5: 9, ma20: undefined, rsi: undefined, macd: undefined, macdSignal: undefined,
      ma60: undefined, ma120: undefined, ma200: undefined, bbUpper: undefined, bbMiddle: undefined, bbLower: undefined, atr: undefined }])
    const [, b2] = await db().ohlcv.range({ ticker: 'RT', region: 'KR', from: '2024-03-01', to: '2024-03-31' })
    expect(b2).toMatchObject({ close: 12.3456, ma5: 9, ma20: null, rsi: null, macdSignal: null, atr: null })
    // Stored at the column's 4 decimals.
    await db().ohlcv.upsert([bar('RT', '2024-03-06', { close: 100.12345, open: 100.00004 })])
    const [c] = await db().ohlcv.range({ ticker: 'RT', region: 'KR', from: '2024-03-06', to: '2024-03-06' })
    expect(c).toMatchObject({ close: 100.1235, open: 100 })
  })

  it('re-ingest is idempotent; changes update and refresh last_updated; omitted fields keep their value', async () => {
    const first = [bar('IDEM', '2024-04-01', { adjustedClose: 50, rsi: 40 }), bar('IDEM', '2024-04-02', { adjustedClose: 51 })]
    expect(await db().ohlcv.upsert(first)).toMatchObject({ inserted: 2, updated: 0, unchanged: 0 })
    const before = await db().ohlcv.range({ ticker: 'IDEM', region: 'KR', from: '2024-04-01', to: '2024-04-02' })
    expect(await db().ohlcv.upsert(first)).toMatchObject({ inserted: 0, updated: 0, unchanged: 2 })
    const again = await db().ohlcv.range({ ticker: 'IDEM', region: 'KR', from: '2024-04-01', to: '2024-04-02' })
    expect(again).toEqual(before) // not rewritten: last_updated too

    // Changed close, no adjustedClose and no indicators given: those keep their stored values.
    const changed = [bar('IDEM', '2024-04-01', { close: 106 }), bar('IDEM', '2024-04-02', { adjustedClose: null }), bar('IDEM', '2024-04-03')]
    expect(await db().ohlcv.upsert(changed)).toMatchObject({ inserted: 1, updated: 2, unchanged: 0 })
    const after = await db().ohlcv.range({ ticker: 'IDEM', region: 'KR', from: '2024-04-01', to: '2024-04-03' })
    expect(after.map((r) => [r.close, r.adjustedClose, r.rsi])).toEqual([[106, 50, 40], [105, null, null], [105, null, null]])
    expect(after[0]!.lastUpdated!.getTime()).toBeGreaterThanOrEqual(before[0]!.lastUpdated!.getTime())
    expect(after[0]!.lastUpdated).not.toEqual(before[0]!.lastUpdated)
    expect(await count('IDEM')).toBe(3)
  })

  it('a bad bar rejects the call naming row and field, and writes nothing', async () => {
    const cases: [Partial<OhlcvBarInput> & Record<string, unknown>, string][] = [
      [{ high: 80 }, 'high'], [{ low: 106 }, 'low'], [{ open: -1 }, 'open'], [{ close: Number.NaN, high: 110, low: 90 }, 'close'],
      [{ volume: -5 }, 'volume'], [{ volume: 2 ** 60 }, 'volume'], [{ date: '2024-13-01' }, 'date'],
      [{ region: 'XX' }, 'region'], [{ ticker: 'X'.repeat(21) }, 'ticker'], [{ adjustedClose: 0 }, 'adjustedClose'],
      [{ high: 1e15 }, 'high'], [{ date: '2024-05-01' }, 'date'] /* duplicate of row 0 */,
      [{ open: 0.00004, low: 0.00004 }, 'open'], // rounds to 0 at NUMERIC(18, 4)
      [{ open: Number.POSITIVE_INFINITY }, 'open'], [{ volume: 1.5 }, 'volume'], [{ volume: '1000' as never }, 'volume'],
      [{ date: '2024-5-2' }, 'date'], [{ date: '2024-02-30' }, 'date'], [{ date: '2024-05-02T00:00:00Z' }, 'date'],
      [{ timeframe: '' }, 'timeframe'], [{ timeframe: 'x'.repeat(11) }, 'timeframe'], [{ ticker: 'BAD ' }, 'ticker'],
      [{ adjustedClose: -1 }, 'adjustedClose'], [{ rsi: 100.5 }, 'rsi'], [{ rsi: -0.1 }, 'rsi'], [{ atr: -1 }, 'atr'],
      [{ ma200: 1e15 }, 'ma200'], [{ macd: Number.NaN }, 'macd'], [{ vwap: 101 }, '(row)'],
    ]
    for (const [over, field] of cases) {
      const error = await db().ohlcv.upsert([bar('BAD', '2024-05-01'), bar('BAD', '2024-05-02', over)]).catch((e: unknown) => e)
      expect(error, JSON.stringify(over)).toBeInstanceOf(ValidationError)
      expect((error as ValidationError).issues[0], JSON.stringify(over)).toMatchObject({ row: 1, field })
      expect((error as ValidationError).message).toContain(`row 1, field '${field}'`)
    }
    expect(await count('BAD')).toBe(0)
  })

  it('each OHLC rule of the spec (chk_ohlcv_*) is checked on its own, on the field that breaks it', async () => {
    // Each bar breaks exactly one CHECK of spec 5.2 (high >= low is never broken alone: a price between
    // them would break another), so exactly one issue must come back, with that rule's message.
    const cases: [Partial<OhlcvBarInput>, string, string][] = [
      [{ open: 115, close: 105, high: 110, low: 90 }, 'high', 'must be >= open'],
      [{ open: 100, close: 115, high: 110, low: 90 }, 'high', 'must be >= close'],
      [{ open: 85, close: 105, high: 110, low: 90 }, 'low', 'must be <= open'],
      [{ open: 100, close: 85, high: 110, low: 90 }, 'low', 'must be <= close'],
      [{ volume: -1 }, 'volume', 'must not be negative'],
    ]
    for (const [over, field, message] of cases) {
      const error = await db().ohlcv.upsert([bar('RULE', '2024-05-01'), bar('RULE', '2024-05-02', over)]).catch((e: unknown) => e)
      expect(error, JSON.stringify(over)).toBeInstanceOf(ValidationError)
      expect((error as ValidationError).issues).toEqual([{ row: 1, field, message }])
    }
    const crossed = await db().ohlcv.upsert([bar('RULE', '2024-05-02', { open: 100, close: 100, high: 80, low: 120 })]).catch((e: unknown) => e)
    expect((crossed as ValidationError).issues).toContainEqual({ row: 0, field: 'high', message: 'must be >= low' })
    // Equal prices everywhere (a limit-locked day) break no rule.
    expect(await db().ohlcv.upsert([bar('RULE', '2024-05-03', { open: 100, high: 100, low: 100, close: 100 })])).toMatchObject({ inserted: 1 })
    expect(await count('RULE')).toBe(1)
    // Skip mode reports every issue of a bad row, and still writes nothing for it.
    const skipped = await db().ohlcv.upsert([bar('RULE', '2024-05-06', { open: 120, close: 80, high: 110, low: 90 })], { onInvalid: 'skip' })
    expect(skipped.rejectedRows[0]!.issues.map((i) => [i.field, i.message])).toEqual([['high', 'must be >= open'], ['low', 'must be <= close']])
    expect(await count('RULE')).toBe(1)
  })

  it('never sends one statement over the parameter limit (22 columns x 3,100 bars, every strategy)', async () => {
    // With indicators a bar binds 22 values in the 'values' strategy: 3,100 bars would be 68,200
    // parameters in one statement, which postgres.js refuses (>= 65,534). The batches keep each under it.
    const days = Array.from({ length: 3_100 }, (_, i) => new Date(Date.UTC(2000, 0, 3 + i)).toISOString().slice(0, 10))
    for (const strategy of ['values', 'unnest', 'copy'] as const) {
      const ticker = `PARAMS_${strategy}`
      const bars = days.map((d, i) => bar(ticker, d, {
        close: 100 + (i % 10), ma5: i, ma20: 1, ma60: 2, ma120: 3, ma200: 4, rsi: 50, macd: -1, macdSignal: 1,
        bbUpper: 120, bbMiddle: 100, bbLower: 80, atr: 2, adjustedClose: 50,
      }))
      expect(await db().ohlcv.upsert(bars, { strategy }), strategy).toMatchObject({ inserted: 3_100, updated: 0, unchanged: 0 })
      const [sums] = await db().query<{ n: number; close: string; ma5: string }>(
        `SELECT count(*)::int AS n, sum(close)::text AS close, sum(ma5)::text AS ma5 FROM ohlcv_data WHERE ticker = $1`, [ticker])
      // close: 310 full cycles of 100..109 → 310 × 1,045 = 323,950; ma5: 0 + 1 + … + 3,099 = 3,099 × 3,100 / 2 = 4,803,450.
      expect(sums, strategy).toEqual({ n: 3_100, close: '323950.0000', ma5: '4803450.0000' })
    }
  })

  it('skip mode writes the good bars and reports the bad ones', async () => {
    const bars = [bar('SKIP', '2024-05-01'), bar('SKIP', '2024-05-02', { high: 1 }), bar('SKIP', '2024-05-03'), bar('SKIP', '2024-05-03')]
    const result = await db().ohlcv.upsert(bars, { onInvalid: 'skip' })
    expect(result).toMatchObject({ inserted: 2, updated: 0, unchanged: 0, rejected: 2 })
    expect(result.rejectedRows.map((r) => [r.row, r.issues[0]!.field])).toEqual([[1, 'high'], [3, 'date']])
    expect(result.rejectedRows[0]!.input).toBe(bars[1])
    expect((await db().ohlcv.range({ ticker: 'SKIP', region: 'KR', from: '2024-05-01', to: '2024-05-31' })).map((r) => r.date)).toEqual(['2024-05-01', '2024-05-03'])
  })

  it('every ingest strategy and batch size gives the same result, with progress reported', async () => {
    for (const strategy of ['copy', 'unnest', 'values'] as const) {
      const ticker = `STRAT_${strategy}`
      const bars = Array.from({ length: 25 }, (_, i) => bar(ticker, `2024-06-${String(i + 1).padStart(2, '0')}`, { close: 100 + i / 4, high: 120 }))
      const progress: number[] = []
      const first = await db().ohlcv.upsert(bars.slice(0, 20), { strategy, batchSize: 7, onProgress: (p) => progress.push(p.written) })
      expect(first).toMatchObject({ inserted: 20, updated: 0, unchanged: 0 })
      expect(progress).toEqual([7, 14, 20])
      const second = await db().ohlcv.upsert(bars.map((b, i) => (i < 5 ? { ...b, volume: 7 } : b)), { strategy, batchSize: 7 })
      expect(second, strategy).toMatchObject({ inserted: 5, updated: 5, unchanged: 15 })
      const stored = await db().ohlcv.range({ ticker, region: 'KR', from: '2024-06-01', to: '2024-06-30' })
      expect(stored.map((r) => r.close)).toEqual(bars.map((b) => b.close))
      expect(stored.map((r) => r.volume)).toEqual(bars.map((_, i) => (i < 5 ? 7 : 1_000)))
    }
  })

  it('takes part in a transaction: a rollback leaves no bar', async () => {
    await expect(db().transaction(async (tx) => {
      await tx.ohlcv.upsert([bar('TXN', '2024-07-01')])
      throw new Error('abort')
    })).rejects.toThrow('abort')
    expect(await count('TXN')).toBe(0)
  })

  it('updates and inserts bars in compressed chunks (older than 90 days)', async () => {
    const old = Array.from({ length: 40 }, (_, i) => bar('COMP', `2023-01-${String((i % 28) + 1).padStart(2, '0')}`, { timeframe: i < 28 ? 'daily' : 'weekly' }))
    await db().ohlcv.upsert(old)
    if (target.timescale) {
      await db().query(`SELECT compress_chunk(c, if_not_compressed => TRUE) FROM show_chunks('ohlcv_data', older_than => INTERVAL '90 days') c`)
      const [row] = await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM timescaledb_information.chunks
        WHERE hypertable_name = 'ohlcv_data' AND is_compressed AND range_start <= '2023-01-15' AND range_end > '2023-01-15'`)
      expect(row!.n).toBe(1)
    }
    const result = await db().ohlcv.upsert([
      bar('COMP', '2023-01-05', { close: 99.5, low: 80 }), bar('COMP', '2023-01-06', { volume: 5 }),
      bar('COMP', '2023-01-07'), bar('COMP', '2023-01-29', { open: 95 }),
    ])
    expect(result).toMatchObject({ inserted: 1, updated: 2, unchanged: 1 })
    const stored = await db().ohlcv.range({ ticker: 'COMP', region: 'KR', from: '2023-01-04', to: '2023-01-30' })
    expect(stored).toHaveLength(26)
    const on = (date: string) => stored.find((r) => r.date === date)
    expect(on('2023-01-04')).toMatchObject({ open: 100, low: 90, close: 105, volume: 1_000 })
    expect(on('2023-01-05')).toMatchObject({ open: 100, low: 80, close: 99.5, volume: 1_000 })
    expect(on('2023-01-06')).toMatchObject({ open: 100, low: 90, close: 105, volume: 5 })
    expect(on('2023-01-29')).toMatchObject({ open: 95, low: 90, close: 105, volume: 1_000 })
    expect(await count('COMP')).toBe(41)
  })

  it('latest: newest first, limited, per timeframe', async () => {
    const days = Array.from({ length: 30 }, (_, i) => `2024-08-${String(i + 1).padStart(2, '0')}`)
    await db().ohlcv.upsert([...days.map((d, i) => bar('LAST', d, { close: 100 + i })), bar('LAST', '2024-08-31', { timeframe: 'weekly' })])
    const latest = await db().ohlcv.recent({ ticker: 'LAST', region: 'KR', limit: 5 })
    expect(latest.map((r) => [r.date, r.close])).toEqual([
      ['2024-08-30', 129], ['2024-08-29', 128], ['2024-08-28', 127], ['2024-08-27', 126], ['2024-08-26', 125],
    ])
    expect(await db().ohlcv.recent({ ticker: 'LAST', region: 'KR' })).toHaveLength(30)
    expect((await db().ohlcv.recent({ ticker: 'LAST', region: 'KR', timeframe: 'weekly' })).map((r) => r.date)).toEqual(['2024-08-31'])
    expect(await db().ohlcv.recent({ ticker: 'NONE', region: 'KR' })).toEqual([])
    await expect(db().ohlcv.recent({ ticker: 'LAST', region: 'KR', limit: 0 })).rejects.toBeInstanceOf(ValidationError)

    // Up to today: 300 weekdays (the recent-window path), and a ticker with only its 3 latest bars recent.
    const weekdays: string[] = []
    for (let t = Date.now(); weekdays.length < 300; t -= 86_400_000) {
      const d = new Date(t)
      if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) weekdays.push(d.toISOString().slice(0, 10))
    }
    await db().ohlcv.upsert([
      ...weekdays.map((d, i) => bar('NOW', d, { volume: i })),
      ...weekdays.slice(0, 3).map((d, i) => bar('OLDNEW', d, { volume: i })),
      ...['2001-05-02', '2001-05-03'].map((d, i) => bar('OLDNEW', d, { volume: 100 + i })),
    ])
    const now = await db().ohlcv.recent({ ticker: 'NOW', region: 'KR' })
    expect(now.map((r) => r.volume)).toEqual(Array.from({ length: 250 }, (_, i) => i))
    expect((await db().ohlcv.recent({ ticker: 'NOW', region: 'KR', limit: 300 })).map((r) => r.date)).toEqual(weekdays)
    expect((await db().ohlcv.recent({ ticker: 'OLDNEW', region: 'KR', limit: 4 })).map((r) => r.volume)).toEqual([0, 1, 2, 101])
  })

  it('latest returns every field exactly as range does (indicators, timestamps and all), in and out of a transaction', async () => {
    const days = Array.from({ length: 40 }, (_, i) => new Date(Date.UTC(2024, 9, 1 + i)).toISOString().slice(0, 10))
    await db().ohlcv.upsert(days.map((d, i) => bar('SAME', d, { close: 100 + i / 8, adjustedClose: 50 + i / 16, volume: 2 ** 40 + i })))
    await db().ohlcv.recomputeIndicators({ region: 'KR', tickers: ['SAME'] })
    const viaRange = (await db().ohlcv.range({ ticker: 'SAME', region: 'KR', from: '2024-01-01', to: '2024-12-31' })).reverse().slice(0, 25)
    expect(viaRange[0]?.ma20).toEqual(expect.any(Number))
    expect(viaRange[0]?.lastUpdated).toBeInstanceOf(Date)
    expect(await db().ohlcv.recent({ ticker: 'SAME', region: 'KR', limit: 25 })).toEqual(viaRange)
    expect(await db().transaction((tx) => tx.ohlcv.recent({ ticker: 'SAME', region: 'KR', limit: 25 }))).toEqual(viaRange)
  })

  it('panel aligns tickers on the union calendar with NaN in the gaps', async () => {
    await db().ohlcv.upsert([
      bar('PA', '2024-09-02', { close: 10, volume: 1 }), bar('PA', '2024-09-03', { close: 11, volume: 2, adjustedClose: 5.5 }),
      bar('PA', '2024-09-05', { close: 13, volume: 3 }),
      bar('PB', '2024-09-03', { close: 20, volume: 4 }), bar('PB', '2024-09-04', { close: 21, volume: 5 }),
      bar('PB', '2024-08-30', { close: 99 }), bar('PB', '2024-09-09', { close: 99 }), // outside the range
      bar('PA', '2024-09-04', { close: 99, timeframe: 'weekly' }), // another timeframe
      { ...bar('PA', '2024-09-04', { close: 99 }), region: 'US' }, // another region
    ])
    const p = await db().ohlcv.panel({
      tickers: ['PB', 'PA', 'PNONE', 'PA'], region: 'KR', from: '2024-09-01', to: '2024-09-08', fields: ['close', 'volume', 'adjustedClose'],
    })
    const N = Number.NaN
    expect(p.dates).toEqual(['2024-09-02', '2024-09-03', '2024-09-04', '2024-09-05'])
    expect(p.tickers).toEqual(['PB', 'PA', 'PNONE'])
    expect(p.fields.close.map((a) => [...a])).toEqual([[N, 20, 21, N], [10, 11, N, 13], [N, N, N, N]])
    expect(p.fields.volume.map((a) => [...a])).toEqual([[N, 4, 5, N], [1, 2, N, 3], [N, N, N, N]])
    expect([...p.fields.adjustedClose[1]!]).toEqual([N, 5.5, N, N])
    expect(p.fields.close[0]).toBeInstanceOf(Float64Array)
    expect([...p.matrix.close]).toEqual([N, 20, 21, N, 10, 11, N, 13, N, N, N, N])

    const onCalendar = await db().ohlcv.panel({
      tickers: ['PA'], region: 'KR', from: '2024-09-01', to: '2024-09-08', calendar: ['2024-09-03', '2024-09-04', '2024-09-06'],
    })
    expect(onCalendar.dates).toEqual(['2024-09-03', '2024-09-04', '2024-09-06'])
    expect([...onCalendar.fields.close[0]!]).toEqual([11, N, N])
    await expect(db().ohlcv.panel({ tickers: ['PA'], region: 'KR', from: '2024-09-08', to: '2024-09-01' })).rejects.toBeInstanceOf(ValidationError)
  })

  it("panel values are exactly the server's numeric::float8, for any ticker text", async () => {
    // Awkward tickers (the panel's COPY writes them as literals), and values across magnitudes: 4
    // decimals near 2^53 when scaled (99,999,999,999.9999), negatives, NULLs, a volume of 2^53 - 1.
    const tickers = ["Q'T\\1", 'Q"T,2']
    let seed = 7
    const random = () => ((seed = (seed * 16_807) % 2_147_483_647) / 2_147_483_647)
    const input: OhlcvBarInput[] = []
    for (let d = 0; d < 40; d++) {
      const date = new Date(Date.UTC(2023, 0, 2 + d)).toISOString().slice(0, 10)
      for (const [t, ticker] of tickers.entries()) {
        const price = Math.round(random() * 10 ** (1 + (d % 8)) * 10_000) / 10_000 + 0.0001
        input.push(bar(ticker, date, {
          open: price, close: price, high: d === 3 ? 99_999_999_999.9999 : price * 2, low: price / 2,
          volume: d === 5 ? 9_007_199_254_740_991 : Math.floor(random() * 1e9),
          adjustedClose: d % 4 === t ? null : Math.round(price * 3_333) / 10_000,
          ...(d % 2 === 0 ? { macd: -Math.round(random() * 1e8) / 1e4, rsi: 99.9999 } : {}),
        }))
      }
    }
    await db().ohlcv.upsert(input)
    const fields = ['open', 'high', 'close', 'volume', 'adjustedClose', 'macd', 'rsi'] as const
    const p = await db().ohlcv.panel({ tickers, region: 'KR', from: '2023-01-01', to: '2023-03-31', fields: [...fields] })
    expect(p.dates).toHaveLength(40)
    const server = await db().query<Record<string, unknown>>(
      `SELECT ticker, open::float8 AS open, high::float8 AS high, close::float8 AS close, volume::float8 AS volume,
         adjusted_close::float8 AS "adjustedClose", macd::float8 AS macd, rsi::float8 AS rsi
       FROM ohlcv_data WHERE ticker = ANY($1::varchar[]) AND region = 'KR' ORDER BY ticker, date`, [`{"Q'T\\\\1","Q\\"T,2"}`])
    expect(server).toHaveLength(80)
    for (const [t, ticker] of tickers.entries()) {
      const mine = server.filter((r) => r['ticker'] === ticker)
      for (const f of fields) {
        expect([...p.fields[f][t]!]).toEqual(mine.map((r) => (r[f] === null ? Number.NaN : Number(r[f]))))
      }
    }
    expect(p.fields.high[0]![3]).toBe(99_999_999_999.9999)
    expect(p.fields.volume[1]![5]).toBe(9_007_199_254_740_991)
    // A timeframe with quotes is a value like any other: no bars, no error.
    const none = await db().ohlcv.panel({ tickers, region: 'KR', from: '2023-01-01', to: '2023-03-31', timeframe: "x'\\" })
    expect(none.dates).toEqual([])
  })

  it('dailySummary reads the aggregate after a refresh', async () => {
    await db().ohlcv.upsert([
      { ...bar('S1', '2024-10-01', { close: 100, volume: 10, high: 200 }), region: 'VN' },
      { ...bar('S2', '2024-10-01', { close: 200, volume: 30, high: 200 }), region: 'VN' },
      { ...bar('S1', '2024-10-02', { close: 150, volume: 5, high: 200 }), region: 'VN' },
      { ...bar('S1', '2024-10-02', { close: 150, volume: 5, high: 200 }), region: 'VN', timeframe: 'weekly' },
    ])
    const rows = await db().ohlcv.dailySummary({ region: 'VN', from: '2024-10-01', to: '2024-10-31', refresh: true })
    expect(rows.map(({ day, region, nTickers, avgClose, avgVolume, totalVolume, avgRsi }) =>
      ({ day, region, nTickers, avgClose, avgVolume, totalVolume, avgRsi }))).toEqual([
      { day: '2024-10-01', region: 'VN', nTickers: 2, avgClose: 150, avgVolume: 20, totalVolume: 40, avgRsi: null },
      { day: '2024-10-02', region: 'VN', nTickers: 1, avgClose: 150, avgVolume: 5, totalVolume: 5, avgRsi: null },
    ])
    // A later bar shows: dailySummary refreshes its window by default, as monthlyPerformance and performance do.
    await db().ohlcv.upsert([{ ...bar('S2', '2024-10-02', { close: 50, volume: 15, high: 200, low: 40 }), region: 'VN' }])
    const [, day2] = await db().ohlcv.dailySummary({ region: 'VN', from: '2024-10-01', to: '2024-10-31' })
    expect(day2).toMatchObject({ nTickers: 2, avgClose: 100, totalVolume: 20 })
    expect(await db().ohlcv.refreshDailySummary({ from: '2024-10-02', to: '2024-10-02' })).toBe(true)
    await expect(db().ohlcv.refreshDailySummary({ from: '2024-10-32' })).rejects.toBeInstanceOf(ValidationError)
    // TimescaleDB refreshes continuous aggregates only outside a transaction: there every refresh says
    // false, as factors.refreshMonthlyPerformance does. Plain mode refreshes inside one, and the
    // transaction then reads its own bar: day 2 = S1 150 (vol 5), S2 50 (15), S3 250 (25)
    // → 3 tickers, avg close (150 + 50 + 250) / 3 = 150, volume 45 in all, 15 on average.
    const inTx = await db().transaction(async (tx) => {
      await tx.ohlcv.upsert([{ ...bar('S3', '2024-10-02', { close: 250, volume: 25, high: 260 }), region: 'VN' }])
      const refreshed = await tx.ohlcv.refreshDailySummary({ from: '2024-10-02', to: '2024-10-02' })
      const monthly = await tx.factors.refreshMonthlyPerformance()
      const days = await tx.ohlcv.dailySummary({ region: 'VN', from: '2024-10-02', to: '2024-10-02', refresh: false })
      return { refreshed, monthly, days }
    })
    const day2With3 = { day: '2024-10-02', nTickers: 3, avgClose: 150, avgVolume: 15, totalVolume: 45 }
    expect([inTx.refreshed, inTx.monthly]).toEqual(target.timescale ? [false, false] : [true, true])
    if (!target.timescale) expect(inTx.days).toEqual([expect.objectContaining(day2With3)])
    // Committed: dailySummary refreshes by default, so everyone reads the new bar now.
    expect(await db().ohlcv.dailySummary({ region: 'VN', from: '2024-10-02', to: '2024-10-02' })).toEqual([expect.objectContaining(day2With3)])
  })
})
