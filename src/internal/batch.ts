/**
 * Rows per multi-row statement: as many as the driver takes, with `columns` bound parameters per
 * row kept under the wire protocol's limit (postgres.js refuses 65,534 and more).
 */
export function rowsPerStatement(
  columns: number,
  limits: { maxParameters: number; maxRowsPerStatement: number },
): number {
  return Math.max(1, Math.min(limits.maxRowsPerStatement, Math.floor(limits.maxParameters / Math.max(1, columns))))
}

/** Splits `rows` into consecutive slices of at most `size`. */
export function* chunks<T>(rows: readonly T[], size: number): Generator<T[]> {
  for (let i = 0; i < rows.length; i += size) yield rows.slice(i, i + size)
}
