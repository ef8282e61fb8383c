import { expect, it } from 'vitest'
import { QuantDbError, ValidationError } from '../../src/index.js'
import { topSignalsQuery } from '../../src/repos/factors/queries.js'
import type { FactorScoreInput } from '../../src/repos/factors.js'
import { factorScores, tickers } from '../../src/schema/index.js'
import type { TestDb } from '../../src/testing/index.js'
import { checkFactorScores } from '../../src/validation/factors.js'
import { forEachTarget } from '../helpers/targets.js'

// Layer 1: 8 + 7.5 + 6 = 21.5; layer 2: 15 + 12 + 10 = 37; layer 3: 9 + 6 + 8 = 23; total 81.5.
const PARTS = {
  marketRegimeScore: 8, volumeProfileScore: 7.5, priceActionScore: 6,
  stageAnalysisScore: 15, movingAverageScore: 12, relativeStrengthScore: 10,
  patternRecognitionScore: 9, volumeSpikeScore: 6, momentumScore: 8,
}

async function addTickers(db: TestDb, codes: readonly string[], region = 'KR'): Promise<void> {
  await db.db.insert(tickers).values(codes.map((ticker) => ({ ticker, region }))).onConflictDoNothing()
}

/** A row scored only by its layer totals: `total` split 25% / 45% / 30%, rounded to the cent. */
function scored(ticker: string, region: string, calculationDate: string, total: number, signal: 'BUY' | 'WATCH' | 'AVOID'): FactorScoreInput {
  const l1 = Math.round(total * 25) / 100
  const l2 = Math.round(total * 45) / 100
  const l3 = Math.round((total - l1 - l2) * 100) / 100
  return { ticker, region, calculationDate, layer1Total: l1, layer2Total: l2, layer3Total: l3, signal }
}

const plan = (rows: Record<string, unknown>[]): string => JSON.stringify(rows.map((r) => r['QUERY PLAN']))

