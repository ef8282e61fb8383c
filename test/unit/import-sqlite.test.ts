import { spawn } from 'node:child_process'
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { convert, Unconvertible } from '../../src/ops/import-sqlite/convert.js'
import { LegacyReader } from '../../src/ops/import-sqlite/reader.js'
import { writeLegacyFile } from '../integration/legacy-sqlite-file.js'

describe('legacy SQLite values, converted only where unambiguous', () => {
  // Hand-worked: 2024-01-01T00:00Z is 1,704,067,200 s after 1970 (19,723 days x 86,400), and Julian
  // day 2,460,310.5 (JD 2,451,545.0 is 2000-01-01 12:00 UTC; 8,766 days later, minus half a day).
  it.each([
    ['2024-01-01', '2024-01-01'],
    ['2024-01-01 00:00:00', '2024-01-01'],
    ['2024-01-01T15:30:00+09:00', '2024-01-01'],
    [1_704_067_200, '2024-01-01'],
    [1_704_067_200n, '2024-01-01'],
    [2_460_310.5, '2024-01-01'],
  ])('date %s -> %s', (input, expected) => {
    expect(convert('date', input)).toBe(expected)
  })

  it.each([
    ['04/01/2023', /expected a date 'YYYY-MM-DD'/],
    ['2023-02-30', /expected a date/],
    [1_704_099_600, /not midnight UTC/], // 09:00 UTC: a different day in Seoul and New York
    [1_704_067_200_000, /not a Unix time in seconds/], // milliseconds
    [2_460_310.75, /not midnight UTC/],
  ])('date %s is refused', (input, message) => {
    expect(() => convert('date', input)).toThrow(Unconvertible)
    expect(() => convert('date', input)).toThrow(message)
  })

  it('timestamps: zone-less text is UTC (as SQLite writes CURRENT_TIMESTAMP), offsets are kept, numbers are Unix seconds', () => {
    expect(convert('timestamp', '2024-01-01 12:34:56')).toEqual(new Date(Date.UTC(2024, 0, 1, 12, 34, 56)))
    expect(convert('timestamp', '2024-01-01T12:34:56.250+0900')).toEqual(new Date(Date.UTC(2024, 0, 1, 3, 34, 56, 250)))
    expect(convert('timestamp', 1_704_067_200)).toEqual(new Date(Date.UTC(2024, 0, 1)))
  })

  it('booleans from 1/0 and true/false only; JSON from text; numbers from numbers or decimal text; text stays text', () => {
    expect([convert('boolean', 1), convert('boolean', 0n), convert('boolean', 'TRUE'), convert('boolean', '0')]).toEqual([true, false, true, false])
    expect(() => convert('boolean', 2)).toThrow(/expected a boolean/)
    expect(() => convert('boolean', 'yes')).toThrow(/expected a boolean/)
    expect(convert('json', '{"exchange":"KOSPI","n":[1,2]}')).toEqual({ exchange: 'KOSPI', n: [1, 2] })
    expect(() => convert('json', '{exchange: KOSPI}')).toThrow(/does not parse/)
    expect([convert('number', 74_500.25), convert('number', ' 1.5e3 '), convert('number', 9_007_199_254_740_991n)]).toEqual([74_500.25, 1500, 9_007_199_254_740_991])
    expect(() => convert('number', '12,5')).toThrow(/expected a number/)
    expect(() => convert('number', 9_007_199_254_740_993n)).toThrow(/beyond a safe JavaScript number/)
    // A ticker stored as a number has lost its leading zeros (005930 -> 5930): refused, not guessed.
    expect(() => convert('text', 5930)).toThrow(/expected text, found number 5930/)
    expect(() => convert('number', new Uint8Array(4))).toThrow(/4-byte BLOB/)
    expect(convert('date', null)).toBeNull()
  })
})

describe('the legacy reader', () => {
  const dir = mkdtempSync(join(tmpdir(), 'quantdb-reader-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'legacy.db')
  writeLegacyFile(file, { days: 40 })

  it('pages through a table by rowid, every row once, whatever the batch size', async () => {
    const reader = await LegacyReader.open(file)
    try {
      expect(reader.tables()).toEqual(['factor_scores', 'ohlcv_data', 'tickers'])
      expect(reader.columns('ohlcv_data').slice(0, 3)).toEqual(['id', 'date', 'close'])
      const seen: number[] = []
      for (const batch of reader.batches('ohlcv_data', 0, 7)) {
        expect(batch.length).toBeLessThanOrEqual(7)
        seen.push(...batch.map((r) => r.rowid))
      }
      expect(seen).toEqual(Array.from({ length: 122 }, (_, i) => i + 1))
      // The id column stays a column: the rowid travels beside the values.
      const [first] = reader.batches('ohlcv_data', 100, 1).next().value!
      expect(first).toMatchObject({ rowid: 101, values: { id: 101 } })
    } finally {
      reader.close()
    }
  })

  it('takes over the lock left by a killed reader, refuses a live one and one of unknown origin', async () => {
    const dead = spawn(process.execPath, ['-e', ''])
    await new Promise((r) => dead.on('exit', r))
    const lock = `${file}.lock`
    const owner = `${file}.quantdb-reader.pid`

    mkdirSync(lock)
    writeFileSync(owner, String(dead.pid))
    const reader = await LegacyReader.open(file)
    expect(reader.count('tickers')).toBe(3)
    reader.close()
    expect(existsSync(lock)).toBe(false)
    expect(existsSync(owner)).toBe(false)

    const live = spawn(process.execPath, ['-e', 'setTimeout(() => {}, 60000)'])
    try {
      mkdirSync(lock)
      writeFileSync(owner, String(live.pid))
      await expect(LegacyReader.open(file)).rejects.toThrow(`is being read by another import (process ${live.pid})`)
      rmSync(owner)
      await expect(LegacyReader.open(file)).rejects.toThrow(/legacy\.db\.lock exists: .* Remove that directory if nothing is reading the file/)
      expect(existsSync(lock)).toBe(true)
    } finally {
      live.kill()
      rmSync(lock, { recursive: true, force: true })
    }
  })

  it('names the package and the file when the file is not SQLite', async () => {
    const text = join(dir, 'notes.txt')
    writeFileSync(text, 'just some text, long enough to not be a SQLite header at all............................................')
    await expect(LegacyReader.open(text)).rejects.toThrow(/notes\.txt is not a readable SQLite database/)
  })
})
