// One factor-score row as a factor engine writes it, shared by the repository-read and spec-scale benches.
import type { FactorScoreInput } from '../src/repos/factors.js'
import type { Random } from '../src/synthetic/index.js'

/**
 * One ticker's scores on one day, a full row as a factor engine writes it: nine sub-scores (the
 * library computes the layer totals and the total), the signal from the total, eight factors.
 * Each ticker has a lasting quality plus daily noise, so about 10% of a day's rows are BUY.
 */
export function factorRow(
  random: Random, ticker: string, region: string, date: string, quality: number, metadata = true,
): FactorScoreInput {
  const totalCents = Math.round(Math.min(98, Math.max(5, quality + random.normal(0, 6))) * 100)
  const layers = [Math.round(totalCents * 0.25), Math.round(totalCents * 0.45)]
  layers.push(totalCents - layers[0]! - layers[1]!)
  const parts = layers.flatMap((l) => {
    const a = Math.round(l * 0.4)
    const b = Math.round(l * 0.35)
    return [a / 100, b / 100, (l - a - b) / 100]
  })
  const total = totalCents / 100
  const f = (mean: number, sd: number) => Math.round(random.normal(mean, sd) * 10_000) / 10_000
  return {
    ticker, region, calculationDate: date,
    marketRegimeScore: parts[0], volumeProfileScore: parts[1], priceActionScore: parts[2],
    stageAnalysisScore: parts[3], movingAverageScore: parts[4], relativeStrengthScore: parts[5],
    patternRecognitionScore: parts[6], volumeSpikeScore: parts[7], momentumScore: parts[8],
    signal: total >= 70 ? 'BUY' : total >= 50 ? 'WATCH' : 'AVOID',
    peRatio: f(15, 6), pbRatio: f(1.5, 0.6), momentum12m: f(0.08, 0.3), rsiFactor: f(50, 12),
    roe: f(0.1, 0.08), debtEquity: f(0.8, 0.4), volatilityFactor: f(0.3, 0.1), marketCapFactor: f(25, 2),
    ...(metadata ? { calculationMetadata: { model: 'v3', universe: region } } : {}),
  }
}
