import type { QueryRunner } from '../../drivers/types.js'
import { stateOf, recursionsOf, type IndicatorState } from '../../indicators/resume.js'
import { arrayLiteral, dayToIso } from '../../internal/sql-arrays.js'
import { INDICATOR_COLUMNS } from './columns.js'
import { csvText } from './csv.js'

// The rows of `ohlcv_indicator_state` (src/schema/ohlcv-indicator-state.ts): where a ticker's
// indicators stood after one of its last two computed bars, and a fingerprint of the stored rows up
// to there. recomputeIndicators reads and writes them; ohlcv.upsert and tickers.purge delete the
// ones their writes make stale.

/** A stored checkpoint of one ticker (timeframe and region: the call's). */
export interface Checkpoint {
  ticker: string
  /** The last bar it includes, in epoch days. */
  day: number
  state: IndicatorState
  /** That bar's high, low and close as computed (NaN for NULL). */
  high: number
  low: number
  close: number
  /** Decimal text of the bigint, or null when unknown. */
  fingerprint: string | null
}

/**
 * A hash of the row `o` as the indicators see it (date, the prices they use, the twelve stored
 * values): its XOR over a ticker's rows through a day is the fingerprint of a checkpoint. Each value
 * is hashed by `hash_numeric_extended` (its digits, not its text) seeded with its day and column, so
 * a value moved to another day or column changes the hash too; NULL counts as the seed itself.
 * Measured on compressed chunks: about half the time of `hash_record_extended` of the same row.
 */
export const ROW_HASH = `(${['high', 'low', 'close', ...INDICATOR_COLUMNS].map((c, i) => {
  const seed = `((o.date - DATE '1970-01-01')::int8 * 16 + ${i})`
  return `coalesce(hash_numeric_extended(o."${c}", ${seed}), ${seed})`
}).join(' # ')})`

/** The columns a checkpoint is written with (COPY). */
const STATE_COLUMNS = ['ticker', 'region', 'timeframe', 'date', 'bars', 'high', 'low', 'close', 'recursions', 'closes', 'fingerprint']

/** float8 text that reads back as the very same double (-0 and NaN included). */
function floatText(v: number): string {
  return Object.is(v, -0) ? '-0' : String(v)
}

/** Doubles as BYTEA hex input (`\\x…`, little-endian float64): exact to the bit, no decimal formatting. */
function bytesHex(values: ArrayLike<number>): string {
  const view = new DataView(new ArrayBuffer(values.length * 8))
  for (let i = 0; i < values.length; i++) view.setFloat64(i * 8, values[i] as number, true)
  return `\\x${Buffer.from(view.buffer).toString('hex')}`
}

/** The doubles of `bytesHex`, read back as `encode(column, 'hex')`. */
function hexDoubles(hex: unknown): Float64Array {
  const bytes = Buffer.from(String(hex), 'hex')
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength)
  const out = new Float64Array(bytes.byteLength / 8)
  for (let i = 0; i < out.length; i++) out[i] = view.getFloat64(i * 8, true)
  return out
}

/**
 * The latest checkpoint of each ticker, before `before` (epoch days) when given: the state a run that
 * writes from `before` on can continue from.
 */
export async function readCheckpoints(tx: QueryRunner, tickers: readonly string[], region: string, timeframe: string,
  before: number | undefined): Promise<Map<string, Checkpoint>> {
  const rows = await tx.queryArrays(`SELECT DISTINCT ON (ticker) ticker, date - DATE '1970-01-01', bars, high, low, close,
      encode(recursions, 'hex'), encode(closes, 'hex'), fingerprint::text
    FROM ohlcv_indicator_state WHERE ticker = ANY($1::varchar[]) AND region = $2 AND timeframe = $3
      ${before === undefined ? '' : `AND date < $4::date`}
    ORDER BY ticker, date DESC`,
  before === undefined ? [arrayLiteral(tickers), region, timeframe] : [arrayLiteral(tickers), region, timeframe, dayToIso(before)], { prepare: true })
  const out = new Map<string, Checkpoint>()
  for (const r of rows) {
    const ticker = String(r[0])
    out.set(ticker, {
      ticker, day: Number(r[1]),
      state: stateOf(Number(r[2]), hexDoubles(r[7]), hexDoubles(r[6])),
      high: r[3] === null ? Number.NaN : Number(r[3]), low: r[4] === null ? Number.NaN : Number(r[4]), close: r[5] === null ? Number.NaN : Number(r[5]),
      fingerprint: r[8] === null ? null : String(r[8]),
    })
  }
  return out
}

