import { expect, it } from 'vitest'
import { QuantDbError } from '../../src/index.js'
import { libraryObjectNames } from '../../src/internal/library-objects.js'
import { forEachTarget } from '../helpers/targets.js'

// A service pointed at a database that was never migrated, or migrated by an older version of the
// library, meets PostgreSQL's "relation … does not exist": the error says what to run.

// Every table, view and function in `public` that no extension owns: what migrate() made there.
const PUBLIC_OBJECTS = `
  SELECT c.relname AS name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
  WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p', 'v', 'm')
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass AND d.objid = c.oid AND d.deptype = 'e')
  UNION
  SELECT p.proname FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
  WHERE n.nspname = 'public'
    AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_proc'::regclass AND d.objid = p.oid AND d.deptype = 'e')
  ORDER BY 1`

forEachTarget('a database not migrated', (_target, db) => {
  it('a repository call names the missing table and says to run migrate()', async () => {
    const history = db().factors.history({ ticker: '005930', region: 'KR' })
    await expect(history).rejects.toBeInstanceOf(QuantDbError)
    await expect(history).rejects.toMatchObject({
      reason: 'query', code: '42P01',
      message: expect.stringMatching(/^relation "factor_scores" does not exist \(factor_scores is created by qdb\.migrate\(\) \(CLI: quant-db migrate\)/),
    })
    // A table of the caller's own that is missing gets PostgreSQL's message alone.
    const mine = db().query('SELECT * FROM my_own_table')
    await expect(mine).rejects.toBeInstanceOf(QuantDbError)
    await expect(mine).rejects.toMatchObject({ code: '42P01', message: 'relation "my_own_table" does not exist' })
  })

  it('after migrate(), the library knows every object it made; one missing from an older migration is named', async () => {
    await db().migrate()
    const made = (await db().query<{ name: string }>(PUBLIC_OBJECTS)).map((r) => r.name)
    expect(made.filter((name) => !libraryObjectNames().has(name))).toEqual([])
    expect(made).toContain('ohlcv_daily_summary_read')

    // A database migrated before 0005: dailySummary's read function is not there.
    await db().exec('DROP FUNCTION ohlcv_daily_summary_read(text, date, date, boolean)')
    const summary = db().ohlcv.dailySummary({ region: 'KR', from: '2024-01-01', to: '2024-01-31', refresh: false })
    await expect(summary).rejects.toBeInstanceOf(QuantDbError)
    await expect(summary).rejects.toMatchObject({
      reason: 'query', code: '42883',
      message: expect.stringMatching(/^function ohlcv_daily_summary_read\(.*\) does not exist \(ohlcv_daily_summary_read is created by qdb\.migrate\(\)/),
    })
  })
}, { migrate: false })
