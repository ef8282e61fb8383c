import type { ImportProgress } from '../ops/import-sqlite/import.js'

const n = (v: number): string => v.toLocaleString('en-US')

function eta(seconds: number | null): string {
  if (seconds === null) return '?'
  if (seconds < 60) return `${seconds}s`
  const m = Math.floor(seconds / 60)
  return m < 60 ? `${m}m${String(seconds % 60).padStart(2, '0')}s` : `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}

/**
 * Import progress on stderr: a bar redrawn in place on a terminal; plain lines otherwise (logs, CI),
 * at most one per `interval` ms per table plus the table's last one, so a long import does not flood a log.
 */
export function importProgressPrinter(stream: NodeJS.WriteStream, interval = 5_000): { update(p: ImportProgress): void; done(): void } {
  const tty = stream.isTTY === true
  let lastTable = ''
  let lastLine = 0
  return {
    update(p) {
      const pct = p.total > 0 ? Math.min(100, Math.floor((p.done / p.total) * 100)) : 100
      const stats = `${n(p.done)}/${n(p.total)} rows, ${n(p.rejected)} rejected, ${n(p.rowsPerSecond)} rows/s, ETA ${eta(p.etaSeconds)}`
      if (tty) {
        const width = 24
        const filled = Math.round((pct / 100) * width)
        if (lastTable && lastTable !== p.table) stream.write('\n')
        stream.write(`\r${p.table.padEnd(16)} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${String(pct).padStart(3)}% ${stats}\x1b[K`)
      } else {
        const now = Date.now()
        if (p.table === lastTable && now - lastLine < interval && p.done < p.total) return
        lastLine = now
        stream.write(`${p.table}: ${pct}% ${stats}\n`)
      }
      lastTable = p.table
    },
    done() {
      if (tty && lastTable) stream.write('\n')
    },
  }
}
