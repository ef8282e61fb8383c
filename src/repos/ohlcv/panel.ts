import { z } from 'zod'
import { isoDate, regionCode, tickerCode } from '../../validation/rules.js'
import { checkOne } from '../../validation/validate.js'
import type { RepoContext } from '../context.js'
import { arrayLiteral, dayToIso, epochDay, isoToDay, toFloat64, toInt32 } from '../../internal/sql-arrays.js'
import { name } from '../../validation/text.js'
import type { OhlcvRow } from '../../schema/index.js'
import { BAR } from './columns.js'

/** A numeric field of a bar: a price, `volume` or an indicator (every `number` column of `ohlcv_data`). */
export type PanelField = { [K in keyof OhlcvRow]-?: OhlcvRow[K] extends number | null ? K : never }[keyof OhlcvRow]

/** Panel fields (camelCase) and their columns: every numeric column of the drizzle table, in table order. */
export const PANEL_COLUMNS = Object.fromEntries(
  BAR.all.filter((c) => c.kind === 'number').map((c) => [c.field, c.name]),
) as Readonly<Record<PanelField, string>>

/** Options of `qdb.ohlcv.panel`. */
export interface PanelOptions<F extends PanelField = 'close'> {
  /** Tickers, in the order the panel lists them (duplicates are dropped). */
  tickers: readonly string[]
  /** The tickers' region, e.g. `KR`. */
  region: string
  /** First and last day, inclusive ('YYYY-MM-DD'). */
  from: string
  /** Last day, inclusive ('YYYY-MM-DD'), not before `from`. */
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
  /** The calendar, ascending ('YYYY-MM-DD'): the columns of every array. */
  dates: string[]
  /** The tickers, in the order asked (duplicates dropped): the rows of every field. */
  tickers: string[]
  /** Per field, one Float64Array per ticker over `dates`; NaN where the ticker has no bar (or a NULL value). */
  fields: Record<F, Float64Array[]>
  /** Per field, the whole ticker-major buffer: `matrix.close[t * dates.length + d]`. */
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

/**
 * Reads a panel: per chunk of tickers one query returns, per ticker, `array_agg` of its dates and of
 * each field (as float8), so no JS object is built per bar; the arrays are then placed on the calendar.
 * @internal
 */
export async function readPanel<F extends PanelField = 'close'>(ctx: RepoContext, options: PanelOptions<F>): Promise<Panel<F>> {
  // The validated copy is what runs: field names go into the SQL text, so a getter on the caller's
  // object must not be read a second time after the check.
  const o = checkOne('ohlcv_data', options, optionsSchema(ctx.options.regions))
  const tickers = [...new Set(o.tickers)]
  const fields = (o.fields ?? ['close']) as readonly PanelField[] as readonly F[]
  const timeframe = o.timeframe ?? 'daily'
  const firstDay = isoToDay(o.from)
  const span = isoToDay(o.to) - firstDay + 1

  // Each ticker's days and values, kept compact until the calendar is known.
  const days = new Map<string, Int32Array>()
  const values = new Map<string, Float64Array[]>()
  const aggregates = fields.map((f) => `array_agg(${PANEL_COLUMNS[f]}::float8 ORDER BY date)`).join(', ')
  for (let i = 0; i < tickers.length; i += TICKERS_PER_QUERY) {
    const chunk = tickers.slice(i, i + TICKERS_PER_QUERY)
    const rows = await ctx.runner.queryArrays(
      `SELECT ticker, array_agg(${epochDay('date')} ORDER BY date), ${aggregates}
       FROM ohlcv_data
       WHERE ticker = ANY($1::varchar[]) AND region = $2 AND timeframe = $3 AND date >= $4::date AND date <= $5::date
       GROUP BY ticker`,
      [arrayLiteral(chunk), o.region, timeframe, o.from, o.to],
    )
    for (const row of rows) {
      days.set(String(row[0]), toInt32(row[1]))
      values.set(String(row[0]), fields.map((_, k) => toFloat64(row[k + 2])))
    }
  }

  // slot[day - firstDay] = index of that day in the calendar, or -1.
  const slot = new Int32Array(span).fill(-1)
  let dates: string[]
  if (o.calendar) {
    dates = [...o.calendar]
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