/**
 * The tickers among `checkpoints` whose stored rows through the checkpoint's day are still those it
 * was written after (same fingerprint): nothing up to there can need rewriting. Computed on the
 * server, one indexed scan per ticker; nothing but the ticker names comes back.
 */
export async function unchangedThrough(tx: QueryRunner, checkpoints: readonly Checkpoint[], region: string, timeframe: string): Promise<Set<string>> {
  const known = checkpoints.filter((c) => c.fingerprint !== null)
  if (known.length === 0) return new Set()
  const rows = await tx.queryArrays(`SELECT s.ticker FROM unnest($1::varchar[], $2::date[], $3::bigint[]) AS s(ticker, day, fingerprint)
    WHERE s.fingerprint = (SELECT bit_xor(${ROW_HASH}) FROM ohlcv_data o
      WHERE o.ticker = s.ticker AND o.region = $4 AND o.timeframe = $5 AND o.date <= s.day)`,
  [arrayLiteral(known.map((c) => c.ticker)), arrayLiteral(known.map((c) => dayToIso(c.day))), arrayLiteral(known.map((c) => c.fingerprint)), region, timeframe])
  return new Set(rows.map((r) => String(r[0])))
}

/** What a run keeps of one ticker: up to two checkpoints, oldest first, all after `after`, except a kept base. */
export interface NewCheckpoints {
  ticker: string
  /** The day after which the run computed (and stored) every row: the base checkpoint's, or -Infinity. */
  after: number
  /** The base checkpoint's fingerprint: 0 when computed from the first bar, null when unknown. */
  baseFingerprint: string | null
  checkpoints: (Omit<Checkpoint, 'fingerprint' | 'ticker'> & { stored?: boolean })[]
}

/**
 * Replaces the tickers' checkpoints with `kept` (in the run's transaction, after its writes). Each
 * fingerprint is the base's XOR the hashes of the rows after the base through the checkpoint, as
 * stored now: the run computed all of them (and left unknown when any of them was not compared).
 */
