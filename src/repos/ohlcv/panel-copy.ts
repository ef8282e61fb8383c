// The panel's read: one binary COPY per group of tickers, one row per ticker holding its days and
// each field as arrays, decoded straight into typed arrays (issue 9). One row per bar cost the client
// more than the server: postgres.js hands over each COPY row as its own message (two buffers and a
// stream event per bar, ~170 ms of CPU for 625,000 bars before any decoding); per ticker, 500
// messages. On the spec's market (TimescaleDB 2.28, 500 tickers x 1,250 days, 4 COPYs side by side,
// the client only receiving): one row per ticker 186-204 ms vs one per bar 243 ms with its compressed
// history in one chunk, 466-550 ms vs 542 ms in monthly chunks, and the client's CPU 57 vs 169-216 ms.
import { arrayAt, BinaryCopyReader, dateAt, float8At, int32At, int8At, numericAt, OID, textLiteral } from '../../internal/pg-binary.js'
import { arrayLiteral } from '../../internal/sql-arrays.js'
import { BAR } from './columns.js'

type Kind = 'numeric' | 'int8' | 'float8'

/** How a column travels: NUMERIC as itself (base-10000 digits), integers as int8, anything else as float8. */
const columnKinds = new Map<string, Kind>(BAR.all.map((c) => [c.name,
  c.sqlType.startsWith('numeric') ? 'numeric' : ['bigint', 'integer', 'smallint'].includes(c.sqlType) ? 'int8' : 'float8']))
const kindOf = (column: string): Kind => columnKinds.get(column) ?? 'float8'
const selectAs = (column: string): string => {
  const kind = kindOf(column)
  return kind === 'numeric' ? column : `${column}::${kind}`
}

/**
 * The SELECT a panel COPYs for some tickers: per ticker one row, its days and each column as arrays
 * (`array_agg` in one aggregation step, so the arrays share one order: the k-th day goes with the
 * k-th value of each column), in no particular order (placement needs none). COPY takes no bound
 * parameters, so every value is a quoted literal; the caller has validated them. @internal
 */
export function panelCopySelect(tickers: readonly string[], o: { region: string; from: string; to: string; timeframe?: string | undefined; columns: readonly string[] }): string {
  return `SELECT ticker, array_agg(date), ${o.columns.map((c) => `array_agg(${selectAs(c)})`).join(', ')} FROM ohlcv_data
    WHERE ticker = ANY(${textLiteral(arrayLiteral(tickers))}::varchar[]) AND region = ${textLiteral(o.region)}
      AND timeframe = ${textLiteral(o.timeframe ?? 'daily')} AND date >= ${textLiteral(o.from)}::date AND date <= ${textLiteral(o.to)}::date
    GROUP BY ticker`
}

/** Bars as columns: the index of the ticker, the day (since 1970-01-01), and each field (NaN for NULL). */
export class PanelRows {
  count = 0
  ticker: Int32Array
  day: Int32Array
  values: Float64Array[]
  private readonly kinds: Kind[]
  private readonly index: Map<string, number>
  private readonly utf8 = new TextDecoder()

  constructor(tickers: readonly string[], columns: readonly string[], expected: number) {
    this.index = new Map(tickers.map((t, i) => [t, i]))
    this.kinds = columns.map(kindOf)
    const size = Math.max(1024, Math.min(expected, 1 << 20))
    this.ticker = new Int32Array(size)
    this.day = new Int32Array(size)
    this.values = columns.map(() => new Float64Array(size))
  }

  /** A reader of one COPY's stream (rows of {@link panelCopySelect}) into these rows. */
  reader(): BinaryCopyReader {
    const kinds = this.kinds
    return new BinaryCopyReader(kinds.length + 2, (bytes, at, length) => {
      const ticker = this.tickerIndex(bytes, at[0] as number, length[0] as number)
      const days = arrayAt(bytes, at[1] as number, OID.date)
      const n = days.count
      while (this.count + n > this.day.length) this.grow()
      const row = this.count
      this.ticker.fill(ticker, row, row + n)
      let p = days.first
      for (let i = 0; i < n; i++) {
        // A day is never NULL (a key column): 4 bytes each.
        this.day[row + i] = dateAt(bytes, p + 4)
        p += 8
      }
      for (let k = 0; k < kinds.length; k++) {
        const kind = kinds[k] as Kind
        const array = arrayAt(bytes, at[k + 2] as number, OID[kind])
        if (array.count !== n) throw new Error(`panel row of ${n} days and ${array.count} values`)
        const out = this.values[k] as Float64Array
        p = array.first
        for (let i = 0; i < n; i++) {
          const size = int32At(bytes, p)
          p += 4
          if (size < 0) { out[row + i] = Number.NaN; continue }
          out[row + i] = kind === 'numeric' ? numericAt(bytes, p) : kind === 'int8' ? int8At(bytes, p) : float8At(bytes, p)
          p += size
        }
      }
      this.count = row + n
    })
  }

  private tickerIndex(bytes: Uint8Array, at: number, length: number): number {
    return this.index.get(this.utf8.decode(bytes.subarray(at, at + length))) ?? -1
  }

  private grow(): void {
    const size = this.day.length * 2
    const bigger = <A extends Int32Array | Float64Array>(a: A, make: (n: number) => A): A => {
      const b = make(size)
      b.set(a)
      return b
    }
    this.ticker = bigger(this.ticker, (n) => new Int32Array(n))
    this.day = bigger(this.day, (n) => new Int32Array(n))
    this.values = this.values.map((v) => bigger(v, (n) => new Float64Array(n)))
  }
}
