import type { OhlcvBarInput } from '../../validation/ohlcv.js'
import { ADJUSTED_COLUMN, INDICATOR_COLUMNS, KEY_COLUMNS, PRICE_COLUMNS } from './columns.js'

// Bars as COPY ... (FORMAT csv) text. Only validated bars get here: numbers are finite, volume a
// safe integer (printed without exponent), ticker/region/timeframe non-empty strings.

/** Which optional groups of columns a batch of bars writes. */
export interface BarShape {
  adjusted: boolean
  indicators: boolean
}

/** The shape of one bar: does it set `adjusted_close`, does it set the indicators. */
export function shapeOf(b: OhlcvBarInput): BarShape {
  // Read by name (fast on bars of one shape, unlike a loop over INDICATOR_FIELDS).
  const indicators = b.ma5 !== undefined || b.ma20 !== undefined || b.ma60 !== undefined || b.ma120 !== undefined
    || b.ma200 !== undefined || b.rsi !== undefined || b.macd !== undefined || b.macdSignal !== undefined
    || b.bbUpper !== undefined || b.bbMiddle !== undefined || b.bbLower !== undefined || b.atr !== undefined
  return { adjusted: b.adjustedClose !== undefined, indicators }
}

export function columnsOf(shape: BarShape): string[] {
  return [
    ...KEY_COLUMNS, ...PRICE_COLUMNS,
    ...(shape.adjusted ? [ADJUSTED_COLUMN] : []),
    ...(shape.indicators ? INDICATOR_COLUMNS : []),
  ]
}

const NEEDS_QUOTES = /[",\r\n]/

/**
 * A text field of a `COPY … (FORMAT csv)` line: quoted when it holds a quote, comma or line break, or
 * is empty (an unquoted empty field is NULL).
 * @internal
 */
export function csvText(s: string): string {
  return s === '' || NEEDS_QUOTES.test(s) ? `"${s.replaceAll('"', '""')}"` : s
}

function num(v: number | null | undefined): string {
  return v === null || v === undefined ? '' : String(v)
}

/**
 * One bar as a CSV line (no newline), columns as `columnsOf(shape)`; fields the bar leaves out are
 * NULL. Written out by hand for speed (the hot path of an ingest); test/unit/table-columns.test.ts
 * checks that it writes every column of `columnsOf` in that order.
 */
export function csvLine(b: OhlcvBarInput, shape: BarShape): string {
  let line = `${csvText(b.ticker)},${csvText(b.region)},${b.date},${csvText(b.timeframe ?? 'daily')},${b.open},${b.high},${b.low},${b.close},${b.volume}`
  if (shape.adjusted) line += `,${num(b.adjustedClose)}`
  if (shape.indicators) {
    line += `,${num(b.ma5)},${num(b.ma20)},${num(b.ma60)},${num(b.ma120)},${num(b.ma200)},${num(b.rsi)}` +
      `,${num(b.macd)},${num(b.macdSignal)},${num(b.bbUpper)},${num(b.bbMiddle)},${num(b.bbLower)},${num(b.atr)}`
  }
  return line
}

/** The CSV text of `bars` (all of one shape), one line per bar, columns as `columnsOf(shape)`. */
export function barsToCsv(bars: readonly OhlcvBarInput[], shape: BarShape): string {
  const lines = new Array<string>(bars.length)
  for (let i = 0; i < bars.length; i++) lines[i] = csvLine(bars[i] as OhlcvBarInput, shape)
  return lines.join('\n') + '\n'
}