export async function replaceCheckpoints(tx: QueryRunner, kept: readonly NewCheckpoints[], region: string, timeframe: string): Promise<void> {
  if (kept.length === 0) return
  const keys = kept.map((k) => ({
    ticker: k.ticker, after: Number.isFinite(k.after) ? dayToIso(k.after) : '-infinity', base: k.baseFingerprint,
    first: dayToIso(k.checkpoints[0]!.day), last: dayToIso(k.checkpoints[k.checkpoints.length - 1]!.day),
  }))
  // A literal lower bound when every ticker continues from a day (see readSeries): chunk exclusion.
  const earliest = Math.min(...kept.map((k) => k.after))
  const bound = Number.isFinite(earliest) ? `AND o.date > DATE '${dayToIso(earliest)}'` : ''
  const prints = await tx.queryArrays(`WITH k AS (SELECT * FROM json_to_recordset($1::json) AS k(ticker text, after date, base bigint, first date, last date)),
    f AS (SELECT k.ticker, bit_xor(${ROW_HASH}) FILTER (WHERE o.date <= k.first) AS first, bit_xor(${ROW_HASH}) AS last
      FROM k JOIN ohlcv_data o ON o.ticker = k.ticker AND o.region = $2 AND o.timeframe = $3 AND o.date > k.after AND o.date <= k.last ${bound}
      GROUP BY k.ticker)
    SELECT k.ticker, (k.base # coalesce(f.first, 0))::text, (k.base # coalesce(f.last, 0))::text FROM k LEFT JOIN f ON f.ticker = k.ticker`,
  [JSON.stringify(keys), region, timeframe])
  const fingerprints = new Map(prints.map((r) => [String(r[0]), [r[1], r[2]] as (string | null)[]]))
  const [regionField, timeframeField] = [csvText(region), csvText(timeframe)]
  const number = (v: number) => (Number.isNaN(v) ? '' : floatText(v)) // NaN: NULL (an empty unquoted field)
  const lines = kept.flatMap((k) => k.checkpoints.flatMap((c, i) => {
    if (c.stored) return [] // the base, kept as it is
    const print = fingerprints.get(k.ticker)?.[i === k.checkpoints.length - 1 ? 1 : 0] ?? null
    return [[csvText(k.ticker), regionField, timeframeField, dayToIso(c.day), c.state.bars, number(c.high), number(c.low), number(c.close),
      bytesHex(recursionsOf(c.state)), bytesHex(c.state.closes), print ?? ''].join(',')]
  }))
  // Every other checkpoint of these tickers goes (older ones, and newer ones a run from an earlier day replaces).
  const keep = kept.map((k) => k.checkpoints.find((c) => c.stored))
  await tx.query(`DELETE FROM ohlcv_indicator_state s USING unnest($1::varchar[], $4::date[]) AS k(ticker, keep)
    WHERE s.ticker = k.ticker AND s.region = $2 AND s.timeframe = $3 AND s.date IS DISTINCT FROM k.keep`,
  [arrayLiteral(kept.map((k) => k.ticker)), region, timeframe, arrayLiteral(keep.map((c) => (c ? dayToIso(c.day) : null)))])
  // COPY, not an INSERT from JSON: the closes are ~6 KB of hex a row, parsed ~2x faster by COPY (spec
  // scale, 2,000 rows: the JSON INSERT was a third of the daily run).
  if (lines.length > 0) await tx.copyCsv('ohlcv_indicator_state', STATE_COLUMNS, lines.join('\n') + '\n')
}

/** The tickers and regions a write covers (for {@link dropStaleCheckpoints}, built only when needed). */
export interface WrittenScope { tickers: Iterable<string>; regions: Iterable<string> }

/**
 * Deletes the checkpoints that bars written from `from` on ('YYYY-MM-DD') make stale: those of the
 * written tickers (`scope()`) at or after that day (every timeframe). Run by the writes of
 * `ohlcv_data`: in their transaction, or right after the COPY that committed them (see ingest.ts).
 *
 * Usually (a new day after the last recompute) no state at all lies at or after `from`. A probe for
 * any such state, whatever its ticker (a superset of the DELETE's rows, read at the same point, so
 * "none" means the DELETE would find nothing to delete in its snapshot and do nothing), then saves the
 * DELETE and its array of every ticker. When it finds one, the DELETE runs after it: later still, so
 * it sees at least what the DELETE in the probe's place would have.
 *
 * The DELETE joins the tickers as an `unnest` (planned in ~0.1 ms) rather than `ticker = ANY(array)`,
 * whose custom plan estimated the array element by element (5-14 ms for 2,000 tickers); it is sent
 * unnamed, so every call gets a custom plan: a named one turned generic after five calls, with one
 * index probe per ticker (~2.3 ms for 2,000).
 */
export async function dropStaleCheckpoints(tx: QueryRunner, from: string, scope: () => WrittenScope): Promise<void> {
  const [row] = await tx.queryArrays(`SELECT EXISTS (SELECT 1 FROM ohlcv_indicator_state WHERE date >= $1::date)`, [from], { prepare: true })
  if (row?.[0] === false) return
  const { tickers, regions } = scope()
  await tx.query(`DELETE FROM ohlcv_indicator_state s USING unnest($1::varchar[]) AS k(ticker)
    WHERE s.ticker = k.ticker AND s.region = ANY($2::varchar[]) AND s.date >= $3::date`,
  [arrayLiteral([...tickers]), arrayLiteral([...regions]), from])
}
