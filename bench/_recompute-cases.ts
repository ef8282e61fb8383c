/**
 * The recomputeIndicators cases of bench/spec-scale.ts (also alone: `--recompute-only`), on the built
 * market: the daily incremental run (the last day deleted by hand and written again by `ohlcv.upsert`,
 * untimed, then `recomputeIndicators({ from: <that day> })`), the former method in the same run
 * (`warmup: 500`: 500 bars read per ticker before the day), interleaved run by run, and a full run that
 * finds nothing to do. A market built before `ohlcv_indicator_state` existed gets its states from one
 * full run first (timed: what the first run after the upgrade costs).
 */
import type postgres from 'postgres'
import type { QuantDb } from '../src/index.js'
import type { SyntheticBar } from '../src/synthetic/index.js'
import { fmt, median } from './_shared.js'

export interface RecomputeFigures { notes: string[] }

export async function recomputeCases(lib: QuantDb, hand: postgres.Sql, lastDay: readonly SyntheticBar[], fullRunMs: number,
  reps: number): Promise<RecomputeFigures> {
  const notes: string[] = []
  const last = lastDay[0]!.date
  await lib.migrate()
  const [states] = await hand.unsafe(`SELECT count(*)::int AS n FROM ohlcv_indicator_state`)
  if (Number(states?.['n']) === 0) {
    const t0 = performance.now()
    const first = await lib.ohlcv.recomputeIndicators({ region: 'KR' })
    notes.push(`recomputeIndicators: first full run on a market without states (builds them): ${fmt(performance.now() - t0)} ms, ${first.updated} bars written`)
  }
  const rewriteLastDay = async () => {
    await hand.unsafe(`DELETE FROM ohlcv_data WHERE date = $1`, [last])
    await lib.ohlcv.upsert(lastDay)
  }
  const exact: number[] = []
  const former: number[] = []
  const noop: number[] = []
  let written = 0
  for (let i = 0; i < reps; i++) {
    for (const method of i % 2 === 0 ? ['former', 'exact'] : ['exact', 'former']) {
      await rewriteLastDay()
      const t0 = performance.now()
      const r = await lib.ohlcv.recomputeIndicators(method === 'exact' ? { region: 'KR', from: last } : { region: 'KR', from: last, warmup: 500 })
      ;(method === 'exact' ? exact : former).push(performance.now() - t0)
      written = r.updated
    }
    const t0 = performance.now()
    const r = await lib.ohlcv.recomputeIndicators({ region: 'KR' })
    noop.push(performance.now() - t0)
    if (r.updated !== 0) notes.push(`no-op full run ${i + 1} wrote ${r.updated} bars`)
  }
  notes.push(`recomputeIndicators, daily incremental (${written} bars written): ${fmt(median(exact))} ms from the states vs ` +
    `${fmt(median(former))} ms with 500 warm-up bars (the former method) = ${(median(former) / median(exact)).toFixed(1)}x faster ` +
    `(runs: ${exact.map(fmt).join(', ')} vs ${former.map(fmt).join(', ')})`)
  notes.push(`recomputeIndicators, no-op full run: ${fmt(median(noop))} ms = ${((median(noop) / fullRunMs) * 100).toFixed(1)} % of the build's full run ` +
    `(${fmt(fullRunMs)} ms; runs: ${noop.map(fmt).join(', ')})`)
  return { notes }
}
