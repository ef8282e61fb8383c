import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { createQuantDb, type QuantDb } from '../../src/index.js'
import { forEachTarget, openTarget } from '../helpers/targets.js'

const dir = mkdtempSync(join(tmpdir(), 'quantdb-backup-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

forEachTarget('backup and restore', (target, db) => {
  it('restores every row, and the restored database needs no migration', async () => {
    await db().exec(`
      INSERT INTO tickers (ticker, region, metadata) VALUES ('BK1', 'KR', '{"exchange":"KOSPI"}');
      INSERT INTO ohlcv_data (ticker, region, date, open, high, low, close, volume)
        SELECT 'BK1', 'KR', date '2023-01-02' + g, 100, 101.5, 99, 100.25, 10 * g FROM generate_series(0, 199) g;`)
    const file = join(dir, `${target.name}.backup`)
    const result = await db().backup(file)
    expect(result.bytes).toBeGreaterThan(1000)
    expect(result.format).toBe(target.name === 'embedded' ? 'pglite-datadir-tgz' : 'pg_dump-custom')

    let restored: QuantDb
    if (target.name === 'embedded') {
      restored = await createQuantDb({ restoreFrom: file, logger: {} })
    } else {
      restored = await openTarget(target, { migrate: false })
      await restored.restore(file)
    }
    try {
      expect(await restored.query(`SELECT count(*)::int AS n, sum(volume)::text AS v, max(close)::text AS c
        FROM ohlcv_data WHERE ticker = 'BK1'`)).toEqual([{ n: 200, v: String(10 * (199 * 200) / 2), c: '100.2500' }])
      expect(await restored.query(`SELECT metadata FROM tickers WHERE ticker = 'BK1'`)).toEqual([{ metadata: { exchange: 'KOSPI' } }])
      expect((await restored.migrate()).applied).toEqual([])
      expect(restored.capabilities.timescale).toBe(target.timescale)
    } finally {
      await restored.close()
    }
  })
})
