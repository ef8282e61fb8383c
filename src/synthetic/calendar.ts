import { invalidArgument } from '../errors.js'
// Trading-day arithmetic on 'YYYY-MM-DD' strings. Every computation works on day numbers in UTC
// (Date.UTC, getUTC*, toISOString): a local-time Date would turn '2020-01-02' into the 1st or the
// 3rd depending on the machine's time zone, and tests would pass in Seoul and fail in New York.

const MS_PER_DAY = 86_400_000
const ISO_DATE = /^(\d{4})-(\d{2})-(\d{2})$/
/** Day numbers of 1000-01-01 and 9999-12-31: outside them the four-digit year format breaks. */
const FIRST_DAY = Date.UTC(1000, 0, 1) / MS_PER_DAY
const LAST_DAY = Date.UTC(9999, 11, 31) / MS_PER_DAY

/**
 * Days since 1970-01-01 of a 'YYYY-MM-DD' date; `ValidationError` naming `name` unless it is a real
 * calendar day (2021-02-29 is rejected, not rolled over to March).
 *
 * @example
 * ```ts
 * dayNumber('1970-01-02') // 1
 * ```
 */
export function dayNumber(date: string, name = 'date'): number {
  const m = ISO_DATE.exec(date)
  const [year, month, day] = m ? [Number(m[1]), Number(m[2]), Number(m[3])] : [Number.NaN, Number.NaN, Number.NaN]
  const ms = Date.UTC(year, month - 1, day)
  const check = new Date(ms)
  if (!m || check.getUTCFullYear() !== year || check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) {
    throw invalidArgument(name, `must be a real date written 'YYYY-MM-DD', got '${date}'`)
  }
  // Date.UTC maps years 0-99 to 1900-1999; the check above catches that too.
  return ms / MS_PER_DAY
}

/**
 * The 'YYYY-MM-DD' date of a day number (inverse of {@link dayNumber}).
 *
 * @example
 * ```ts
 * formatDay(18263) // '2020-01-02'
 * ```
 */
export function formatDay(day: number): string {
  if (!Number.isInteger(day) || day < FIRST_DAY || day > LAST_DAY) {
    throw invalidArgument('(arguments)', `day ${String(day)} is outside the years 1000-9999`)
  }
  return new Date(day * MS_PER_DAY).toISOString().slice(0, 10)
}

/** True for Saturdays and Sundays. 1970-01-01 was a Thursday, hence the offset of 4. */
function isWeekendDay(day: number): boolean {
  const weekday = (((day + 4) % 7) + 7) % 7 // 0 = Sunday; the double modulo handles dates before 1970
  return weekday === 0 || weekday === 6
}

/**
 * True when `date` ('YYYY-MM-DD') is a Saturday or a Sunday (in UTC, whatever the local time zone).
 *
 * @example
 * ```ts
 * isWeekend('2020-01-04') // true (a Saturday)
 * ```
 */
export function isWeekend(date: string): boolean {
  return isWeekendDay(dayNumber(date))
}

/**
 * Adds `days` calendar days (negative to go back) to a 'YYYY-MM-DD' date.
 *
 * @example
 * ```ts
 * addDays('2020-02-28', 1) // '2020-02-29'
 * ```
 */
export function addDays(date: string, days: number): string {
  if (!Number.isSafeInteger(days)) throw invalidArgument('days', `must be an integer, got ${String(days)}`)
  return formatDay(dayNumber(date) + days)
}

/**
 * The first `count` trading days from `start` (included when it is a weekday), skipping Saturdays
 * and Sundays only: the synthetic market has no holidays.
 *
 * @example
 * ```ts
 * tradingDays('2020-01-02', 3) // ['2020-01-02', '2020-01-03', '2020-01-06']
 * ```
 */
export function tradingDays(start: string, count: number): string[] {
  if (!Number.isSafeInteger(count) || count < 0) throw invalidArgument('count', `must be a non-negative integer, got ${String(count)}`)
  const days: string[] = []
  for (let day = dayNumber(start, 'start'); days.length < count; day++) {
    if (!isWeekendDay(day)) days.push(formatDay(day))
  }
  return days
}

/**
 * Every trading day (weekday) from `from` to `to`, both included; empty when `to` is before `from`.
 *
 * @example
 * ```ts
 * tradingDaysBetween('2020-01-03', '2020-01-07') // ['2020-01-03', '2020-01-06', '2020-01-07']
 * ```
 */
export function tradingDaysBetween(from: string, to: string): string[] {
  const last = dayNumber(to, 'to')
  const days: string[] = []
  for (let day = dayNumber(from, 'from'); day <= last; day++) {
    if (!isWeekendDay(day)) days.push(formatDay(day))
  }
  return days
}
