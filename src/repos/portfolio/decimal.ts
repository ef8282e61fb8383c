import { sql, type SQL } from 'drizzle-orm'

// Exact decimal arithmetic in SQL. PostgreSQL's NUMERIC adds, subtracts and multiplies exactly;
// only division rounds (to a scale PostgreSQL picks, 16 significant digits or so), and rounding
// that result again to the column's scale can then be off by one unit in the last place
// (double rounding). These helpers round a quotient once, exactly, with integer division:
//
//   round_half_away_from_zero(a / b, s) = sign(a)·sign(b) · div(|a|·2·10^s + |b|, 2·|b|) · 10^-s
//
// `div` truncates the exact quotient, so the result is what `round(a / b, s)` would give if the
// division had infinite precision — the same half-away-from-zero rule as `round()`.

/** 10^-scale as an exact NUMERIC literal: 4 → '0.0001'. */
function unit(scale: number): string {
  return scale === 0 ? '1' : `0.${'0'.repeat(scale - 1)}1`
}

/** `a / b` rounded once, exactly, to `scale` decimals (text SQL; `a` and `b` are SQL expressions). */
export function roundDivText(a: string, b: string, scale: number): string {
  const A = `(${a})::numeric`
  const B = `(${b})::numeric`
  return `(sign(${A}) * sign(${B}) * div(abs(${A}) * ${2 * 10 ** scale} + abs(${B}), 2 * abs(${B})) * ${unit(scale)})`
}

/** `a / b` rounded once, exactly, to `scale` decimals (drizzle SQL). */
export function roundDiv(a: SQL, b: SQL, scale: number): SQL {
  const A = sql`(${a})::numeric`
  const B = sql`(${b})::numeric`
  return sql`(sign(${A}) * sign(${B}) * div(abs(${A}) * ${sql.raw(String(2 * 10 ** scale))} + abs(${B}), 2 * abs(${B})) * ${sql.raw(unit(scale))})`
}

/** A JS number as the decimal text PostgreSQL parses exactly: the shortest string that round-trips. */
export function decimal(value: number): string {
  return String(value)
}
