import { describe, expect, it } from 'vitest'
import { ValidationError } from '../../src/errors.js'
import { checkFactorScores, toScaledInteger, type FactorScoreInput } from '../../src/validation/factors.js'

const REGIONS = new Set(['KR', 'US'])
const key = { ticker: '005930', region: 'KR', calculationDate: '2024-06-28' }
// Layer 1: 8 + 7.5 + 6 = 21.5; layer 2: 15 + 12 + 10 = 37; layer 3: 9 + 6 + 8 = 23; total 81.5.
const parts = {
  marketRegimeScore: 8, volumeProfileScore: 7.5, priceActionScore: 6,
  stageAnalysisScore: 15, movingAverageScore: 12, relativeStrengthScore: 10,
  patternRecognitionScore: 9, volumeSpikeScore: 6, momentumScore: 8,
}

function issuesOf(row: Record<string, unknown>): { field: string; message: string }[] {
  try {
    checkFactorScores([row as unknown as FactorScoreInput], REGIONS)
  } catch (e) {
    expect(e).toBeInstanceOf(ValidationError)
    return (e as ValidationError).issues.map(({ field, message }) => ({ field, message }))
  }
  return []
}

describe('factor score validation', () => {
  it('computes omitted layer totals and the total score from the parts', () => {
    const { valid } = checkFactorScores([{ ...key, ...parts, signal: 'BUY' }], REGIONS)
    expect(valid[0]!.value).toMatchObject({ layer1Total: 21.5, layer2Total: 37, layer3Total: 23, totalScore: 81.5, signal: 'BUY' })
  })

  it('accepts given totals that match their parts, and layer totals without parts', () => {
    const given = { ...key, ...parts, layer1Total: 21.5, layer2Total: 37, layer3Total: 23, totalScore: 81.5 }
    expect(issuesOf(given)).toEqual([])
    const totalsOnly = { ...key, layer1Total: 20, layer2Total: 40, layer3Total: 25 }
    const { valid } = checkFactorScores([totalsOnly], REGIONS)
    expect(valid[0]!.value).toMatchObject({ marketRegimeScore: null, layer1Total: 20, totalScore: 85 })
  })

  it('rounds every score to 2 decimals before summing, so the stored row satisfies the CHECK', () => {
    // 8.333 → 8.33 three times: the layer is 24.99, not 25 (the sum of the unrounded parts).
    const thirds = { marketRegimeScore: 8.333, volumeProfileScore: 8.333, priceActionScore: 8.333 }
    const row = { ...key, ...parts, ...thirds }
    expect(checkFactorScores([row], REGIONS).valid[0]!.value).toMatchObject({ marketRegimeScore: 8.33, layer1Total: 24.99, totalScore: 84.99 })
    expect(issuesOf({ ...row, layer1Total: 25 })).toEqual([
      { field: 'layer1Total', message: 'must equal the sum of its parts (24.99, scores rounded to 2 decimals) within 0.01' },
    ])
    // 1.005 is rounded half away from zero, as NUMERIC rounds '1.005': 1.01.
    expect(toScaledInteger(1.005, 2)).toBe(101)
    expect(toScaledInteger(2.675, 2)).toBe(268)
    expect(toScaledInteger(1e-7, 2)).toBe(0)
  })

  it('rejects a total score that is not the sum of the layers, or out of 0..100', () => {
    expect(issuesOf({ ...key, ...parts, totalScore: 81.49 })).toEqual([
      { field: 'totalScore', message: 'must equal layer1Total + layer2Total + layer3Total (81.50, scores rounded to 2 decimals) within 0.01' },
    ])
    expect(issuesOf({ ...key, ...parts, totalScore: 101 }).map((i) => i.field)).toContain('totalScore')
    expect(issuesOf({ ...key, ...parts, totalScore: -1 }).map((i) => i.field)).toContain('totalScore')
  })

  it('enforces the layer maxima of 25, 45 and 30 on parts and totals', () => {
    expect(issuesOf({ ...key, ...parts, marketRegimeScore: 25.01 }).map((i) => i.field)).toContain('marketRegimeScore')
    expect(issuesOf({ ...key, ...parts, marketRegimeScore: 12, volumeProfileScore: 12, priceActionScore: 1.01 })).toEqual([
      { field: 'layer1Total', message: 'the sum of the parts must be at most 25 (the layer 1 maximum)' },
    ])
    expect(issuesOf({ ...key, layer1Total: 25, layer2Total: 45.5, layer3Total: 30 })).toEqual([
      { field: 'layer2Total', message: 'must be at most 45 (the layer 2 maximum)' },
    ])
    expect(issuesOf({ ...key, layer1Total: 25, layer2Total: 45, layer3Total: 30.01 }).map((i) => i.field)).toEqual(['layer3Total'])
    expect(issuesOf({ ...key, layer1Total: 25, layer2Total: 45, layer3Total: 30 })).toEqual([])
  })

  it('names the missing part when a layer total has to be computed', () => {
    const { priceActionScore: _, ...missing } = parts
    expect(issuesOf({ ...key, ...missing })).toEqual([
      { field: 'priceActionScore', message: 'is required when layer1Total is omitted (the total is computed from its parts)' },
    ])
    // A given total with some parts: the given parts must fit under it.
    expect(issuesOf({ ...key, ...missing, layer1Total: 16 })).toEqual([])
    expect(issuesOf({ ...key, ...missing, layer1Total: 16, marketRegimeScore: 10 })).toEqual([
      { field: 'layer1Total', message: 'must be at least the sum of its given parts (17.50)' },
    ])
  })

  it('rejects negative scores, bad signals, keys, dates and overflowing factors', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ momentumScore: -0.5 }, 'momentumScore'],
      [{ signal: 'STRONG_BUY' }, 'signal'],
      [{ ticker: '' }, 'ticker'],
      [{ region: 'XX' }, 'region'],
      [{ calculationDate: '2024-02-30' }, 'calculationDate'],
      [{ peRatio: 1e7 }, 'peRatio'],
      [{ roe: Number.NaN }, 'roe'],
      [{ calculationMetadata: { at: new Date() } }, 'calculationMetadata'],
      [{ calculationMetadata: [1, 2] }, 'calculationMetadata'],
      [{ colour: 'red' }, '(row)'],
    ]
    for (const [patch, field] of cases) {
      expect(issuesOf({ ...key, ...parts, ...patch }).map((i) => i.field), JSON.stringify(patch)).toContain(field)
    }
    expect(issuesOf({ ...key, ...parts, peRatio: 1e7 })[0]!.message).toBe('must be less than 1000000 in absolute value (NUMERIC(10, 4))')
    expect(issuesOf({ ...key, ...parts, peRatio: -999_999.9999, momentum12m: -0.35 })).toEqual([])
  })

  it('rejects a second row for the same key, and can skip bad rows instead of throwing', () => {
    const rows: FactorScoreInput[] = [{ ...key, ...parts }, { ...key, ...parts, ticker: '000660' }, { ...key, ...parts, signal: 'BUY' }]
    const e = (() => { try { checkFactorScores(rows, REGIONS) } catch (x) { return x } })() as ValidationError
    expect(e.issues).toEqual([{ row: 2, field: 'calculationDate', message: 'duplicates row 0 (same ticker, region and calculationDate)' }])
    const skipped = checkFactorScores([...rows, { ...key, ticker: 'X', momentumScore: -1 } as FactorScoreInput], REGIONS, 'skip')
    expect(skipped.valid.map((v) => v.row)).toEqual([0, 1])
    expect(skipped.rejected.map((r) => r.row)).toEqual([2, 3])
  })
})