forEachTarget('factors', (target, db) => {
  it('round-trips a row with computed totals, and replaces it on a second upsert', async () => {
    await addTickers(db(), ['005930'])
    const row: FactorScoreInput = {
      ticker: '005930', region: 'KR', calculationDate: '2024-06-28', ...PARTS, signal: 'BUY',
      peRatio: 12.4567, pbRatio: 1.2, momentum12m: -0.35, rsiFactor: 55.5, roe: 0.18, debtEquity: 0.42,
      volatilityFactor: 0.27, marketCapFactor: 26.8, calculationMetadata: { model: 'v3', universe: ['KOSPI'], weights: { value: 0.2 } },
    }
    expect(await db().factors.upsert([row])).toEqual({ inserted: 1, updated: 0, rejected: 0, rejectedRows: [] })
    const stored = await db().factors.get('005930', 'KR', '2024-06-28')
    expect(stored).toMatchObject({
      ...row, layer1Total: 21.5, layer2Total: 37, layer3Total: 23, totalScore: 81.5,
    })
    expect(stored.lastUpdated).toBeInstanceOf(Date)

    // A recalculation replaces the whole row: omitted fields become NULL.
    const again = await db().factors.upsert([{ ticker: '005930', region: 'KR', calculationDate: '2024-06-28', layer1Total: 20, layer2Total: 30, layer3Total: 10, signal: 'WATCH' }])
    expect(again).toMatchObject({ inserted: 0, updated: 1 })
    const replaced = await db().factors.get('005930', 'KR', '2024-06-28')
    expect(replaced).toMatchObject({ totalScore: 60, signal: 'WATCH', marketRegimeScore: null, peRatio: null, calculationMetadata: null })
    expect(replaced.lastUpdated!.getTime()).toBeGreaterThanOrEqual(stored.lastUpdated!.getTime())
    expect(await db().factors.find('005930', 'KR', '1999-01-01')).toBeUndefined()
    await expect(db().factors.get('005930', 'KR', '1999-01-01')).rejects.toMatchObject({ reason: 'not_found', key: { ticker: '005930', region: 'KR', calculationDate: '1999-01-01' } })
  })

  it('rejects a bad row naming row and field, writing nothing; skip mode writes the rest', async () => {
    await addTickers(db(), ['000660', '035420'])
    const good = { ticker: '000660', region: 'KR', calculationDate: '2024-05-31', ...PARTS }
    const cases: [Partial<FactorScoreInput> & Record<string, unknown>, string][] = [
      [{ totalScore: 80 }, 'totalScore'],
      [{ layer2Total: 36 }, 'layer2Total'],
      [{ marketRegimeScore: 26 }, 'marketRegimeScore'],
      [{ momentumScore: -1 }, 'momentumScore'],
      [{ signal: 'SELL' as never }, 'signal'],
      [{ peRatio: 1e7 }, 'peRatio'],
      [{ region: 'XX' }, 'region'],
      // Layer maxima 25 / 45 / 30, on a sub-score and on a given total.
      [{ stageAnalysisScore: 45.01 }, 'stageAnalysisScore'],
      [{ momentumScore: 30.5 }, 'momentumScore'],
      [{ marketRegimeScore: null, volumeProfileScore: null, priceActionScore: null, layer1Total: 25.01 }, 'layer1Total'],
      [{ stageAnalysisScore: null, movingAverageScore: null, relativeStrengthScore: null, layer2Total: 46 }, 'layer2Total'],
      [{ patternRecognitionScore: null, volumeSpikeScore: null, momentumScore: null, layer3Total: 31 }, 'layer3Total'],
      // Parts summing past the maximum: 25 + 25 + 1 = 51 > 45 (each part alone is within it).
      [{ stageAnalysisScore: 25, movingAverageScore: 19, relativeStrengthScore: 1.01 }, 'layer2Total'],
      // A total omitted needs all three parts; a given total below the sum of its given parts is wrong.
      [{ priceActionScore: null }, 'priceActionScore'],
      [{ volumeSpikeScore: null, layer3Total: 10 }, 'layer3Total'], // 9 + 8 = 17 > 10
      // total_score must be the sum of the layers (81.5 here), within 0..100.
      [{ totalScore: 81.52 }, 'totalScore'],
      [{ totalScore: 100.5 }, 'totalScore'],
      [{ totalScore: -1 }, 'totalScore'],
      [{ ticker: '' }, 'ticker'],
      [{ calculationDate: '2024-02-30' }, 'calculationDate'],
      [{ calculationMetadata: { weights: [Number.NaN] } }, 'calculationMetadata'],
      [{ roe: Number.POSITIVE_INFINITY }, 'roe'],
      [{ stars: 5 }, '(row)'],
      [{ ticker: '000660' }, 'calculationDate'], // same (ticker, region, calculationDate) as row 0
    ]
    for (const [patch, field] of cases) {
      const e = await db().factors.upsert([good, { ...good, ticker: '035420', ...patch }]).catch((x: unknown) => x)
      expect(e, JSON.stringify(patch)).toBeInstanceOf(ValidationError)
      expect((e as ValidationError).issues[0], JSON.stringify(patch)).toMatchObject({ row: 1, field })
      expect((e as ValidationError).message).toContain(`row 1, field '${field}'`)
    }
    // Rounded to cents first: 8.004 + 7.5 + 6 is stored 8 + 7.5 + 6 = 21.5, so a total of 21.5 is accepted.
    const rounded = await db().factors.upsert([{ ...good, ticker: '035420', calculationDate: '2024-05-30', marketRegimeScore: 8.004, layer1Total: 21.5 }])
    expect(rounded).toMatchObject({ inserted: 1 })
    expect(await db().factors.get('035420', 'KR', '2024-05-30')).toMatchObject({ marketRegimeScore: 8, layer1Total: 21.5, totalScore: 81.5 })
    const overflow = await db().factors.upsert([{ ...good, peRatio: 1e7 }]).catch((x: unknown) => x) as ValidationError
    expect(overflow.message).toBe("Invalid factor_scores: row 0, field 'peRatio': must be less than 1000000 in absolute value (NUMERIC(10, 4))")
    expect(await db().factors.find('000660', 'KR', '2024-05-31')).toBeUndefined()

    const skipped = await db().factors.upsert([good, { ...good, ticker: '035420', totalScore: 1 }], { onInvalid: 'skip' })
    expect(skipped).toMatchObject({ inserted: 1, updated: 0, rejected: 1 })
    expect(skipped.rejectedRows[0]).toMatchObject({ row: 1, issues: [{ row: 1, field: 'totalScore' }] })
    expect(await db().factors.find('035420', 'KR', '2024-05-31')).toBeUndefined()
  })

  it('is idempotent on (ticker, region, calculationDate): sending the same rows again changes nothing', async () => {
    await addTickers(db(), ['IDEM1', 'IDEM2'])
    const rows: FactorScoreInput[] = [
      { ticker: 'IDEM1', region: 'KR', calculationDate: '2024-07-01', ...PARTS, signal: 'BUY', roe: 0.12, calculationMetadata: { v: 1 } },
      scored('IDEM2', 'KR', '2024-07-01', 55.55, 'WATCH'),
    ]
    expect(await db().factors.upsert(rows)).toMatchObject({ inserted: 2, updated: 0 })
    const first = await db().factors.history('IDEM1', 'KR')
    const second = await db().factors.history('IDEM2', 'KR')
    expect(await db().factors.upsert(rows)).toMatchObject({ inserted: 0, updated: 2 })
    const strip = (xs: readonly Record<string, unknown>[]) => xs.map(({ lastUpdated: _, ...rest }) => rest)
    expect(strip(await db().factors.history('IDEM1', 'KR'))).toEqual(strip(first))
    expect(strip(await db().factors.history('IDEM2', 'KR'))).toEqual(strip(second))
    // 55.55 split 25% / 45% / 30%: 13.89 + 25.00 (24.9975 → 25.00) + 16.66 = 55.55.
    expect(second[0]).toMatchObject({ layer1Total: 13.89, layer2Total: 25, layer3Total: 16.66, totalScore: 55.55 })
    const [n] = await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM factor_scores WHERE ticker IN ('IDEM1', 'IDEM2')`)
    expect(n!.n).toBe(2)
  })

  it('writes large upserts in batches inside one transaction: all rows or none', async () => {
    const codes = Array.from({ length: 50 }, (_, i) => `B${String(i).padStart(3, '0')}`)
    await addTickers(db(), codes)
    const rows = codes.flatMap((t) => Array.from({ length: 60 }, (_, d) => scored(t, 'KR', `2023-0${1 + Math.floor(d / 28)}-${String(1 + (d % 28)).padStart(2, '0')}`, 50 + (d % 40), 'WATCH')))
    expect(rows).toHaveLength(3000)
    expect(await db().factors.upsert(rows)).toMatchObject({ inserted: 3000, updated: 0 })
    const changed = rows.slice(0, 1500).map((r) => ({ ...r, signal: 'AVOID' as const }))
    const fresh = codes.map((t) => scored(t, 'KR', '2023-04-01', 70, 'BUY'))
    expect(await db().factors.upsert([...changed, ...fresh])).toMatchObject({ inserted: 50, updated: 1500 })

    // The unknown ticker sits in the last batch: the foreign key refuses it and the earlier batches go too.
    const e = await db().factors.upsert([...codes.map((t) => scored(t, 'KR', '2023-05-01', 60, 'BUY')), ...rows.slice(0, 2500), scored('NOPE', 'KR', '2023-05-01', 60, 'BUY')])
      .catch((x: unknown) => x)
    expect(e).toBeInstanceOf(QuantDbError)
    expect((e as QuantDbError).reason).toBe('foreign_key_violation')
    expect((e as Error).message).not.toMatch(/Failed query|params|B000/) // no SQL, no bound values
    const [count] = await db().query<{ n: string | number }>(`SELECT count(*) AS n FROM factor_scores WHERE calculation_date = '2023-05-01'`)
    expect(Number(count!.n)).toBe(0)
  })

  it('writes more rows than one statement holds (5,000 embedded, 10,000 on a server): counts, all or nothing, savepoints', async () => {
    const codes = Array.from({ length: 1000 }, (_, i) => `X${String(i).padStart(4, '0')}`)
    await addTickers(db(), codes)
    const day = (d: number) => `2020-02-${String(d).padStart(2, '0')}`
    const daysOf = (from: number, to: number, total: (i: number, d: number) => number, signal: 'BUY' | 'WATCH' | 'AVOID') =>
      Array.from({ length: to - from + 1 }, (_, k) => from + k).flatMap((d) => codes.map((t, i) => scored(t, 'KR', day(d), total(i, d), signal)))
    const first = daysOf(1, 11, (i, d) => 40 + ((i + d) % 50), 'WATCH')
    expect(first).toHaveLength(11_000)
    expect(await db().factors.upsert(first)).toEqual({ inserted: 11_000, updated: 0, rejected: 0, rejectedRows: [] })

    // New rows first, then 6,000 changed ones: both counts cross batch boundaries.
    const fresh = daysOf(12, 12, () => 33.33, 'AVOID')
    const changed = daysOf(1, 6, (i, d) => 60 + ((i * 3 + d) % 30), 'BUY')
    expect(await db().factors.upsert([...fresh, ...changed])).toMatchObject({ inserted: 1000, updated: 6000, rejected: 0 })
    const counts = await db().query<{ signal: string; n: number; total: string }>(
      `SELECT signal, count(*)::int AS n, sum(total_score)::text AS total FROM factor_scores WHERE ticker LIKE 'X%' GROUP BY signal ORDER BY signal`)
    const sum = (rows: readonly FactorScoreInput[]) =>
      rows.reduce((a, r) => a + Math.round((r.layer1Total! + r.layer2Total! + r.layer3Total!) * 100), 0) / 100
    expect(counts).toEqual([
      { signal: 'AVOID', n: 1000, total: sum(fresh).toFixed(2) },
      { signal: 'BUY', n: 6000, total: sum(changed).toFixed(2) },
      { signal: 'WATCH', n: 5000, total: sum(first.slice(6000)).toFixed(2) },
    ])
    expect(await db().factors.get('X0999', 'KR', day(6))).toMatchObject(changed[5999]!)

    // 10,001 rows whose last one names an unknown ticker: it sits alone in the last batch, and the
    // foreign key refusing it takes the earlier, already merged batches with it.
    const late = daysOf(13, 22, () => 70, 'BUY')
    const refused = [...late, scored('NOPE', 'KR', day(22), 70, 'BUY')]
    await expect(db().factors.upsert(refused)).rejects.toMatchObject({ reason: 'foreign_key_violation' })
    const lateCount = async () => (await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM factor_scores WHERE calculation_date >= '2020-02-13' AND ticker LIKE 'X%'`))[0]!.n
    expect(await lateCount()).toBe(0)

    // Inside qdb.transaction(): the refused call rolls back to its savepoint (all its batches), the
    // transaction goes on, and what it wrote afterwards is committed.
    await db().transaction(async (tx) => {
      await expect(tx.factors.upsert(refused)).rejects.toMatchObject({ reason: 'foreign_key_violation' })
      expect(await tx.factors.upsert(late.slice(0, 3000))).toMatchObject({ inserted: 3000, updated: 0 })
      expect(await tx.factors.upsert(late.slice(2000, 6000))).toMatchObject({ inserted: 3000, updated: 1000 })
    })
    expect(await lateCount()).toBe(6000)
    const [n] = await db().query<{ n: number }>(`SELECT count(*)::int AS n FROM factor_scores WHERE ticker LIKE 'X%'`)
    expect(n!.n).toBe(18_000)
  })

  it('stores exactly what the drizzle insert builder stores: NUMERIC rounding, JSONB documents, awkward text', async () => {
    // Tickers with a comma, quotes, backslashes, braces, line breaks and what CSV or array input might take for NULL.
    const odd = ['Q,1', 'Q"2"', 'Q\\.X', '\\.', 'Q{한글}', 'NULL', '\\N']
    await addTickers(db(), odd)
    const metadata = [
      { s: 'a,b"c\\d\ne\r\tf', u: '한글 😀 é', empty: '', none: null, n: [0, -0, 1e-7, 1.5e300, -2.5, 0.1 + 0.2], deep: { a: { b: [{}, []] } } },
      { 'k,"\\': true, NULL: '\\N', dot: '\\.', line: '\n\\.\n' },
      {},
      { model: 'v3' },
    ]
    const inputs: FactorScoreInput[] = odd.map((ticker, i) => ({
      ticker, region: 'KR', calculationDate: '2017-03-01',
      // Scores rounded to cents by validation (1.005 → 1.01, 24.994 → 24.99); sums checked after rounding.
      marketRegimeScore: i === 0 ? 1.005 : 8, volumeProfileScore: 0, priceActionScore: i === 1 ? 16.994 : 6,
      stageAnalysisScore: 45, movingAverageScore: 0, relativeStrengthScore: 0, layer3Total: i === 2 ? null : 0.01 * i,
      ...(i === 2 ? { patternRecognitionScore: 10, volumeSpikeScore: 10, momentumScore: 10 } : {}),
      signal: i % 3 === 0 ? 'BUY' : i % 3 === 1 ? null : undefined,
      // NUMERIC(10, 4) rounds half away from zero; tiny and huge values, exponent notation included.
      peRatio: [1e-7, 0.00005, -0.00005, 123456.78905, 999999.99994, -999999.9999, 0.1 + 0.2][i],
      pbRatio: i % 2 === 0 ? 1.23456789 : null, momentum12m: -0.35, rsiFactor: i === 3 ? undefined : 55.55555,
      roe: 5e-5 * i, debtEquity: -0, volatilityFactor: 1e5 / 3, marketCapFactor: i,
      calculationMetadata: i < metadata.length ? metadata[i] : i === 4 ? null : undefined,
    }))
    // The reference: the same validated rows through drizzle's multi-row insert (the old write path).
    const { valid } = checkFactorScores(inputs, new Set(['KR']))
    await db().db.insert(factorScores).values(valid.map((v) => ({ ...v.value, calculationDate: '2017-03-02' })))
    expect(await db().factors.upsert(inputs)).toMatchObject({ inserted: odd.length, updated: 0 })
    const stored = (date: string) => db().query<{ ticker: string; doc: string }>(
      `SELECT ticker, (to_jsonb(f) - 'calculation_date' - 'last_updated')::text AS doc FROM factor_scores f
        WHERE calculation_date = $1 AND region = 'KR' AND ticker = ANY($2::text[]) ORDER BY ticker`, [date, `{${odd.map((t) => `"${t.replaceAll('\\', '\\\\').replaceAll('"', '\\"')}"`).join(',')}}`])
    const ours = await stored('2017-03-01')
    expect(ours).toHaveLength(odd.length)
    expect(ours).toEqual(await stored('2017-03-02'))

    const texts = await db().query<{ ticker: string; mr: string; pl1: string; pe: string; pb: string | null; vol: string; de: string }>(
      `SELECT ticker, market_regime_score::text AS mr, price_action_score::text AS pl1, pe_ratio::text AS pe, pb_ratio::text AS pb,
              volatility_factor::text AS vol, debt_equity::text AS de FROM factor_scores WHERE calculation_date = '2017-03-01' AND region = 'KR'`)
    const byTicker = Object.fromEntries(texts.filter((r) => odd.includes(r.ticker)).map(({ ticker, ...rest }) => [ticker, rest]))
    const common = { vol: '33333.3333', de: '0.0000' }
    expect(byTicker).toEqual({
      'Q,1': { mr: '1.01', pl1: '6.00', pe: '0.0000', pb: '1.2346', ...common },
      'Q"2"': { mr: '8.00', pl1: '16.99', pe: '0.0001', pb: null, ...common },
      'Q\\.X': { mr: '8.00', pl1: '6.00', pe: '-0.0001', pb: '1.2346', ...common },
      '\\.': { mr: '8.00', pl1: '6.00', pe: '123456.7891', pb: null, ...common },
      'Q{한글}': { mr: '8.00', pl1: '6.00', pe: '999999.9999', pb: '1.2346', ...common },
      'NULL': { mr: '8.00', pl1: '6.00', pe: '-999999.9999', pb: null, ...common },
      '\\N': { mr: '8.00', pl1: '6.00', pe: '0.3000', pb: '1.2346', ...common },
    })
    for (const [i, ticker] of odd.entries()) {
      const row = await db().factors.get(ticker, 'KR', '2017-03-01')
      expect(row.calculationMetadata, ticker).toEqual(i < metadata.length ? JSON.parse(JSON.stringify(metadata[i])) : null)
      expect(row.signal, ticker).toBe(i % 3 === 0 ? 'BUY' : null)
    }
  })

  it('stores an omitted field and an explicit null alike (NULL), on insert and on update; empty values stay values', async () => {
    await addTickers(db(), ['N1', 'N2'])
    const full: FactorScoreInput = {
      ticker: 'N1', region: 'KR', calculationDate: '2016-05-02', ...PARTS, signal: 'BUY',
      peRatio: 1, pbRatio: 2, momentum12m: 3, rsiFactor: 4, roe: 5, debtEquity: 6, volatilityFactor: 7, marketCapFactor: 8,
      calculationMetadata: { empty: '', list: [], obj: {} },
    }
    await db().factors.upsert([full, { ...full, ticker: 'N2' }])
    expect(await db().factors.get('N1', 'KR', '2016-05-02')).toMatchObject({ ...full, layer1Total: 21.5, totalScore: 81.5 })
    // N1 omits the optional fields, N2 sends them as null: both rows end up the same, all NULL.
    const key = { region: 'KR', calculationDate: '2016-05-02', layer1Total: 10, layer2Total: 10, layer3Total: 10 }
    const nulls = {
      marketRegimeScore: null, volumeProfileScore: null, priceActionScore: null, stageAnalysisScore: null, movingAverageScore: null,
      relativeStrengthScore: null, patternRecognitionScore: null, volumeSpikeScore: null, momentumScore: null, signal: null,
      peRatio: null, pbRatio: null, momentum12m: null, rsiFactor: null, roe: null, debtEquity: null, volatilityFactor: null,
      marketCapFactor: null, calculationMetadata: null,
    }
    expect(await db().factors.upsert([{ ticker: 'N1', ...key }, { ticker: 'N2', ...key, ...nulls }])).toMatchObject({ inserted: 0, updated: 2 })
    const strip = ({ lastUpdated: _, ticker: __, ...rest }: Record<string, unknown>) => rest
    const [n1, n2] = [await db().factors.get('N1', 'KR', '2016-05-02'), await db().factors.get('N2', 'KR', '2016-05-02')]
    expect(strip(n1)).toEqual(strip(n2))
    expect(n1).toMatchObject({ ...nulls, layer1Total: 10, totalScore: 30 })
    const [raw] = await db().query<{ nulls: number }>(
      `SELECT num_nulls(market_regime_score, signal, pe_ratio, market_cap_factor, calculation_metadata)::int AS nulls FROM factor_scores WHERE ticker = 'N1' AND calculation_date = '2016-05-02'`)
    expect(raw!.nulls).toBe(5)
    // An empty JSON document is a document, not NULL.
    await db().factors.upsert([{ ticker: 'N1', ...key, calculationMetadata: {} }])
    expect((await db().factors.get('N1', 'KR', '2016-05-02')).calculationMetadata).toEqual({})
  })

  it('refuses a NUL character in a ticker before writing, naming the row and field', async () => {
    await addTickers(db(), ['NUL1'])
    const e = await db().factors.upsert([scored('NUL1', 'KR', '2015-01-05', 50, 'BUY'), scored('NUL\u00002', 'KR', '2015-01-05', 50, 'BUY')])
      .catch((x: unknown) => x)
    expect(e).toBeInstanceOf(ValidationError)
    expect((e as ValidationError).issues[0]).toMatchObject({ row: 1, field: 'ticker', message: expect.stringMatching(/NUL character/) })
    expect(await db().factors.find('NUL1', 'KR', '2015-01-05')).toBeUndefined()
  })

  it('counts inserted and updated rows correctly, rows in compressed chunks included', async () => {
    await addTickers(db(), ['C1', 'C2', 'C3'])
    await db().factors.upsert([scored('C1', 'KR', '2018-01-10', 50, 'BUY'), scored('C2', 'KR', '2018-01-11', 40, 'WATCH')])
    if (target.timescale) {
      const compressed = await db().query(`SELECT compress_chunk(c) FROM show_chunks('factor_scores', older_than => DATE '2018-03-01', newer_than => DATE '2017-12-01') c`)
      expect(compressed.length).toBeGreaterThan(0)
      const [chunk] = await db().query<{ is_compressed: boolean }>(
        `SELECT is_compressed FROM timescaledb_information.chunks WHERE hypertable_name = 'factor_scores' AND range_start <= '2018-01-10' AND range_end > '2018-01-10'`)
      expect(chunk!.is_compressed).toBe(true)
    }
    const result = await db().factors.upsert([
      scored('C1', 'KR', '2018-01-10', 90, 'BUY'), // existing, compressed
      scored('C2', 'KR', '2018-01-11', 40, 'WATCH'), // existing, same values
      scored('C3', 'KR', '2018-01-10', 30, 'AVOID'), // new, into the compressed chunk
    ])
    expect(result).toMatchObject({ inserted: 1, updated: 2 })
    expect((await db().factors.get('C1', 'KR', '2018-01-10')).totalScore).toBe(90)
    expect((await db().factors.get('C3', 'KR', '2018-01-10')).signal).toBe('AVOID')
  })

  it('returns the top signals of a day, best first, through the partial index', async () => {
    // Shaped like production: many tickers, a few days (1,000 x 3, a third of them BUY each day).
    // On a table this small the planner takes the partial index only when a day holds hundreds of
    // rows; with 60 rows a day it rightly prefers the hypertable's calculation_date index.
    const codes = Array.from({ length: 1000 }, (_, i) => `T${String(i).padStart(4, '0')}`)
    await addTickers(db(), codes)
    await addTickers(db(), ['AAPL', 'MSFT', 'NVDA'], 'US')
    const signals = ['BUY', 'WATCH', 'AVOID'] as const
    const rows = codes.flatMap((t, i) => Array.from({ length: 3 }, (_, d) =>
      scored(t, 'KR', `2022-06-${String(14 + d).padStart(2, '0')}`, 40 + ((i * 7 + d) % 58), signals[(i + d) % 3]!)))
    rows.push(scored('AAPL', 'US', '2022-06-15', 99, 'BUY'), scored('MSFT', 'US', '2022-06-15', 98.5, 'BUY'), scored('NVDA', 'US', '2022-06-15', 40, 'AVOID'))
    await db().factors.upsert(rows)

    const expected = rows.filter((r) => r.calculationDate === '2022-06-15' && r.signal === 'BUY')
      .map((r) => ({ ticker: r.ticker, total: Math.round((r.layer1Total! + r.layer2Total! + r.layer3Total!) * 100) / 100 }))
      .sort((a, b) => b.total - a.total || a.ticker.localeCompare(b.ticker))
    // Defaults: signal 'BUY', limit 50. That day's BUY rows: i ≡ 2 (mod 3) of 1,000 KR tickers = 333, plus AAPL and MSFT.
    expect(expected).toHaveLength(335)
    const top50 = await db().factors.topSignals({ date: '2022-06-15' })
    expect(top50.map((r) => [r.ticker, r.totalScore])).toEqual(expected.slice(0, 50).map((r) => [r.ticker, r.total]))
    expect(top50.every((r) => r.signal === 'BUY' && r.calculationDate === '2022-06-15')).toBe(true)
    const top = await db().factors.topSignals({ date: '2022-06-15', limit: 5 })
    expect(top.map((r) => r.ticker)).toEqual(expected.slice(0, 5).map((r) => r.ticker))
    expect(top.slice(0, 2).map((r) => [r.ticker, r.totalScore])).toEqual([['AAPL', 99], ['MSFT', 98.5]])
    expect((await db().factors.topSignals({ date: '2022-06-15', region: 'US' })).map((r) => r.ticker)).toEqual(['AAPL', 'MSFT'])
    const avoid = await db().factors.topSignals({ date: '2022-06-15', signal: 'AVOID', region: 'US' })
    expect(avoid.map((r) => r.ticker)).toEqual(['NVDA'])
    expect(await db().factors.topSignals({ date: '2022-06-16', region: 'US' })).toEqual([])
    await expect(db().factors.topSignals({ date: '2022-06-15', limit: 0 })).rejects.toBeInstanceOf(ValidationError)
    await expect(db().factors.topSignals({ date: 'today' })).rejects.toBeInstanceOf(ValidationError)

    await db().exec('ANALYZE factor_scores')
    const query = topSignalsQuery(db().db, { date: '2022-06-15', signal: 'BUY', limit: 50 }).toSQL()
    const explained = plan(await db().query(`EXPLAIN (FORMAT JSON) ${query.sql}`, query.params))
    expect(explained).toMatch(/idx_factor_(buy_signals|total_score)/)
    // The same statement prepared once and run with a generic plan (what a driver's prepared
    // statement gets after five runs) still uses the index: the signal is a literal, not a parameter.
    await db().transaction(async (tx) => {
      await tx.query(`PREPARE top_signals AS ${query.sql}`)
      await tx.query(`SET LOCAL plan_cache_mode = force_generic_plan`)
      const args = query.params.map((p) => (typeof p === 'number' ? String(p) : `'${String(p)}'`)).join(', ')
      const generic = plan(await tx.query(`EXPLAIN (FORMAT JSON) EXECUTE top_signals(${args})`))
      await tx.query('DEALLOCATE top_signals')
      expect(generic).toMatch(/idx_factor_(buy_signals|total_score)/)
    })
  })

  it('returns the latest row per ticker in the order asked, and a ticker history', async () => {
    await addTickers(db(), ['L1', 'L2', 'L3'])
    await addTickers(db(), ['L1'], 'US')
    await db().factors.upsert([
      scored('L1', 'KR', '2021-01-04', 50, 'WATCH'), scored('L1', 'KR', '2021-02-01', 60, 'BUY'), scored('L1', 'KR', '2021-03-02', 70, 'BUY'),
      scored('L2', 'KR', '2021-01-04', 30, 'AVOID'),
      scored('L1', 'US', '2021-01-05', 80, 'BUY'),
    ])
    const latest = await db().factors.latest([
      { ticker: 'L2', region: 'KR' }, { ticker: 'L3', region: 'KR' }, { ticker: 'L1', region: 'KR' }, { ticker: 'L1', region: 'US' }, { ticker: 'ZZ', region: 'KR' },
    ])
    expect(latest.map((r) => [r.ticker, r.region, r.calculationDate, r.totalScore])).toEqual([
      ['L2', 'KR', '2021-01-04', 30], ['L1', 'KR', '2021-03-02', 70], ['L1', 'US', '2021-01-05', 80],
    ])
    expect(await db().factors.latest([])).toEqual([])

    expect((await db().factors.history('L1', 'KR')).map((r) => r.calculationDate)).toEqual(['2021-01-04', '2021-02-01', '2021-03-02'])
    expect((await db().factors.history('L1', 'KR', '2021-01-05', '2021-03-02')).map((r) => r.calculationDate)).toEqual(['2021-02-01', '2021-03-02'])
    await expect(db().factors.history('L1', 'KR', '2021-03-01', '2021-01-01')).rejects.toBeInstanceOf(ValidationError)
  })

  it('reports monthly performance from the aggregate, refreshed first', async () => {
    await addTickers(db(), ['V1', 'V2', 'V3'], 'VN')
    await db().factors.upsert([
      { ...scored('V1', 'VN', '2019-03-05', 80, 'BUY'), peRatio: 10, momentum12m: 0.2, roe: 0.1, volatilityFactor: 0.3 },
      { ...scored('V2', 'VN', '2019-03-20', 70, 'BUY'), peRatio: 20, momentum12m: 0.4, roe: 0.2, volatilityFactor: 0.1 },
      { ...scored('V3', 'VN', '2019-03-20', 45, 'WATCH'), peRatio: 8 },
      { ...scored('V1', 'VN', '2019-04-02', 60, 'WATCH'), peRatio: 11 },
    ])
    const months = await db().factors.monthlyPerformance({ region: 'VN' })
    // March BUY: (80 + 70) / 2 = 75; P/E (10 + 20) / 2 = 15; momentum 0.3; ROE 0.15; volatility 0.2.
    expect(months.map((m) => [m.month, m.signal, m.nStocks, m.avgScore, m.avgPe])).toEqual([
      ['2019-03-01', 'BUY', 2, 75, 15], ['2019-03-01', 'WATCH', 1, 45, 8], ['2019-04-01', 'WATCH', 1, 60, 11],
    ])
    expect(months[0]).toMatchObject({ region: 'VN', avgMomentum: 0.3, avgRoe: 0.15, avgVolatility: 0.2 })
    const april = await db().factors.monthlyPerformance({ region: 'VN', from: '2019-04-15', to: '2019-04-30', refresh: false })
    expect(april.map((m) => m.month)).toEqual(['2019-04-01'])
    expect((await db().factors.monthlyPerformance({ region: 'VN', signal: 'BUY', to: '2019-03-31' })).map((m) => m.nStocks)).toEqual([2])
    // Inside a transaction the TimescaleDB refresh cannot run: the aggregate is read as it is.
    const inTx = await db().transaction((tx) => tx.factors.monthlyPerformance({ region: 'VN' }))
    expect(inTx).toHaveLength(3)
  })
})
