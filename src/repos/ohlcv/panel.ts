import { z } from 'zod'
import { isoDate, regionCode, tickerCode } from '../../validation/rules.js'
import { checkOne } from '../../validation/validate.js'
import type { RepoContext } from '../context.js'
import { getTableColumns } from 'drizzle-orm'
import { arrayLiteral, dayToIso, isoToDay } from '../../internal/sql-arrays.js'
import { arrayLength, BinaryCopyReader, readArray, textLiteral, type ElementKind } from '../../internal/pg-binary.js'
import { ohlcvData } from '../../schema/index.js'
import { name } from '../../validation/text.js'

/** Panel fields (camelCase) and their columns. */
export const PANEL_COLUMNS = {
  open: 'open', high: 'high', low: 'low', close: 'close', volume: 'volume', adjustedClose: 'adjusted_close',
  ma5: 'ma5', ma20: 'ma20', ma60: 'ma60', ma120: 'ma120', ma200: 'ma200', rsi: 'rsi', macd: 'macd',
  macdSignal: 'macd_signal', bbUpper: 'bb_upper', bbMiddle: 'bb_middle', bbLower: 'bb_lower', atr: 'atr',
} as const
export type PanelField = keyof typeof PANEL_COLUMNS

export interface PanelOptions<F extends PanelField = 'close'> {
  /** Tickers, in the order the panel lists them (duplicates are dropped). */
  tickers: readonly string[]
  region: string
  /** First and last day, inclusive ('YYYY-MM-DD'). */
  from: string
  to: string
  /** Default `['close']`. */
  fields?: readonly F[] | undefined
  /** Default 'daily'. */
  timeframe?: string | undefined
  /**
   * The dates to align on (e.g. an exchange calendar), sorted ascending. Default: every date on which
   * at least one of the tickers has a bar between `from` and `to`. Bars on other dates are left out.
   */
  calendar?: readonly string[] | undefined
}

/**
 * Many tickers x many days, aligned on one calendar. `fields.close[t][d]` is the close of
 * `tickers[t]` on `dates[d]`, NaN where that ticker has no bar. The per-ticker arrays are views of one
 * ticker-major buffer per field, also given whole as `matrix.close` (`matrix.close[t * dates.length + d]`).
 */
export interface Panel<F extends PanelField = 'close'> {
  dates: string[]
  tickers: string[]
  fields: Record<F, Float64Array[]>
  matrix: Record<F, Float64Array>
}

// Tickers per query: bounds the size of one result while keeping round trips few.
const TICKERS_PER_QUERY = 500

function optionsSchema(regions: ReadonlySet<string>) {
  return z.object({
    tickers: z.array(tickerCode).min(1, 'must list at least one ticker'),
    region: regionCode(regions),
    from: isoDate,
    to: isoDate,
    fields: z.array(z.enum(Object.keys(PANEL_COLUMNS) as [PanelField, ...PanelField[]])).min(1).optional(),
    timeframe: name(10, 1).optional(),
    calendar: z.array(isoDate).optional(),
  }).refine((o) => o.from <= o.to, { path: ['to'], message: 'must not be before from' })
}

/** How a column travels in the binary COPY: NUMERIC as itself, integers as int8, anything else cast to float8. */
const columnKinds = new Map<string, { select: (column: string) => string; kind: ElementKind }>(
  Object.values(getTableColumns(ohlcvData)).map((c) => {
    const type = c.getSQLType()
    if (type.startsWith('numeric')) return [c.name, { select: (col) => col, kind: 'numeric' as const }]
    if (type === 'bigint' || type === 'integer' || type === 'smallint') return [c.name, { select: (col) => `${col}::int8`, kind: 'int8' as const }]
    return [c.name, { select: (col) => `${col}::float8`, kind: 'float8' as const }]
  }),
)
const kindOf = (column: string) => columnKinds.get(column) ?? { select: (col: string) => `${col}::float8`, kind: 'float8' as const }

/**
 * The SELECT a panel COPYs for some tickers (validated options): per ticker its dates and each field.
 * COPY takes no parameters, so every value is written as a quoted literal. @internal
 */
