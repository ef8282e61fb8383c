import type { ImportReport } from '../ops/import-sqlite/import.js'
import type { ValidationReport } from '../ops/validate.js'
import { formatTable } from './format.js'

const range = (r: { from: string | null; to: string | null }): string => (r.from === null ? '' : `${r.from} .. ${r.to}`)

/**
 * The validation as two tables: the checks (with a verdict and a few examples of offending rows),
 * then row counts and date ranges per table.
 */
export function printValidation(report: ValidationReport): string {
  const checks = formatTable(report.checks.map((c) => ({
    check: c.check, table: c.table, rows: c.rows, result: c.rows === 0 ? 'ok' : 'FAIL', examples: c.examples.join('; '),
  })))
  const tables = formatTable(report.tables.map((t) => ({ table: t.table, rows: t.rows, dates: range(t), tickers: t.tickers })))
  const verdict = report.ok ? 'All checks passed.' : `${report.checks.filter((c) => c.rows > 0).length} check(s) found rows.`
  return `${checks}\n${tables}\n${verdict}\n`
}

/** The spec 9.2 report of an import: per table legacy vs imported vs rejected, date ranges, columns left out, then the checks. */
export function printImportReport(report: ImportReport): string {
  const parts: string[] = []
  parts.push(`${report.dryRun ? 'Dry run (nothing written): ' : ''}${report.file}${report.resumed ? ' (resumed)' : ''}\n`)
  if (report.tables.length === 0) parts.push('The file has none of the schema\'s tables.\n')
  else {
    parts.push(formatTable(report.tables.map((t) => ({
      table: t.table, status: t.status, legacy: t.legacyRows, imported: t.imported, rejected: t.rejected,
      'legacy dates': range(t.legacyRange), 'imported dates': range(t.importedRange),
    }))))
  }
  for (const t of report.tables) {
    if (t.reason) parts.push(`${t.table}: ${t.status}: ${t.reason}\n`)
    if (t.ignoredColumns.length) parts.push(`${t.table}: legacy columns left out: ${t.ignoredColumns.join(', ')}\n`)
  }
  if (report.unknownTables.length) parts.push(`legacy tables not in the schema (left out): ${report.unknownTables.join(', ')}\n`)
  const rejected = report.tables.reduce((s, t) => s + t.rejected, 0)
  if (rejected > 0) parts.push(`${rejected.toLocaleString('en-US')} row(s) rejected: see ${report.rejectsFile}\n`)
  const off = report.reconciliation?.filter((r) => !r.matches) ?? []
  if (report.reconciliation && report.reconciliation.length > 0) {
    parts.push(`\nPositions vs net quantity of trades: ${off.length === 0 ? 'all match' : `${off.length} differ (reported, not refused)`}\n`)
    if (off.length > 0) {
      parts.push(formatTable(off.map((r) => ({ ticker: r.ticker, region: r.region, position: r.positionQuantity, 'trades net': r.tradesNetQuantity }))))
    }
  }
  if (report.validation) parts.push(`\nIntegrity checks:\n${printValidation(report.validation)}`)
  return parts.join('')
}
