import { describe, expect, it } from 'vitest'
import { formatRecord, formatTable } from '../../src/cli/format.js'
import { importProgressPrinter } from '../../src/cli/progress.js'

describe('CLI output', () => {
  it('tables align columns, numbers to the right, with a header rule', () => {
    expect(formatTable([{ table: 'tickers', rows: 3, note: null }, { table: 'ohlcv_data', rows: 1234567, note: 'x' }])).toBe(
      'table            rows  note\n' +
      '----------  ---------  ----\n' +
      'tickers             3\n' +
      'ohlcv_data  1,234,567  x\n',
    )
    expect(formatTable([])).toBe('')
  })

  it('records flatten nested objects and say (none) for empty ones', () => {
    expect(formatRecord({ mode: 'plain', deleted: {}, refreshed: ['a', 'b'] })).toBe('mode       plain\ndeleted    (none)\nrefreshed  a, b\n')
  })

  it('progress: a bar redrawn in place on a terminal, one line per table otherwise', () => {
    const chunks = (tty: boolean) => {
      const out: string[] = []
      const stream = { isTTY: tty, write: (t: string) => { out.push(t); return true } } as unknown as NodeJS.WriteStream
      const p = importProgressPrinter(stream, 60_000)
      p.update({ table: 'ohlcv_data', done: 5000, total: 20000, accepted: 4990, rejected: 10, rowsPerSecond: 2500, etaSeconds: 6 })
      p.update({ table: 'ohlcv_data', done: 10000, total: 20000, accepted: 9990, rejected: 10, rowsPerSecond: 2500, etaSeconds: 4 })
      p.update({ table: 'ohlcv_data', done: 20000, total: 20000, accepted: 19990, rejected: 10, rowsPerSecond: 2500, etaSeconds: 0 })
      p.done()
      return out
    }
    const tty = chunks(true)
    expect(tty[0]).toBe('\rohlcv_data       [######..................]  25% 5,000/20,000 rows, 10 rejected, 2,500 rows/s, ETA 6s\x1b[K')
    expect(tty.at(-1)).toBe('\n')
    // Not a terminal: the first line of a table and its last; the one in between falls inside the interval.
    expect(chunks(false)).toEqual([
      'ohlcv_data: 25% 5,000/20,000 rows, 10 rejected, 2,500 rows/s, ETA 6s\n',
      'ohlcv_data: 100% 20,000/20,000 rows, 10 rejected, 2,500 rows/s, ETA 0s\n',
    ])
  })
})
