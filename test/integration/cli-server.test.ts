import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import type { TestDb } from '../../src/testing/index.js'
import { forEachTarget, openTarget } from '../helpers/targets.js'
import { runCli } from './cli-support.js'

const dir = mkdtempSync(join(tmpdir(), 'quantdb-cli-server-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const SERVER_ONLY = '(server only: the embedded database is named by --data-dir, see cli-usage.test.ts)'
const USER_TABLES = `SELECT count(*)::int AS n FROM pg_tables WHERE schemaname NOT IN ('pg_catalog', 'information_schema')
  AND schemaname NOT LIKE '\\_timescaledb%'`

forEachTarget('quant-db CLI on a server database', (target, db) => {
  const remote = target.name !== 'embedded'
  const scratch: TestDb[] = []
  const empty = async () => { const d = await openTarget(target, { migrate: false }); scratch.push(d); return d }
  afterAll(async () => { for (const d of scratch) await d.close() })

  it.skipIf(!remote)(`an unmigrated database: status says so, the other commands ask for migrate; migrate tells plain mode once ${SERVER_ONLY}`, async () => {
    const fresh = await empty()
    const status = await runCli(['status', '--url', fresh.url!])
    expect(status.code, status.stderr).toBe(0)
    expect(status.stdout).toContain('No schema yet: run quant-db migrate.')
    const validate = await runCli(['validate', '--url', fresh.url!])
    expect(validate.code).toBe(1)
    expect(validate.stderr.trim().split('\n').at(-1)).toBe('quant-db validate: the database has no schema yet: run quant-db migrate first')

    const migrated = await runCli(['migrate', '--url', fresh.url!])
    expect(migrated.code, migrated.stderr).toBe(0)
    const notices = migrated.stderr.split('\n').filter((l) => l.includes('TimescaleDB is not available'))
    expect(notices).toHaveLength(target.timescale ? 0 : 1)
    // Commands whose answer is empty in plain mode say why.
    const [jobs, stats] = await Promise.all([runCli(['jobs', '--url', fresh.url!]), runCli(['compression-stats', '--url', fresh.url!])])
    expect(jobs.code).toBe(0)
    expect(stats.code).toBe(0)
    if (target.timescale) {
      expect(jobs.stdout).toMatch(/^jobId\s+procName\s+target/)
    } else {
      expect(jobs.stdout).toBe('No jobs. This database runs in plain PostgreSQL mode (no TimescaleDB): there are no policies, jobs or compression.\n')
      expect(stats.stdout).toMatch(/^No compression statistics\. This database runs in plain PostgreSQL mode/)
    }
    for (const r of [status, jobs, stats]) expect(r.stderr.split('\n').filter((l) => l.includes('TimescaleDB is not available'))).toEqual([])
  })

  it.skipIf(!remote)(`restore is all or nothing: into an empty database only, and a dump that fails late leaves it empty ${SERVER_ONLY}`, async () => {
    await db().tickers.upsert([{ ticker: '005930', region: 'KR', sector: 'Tech' }])
    await db().exec(`INSERT INTO ohlcv_data (ticker, region, date, open, high, low, close, volume)
      SELECT '005930', 'KR', date '2020-01-01' + g, 100, 101, 99, 100, g FROM generate_series(0, 3999) g`)
    const dump = join(dir, `${target.name}.dump`)
    const saved = await runCli(['backup', dump, '--url', db().url!])
    expect(saved.code, saved.stderr).toBe(0)

    const into = await empty()
    const restored = await runCli(['restore', dump, '--url', into.url!])
    expect(restored.code, restored.stderr).toBe(0)
    expect(await into.query('SELECT count(*)::int AS n FROM ohlcv_data')).toEqual([{ n: 4000 }])

    // Into a database that has tables: refused before pg_restore runs, nothing changed.
    const again = await runCli(['restore', dump, '--url', into.url!])
    expect(again.code).toBe(1)
    expect(again.stderr).toMatch(/The target database is not empty/)
    expect(await into.query('SELECT count(*)::int AS n FROM ohlcv_data')).toEqual([{ n: 4000 }])

    // A dump cut short: pg_restore creates tables, then fails in the data; the target is left as found.
    const bytes = readFileSync(dump)
    const cut = join(dir, `${target.name}-cut.dump`)
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.8)))
    const victim = await empty()
    const before = await victim.query(`SELECT extname FROM pg_extension ORDER BY 1`)
    const failed = await runCli(['restore', cut, '--url', victim.url!])
    expect(failed.code).toBe(1)
    expect(failed.stderr).toMatch(/quant-db restore: pg_restore failed/)
    expect(await victim.query(USER_TABLES)).toEqual([{ n: 0 }])
    expect(await victim.query(`SELECT extname FROM pg_extension ORDER BY 1`)).toEqual(before)
  })
})