export function panelCopySelect(tickers: readonly string[], o: { region: string; from: string; to: string; timeframe?: string | undefined; fields: readonly PanelField[] }): string {
  const aggregates = o.fields.map((f) => `array_agg(${kindOf(PANEL_COLUMNS[f]).select(PANEL_COLUMNS[f])})`).join(', ')
  return `SELECT ticker, array_agg(date), ${aggregates} FROM ohlcv_data
    WHERE ticker = ANY(${textLiteral(arrayLiteral(tickers))}::varchar[]) AND region = ${textLiteral(o.region)}
      AND timeframe = ${textLiteral(o.timeframe ?? 'daily')} AND date >= ${textLiteral(o.from)}::date AND date <= ${textLiteral(o.to)}::date
    GROUP BY ticker`
}

/**
 * Reads a panel: per chunk of tickers one `COPY … TO STDOUT (FORMAT binary)` returns, per ticker,
 * `array_agg` of its dates and of each field in the columns' binary formats (NUMERIC as base-10000
 * digits, no text), decoded straight into typed arrays: no JS object or string per bar. The arrays
 * are then placed on the calendar. The aggregates have no ORDER BY: all of them see a group's rows in
 * the same order, which is all the placement needs (and PostgreSQL 15 would sort once per aggregate).
 */
export async function readPanel<F extends PanelField = 'close'>(ctx: RepoContext, options: PanelOptions<F>): Promise<Panel<F>> {
  checkOne('ohlcv_data', options, optionsSchema(ctx.options.regions))
  const tickers = [...new Set(options.tickers)]
  const fields = (options.fields ?? ['close']) as readonly F[]
  const timeframe = options.timeframe ?? 'daily'
  const firstDay = isoToDay(options.from)
  const span = isoToDay(options.to) - firstDay + 1

  // Each ticker's days and values, kept compact until the calendar is known.
  const days = new Map<string, Int32Array>()
  const values = new Map<string, Float64Array[]>()
  const kinds = fields.map((f) => kindOf(PANEL_COLUMNS[f]))
  const utf8 = new TextDecoder()
  const reader = () => new BinaryCopyReader(fields.length + 2, (view, bytes, at, length) => {
    const ticker = utf8.decode(bytes.subarray(at[0], (at[0] as number) + (length[0] as number)))
    const count = arrayLength(view, at[1] as number)
    const list = new Int32Array(count)
    readArray(view, at[1] as number, 'date', list)
    days.set(ticker, list)
    values.set(ticker, kinds.map((k, f) => {
      const series = new Float64Array(count)
      if (at[f + 2] as number >= 0) readArray(view, at[f + 2] as number, k.kind, series)
      return series
    }))
  })
  for (let i = 0; i < tickers.length; i += TICKERS_PER_QUERY) {
    const chunk = reader()
    const select = panelCopySelect(tickers.slice(i, i + TICKERS_PER_QUERY), { ...options, timeframe, fields })
    await ctx.runner.copyOutBinary(select, (data) => chunk.push(data))
    chunk.finish()
  }

  // slot[day - firstDay] = index of that day in the calendar, or -1.
  const slot = new Int32Array(span).fill(-1)
  let dates: string[]
  if (options.calendar) {
    dates = [...options.calendar]
    dates.forEach((d, k) => {
      const at = isoToDay(d) - firstDay
      if (at >= 0 && at < span) slot[at] = k
    })
  } else {
    const seen = new Uint8Array(span)
    for (const list of days.values()) for (const d of list) seen[d - firstDay] = 1
    dates = []
    for (let at = 0; at < span; at++) if (seen[at]) slot[at] = dates.push(dayToIso(firstDay + at)) - 1
  }

  const n = dates.length
  const matrix = {} as Record<F, Float64Array>
  const perTicker = {} as Record<F, Float64Array[]>
  fields.forEach((field, k) => {
    const buffer = new Float64Array(tickers.length * n).fill(Number.NaN)
    tickers.forEach((ticker, t) => {
      const list = days.get(ticker)
      const series = values.get(ticker)?.[k]
      if (!list || !series) return
      for (let j = 0; j < list.length; j++) {
        const at = slot[(list[j] as number) - firstDay] as number
        if (at >= 0) buffer[t * n + at] = series[j] as number
      }
    })
    matrix[field] = buffer
    perTicker[field] = tickers.map((_, t) => buffer.subarray(t * n, (t + 1) * n))
  })
  return { dates, tickers, fields: perTicker, matrix }
}
