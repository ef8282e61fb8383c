import { beforeAll, expect, it } from 'vitest'
import type { DailySummary, OhlcvBarInput } from '../../src/index.js'
import { forEachTarget } from '../helpers/targets.js'

/** A valid KR bar with the close and volume the summary averages and sums. */
function bar(ticker: string, date: string, close: number, volume: number): OhlcvBarInput {
  return { ticker, region: 'KR', date, open: close, high: close, low: close, close, volume }
}

const window = { region: 'KR', from: '2019-06-01', to: '2019-06-30' }
const days = (rows: DailySummary[]) => rows.map(({ day, nTickers, avgClose, totalVolume }) => ({ day, nTickers, avgClose, totalVolume }))
const rawBar = (ticker: string, date: string, close: number, volume: number) =>
  [`INSERT INTO ohlcv_data (ticker, region, date, timeframe, open, high, low, close, volume)
    VALUES ($1, 'KR', $2, 'daily', $3, $3, $3, $3, $4)`, [ticker, date, close, volume]] as const

// dailySummary's default refreshes only when a write the aggregate has not taken in touches the window
// (issue 9: the refresh on every call made it 4x the hand SQL, 1.3 s a call in plain mode at spec scale).
forEachTarget('ohlcv.dailySummary refreshes only a stale window', (target, db) => {
  /**
   * TimescaleDB: every refresh locks its hypertable's row of the invalidation threshold (a tuple lock,
   * which leaves the locker's transaction id in the row's xmax); a read does not. So an unchanged xmax
   * means no refresh ran in between.
   */
  const refreshMark = async () => (await db().query<{ mark: string }>(
    `SELECT t.xmin::text || '/' || t.xmax::text AS mark FROM _timescaledb_catalog.continuous_aggs_invalidation_threshold t
     JOIN _timescaledb_catalog.continuous_agg ca ON ca.raw_hypertable_id = t.hypertable_id
     WHERE ca.user_view_name = 'ohlcv_daily_summary'`))[0]!.mark

  beforeAll(async () => {
    // The aggregate's policy job (TimescaleDB server) would otherwise refresh on its own schedule.
    if (target.timescale) {
      await db().query(`SELECT alter_job(job_id, scheduled => false) FROM timescaledb_information.jobs
        WHERE hypertable_name = (SELECT materialization_hypertable_name FROM timescaledb_information.continuous_aggregates
          WHERE view_name = 'ohlcv_daily_summary')`)
    }
    await db().ohlcv.upsert([bar('T1', '2019-06-03', 100, 10), bar('T2', '2019-06-03', 200, 30), bar('T1', '2019-06-04', 150, 5)])
  })

  it('reads what the library wrote', async () => {
    expect(days(await db().ohlcv.dailySummary(window))).toEqual([
      { day: '2019-06-03', nTickers: 2, avgClose: 150, totalVolume: 40 },
      { day: '2019-06-04', nTickers: 1, avgClose: 150, totalVolume: 5 },
    ])
  })

  it('reads rows inserted and deleted by raw SQL', async () => {
    await db().query(...rawBar('T2', '2019-06-04', 50, 15))
    // Day 2: T1 150 (5) and T2 50 (15) → 2 tickers, average close 100, volume 20.
    expect(days(await db().ohlcv.dailySummary(window))[1]).toEqual({ day: '2019-06-04', nTickers: 2, avgClose: 100, totalVolume: 20 })
    await db().query(`DELETE FROM ohlcv_data WHERE ticker = 'T1' AND date = '2019-06-03'`)
    // Day 1 keeps T2 alone: close 200, volume 30.
    expect(days(await db().ohlcv.dailySummary(window))[0]).toEqual({ day: '2019-06-03', nTickers: 1, avgClose: 200, totalVolume: 30 })
  })

  it('reads old history upserted in a transaction (where upsert itself cannot refresh the aggregate)', async () => {
    await db().transaction(async (tx) => {
      await tx.ohlcv.upsert([bar('T3', '2019-06-03', 300, 30), bar('T3', '2019-06-05', 70, 7)])
    })
    const rows = days(await db().ohlcv.dailySummary(window))
    // Day 1: T2 200 (30), T3 300 (30) → average 250, volume 60; day 3: T3 alone.
    expect(rows[0]).toEqual({ day: '2019-06-03', nTickers: 2, avgClose: 250, totalVolume: 60 })
    expect(rows[2]).toEqual({ day: '2019-06-05', nTickers: 1, avgClose: 70, totalVolume: 7 })
  })

  it('refresh: false reads as stored; the default then catches up', async () => {
    await db().query(...rawBar('T4', '2019-06-05', 30, 3))
    expect(days(await db().ohlcv.dailySummary({ ...window, refresh: false }))[2]).toMatchObject({ nTickers: 1, avgClose: 70 })
    // Day 3: T3 70 (7), T4 30 (3) → average 50, volume 10.
    expect(days(await db().ohlcv.dailySummary(window))[2]).toEqual({ day: '2019-06-05', nTickers: 2, avgClose: 50, totalVolume: 10 })
  })

  it.runIf(target.timescale)('TimescaleDB only (its invalidation threshold): does not refresh an up-to-date window (the threshold row is not locked again); refresh: true does', async () => {
    const first = await db().ohlcv.dailySummary(window)
    const mark = await refreshMark()
    expect(await db().ohlcv.dailySummary(window)).toEqual(first)
    expect(await db().ohlcv.dailySummary({ ...window, from: '2019-06-04', to: '2019-06-04' })).toEqual([first[1]])
    expect(await refreshMark()).toBe(mark)
    // The mark does see a refresh: a forced one, and the default after a write.
    await db().ohlcv.dailySummary({ ...window, refresh: true })
    const forced = await refreshMark()
    expect(forced).not.toBe(mark)
    await db().query(...rawBar('T5', '2019-06-05', 50, 5))
    expect(days(await db().ohlcv.dailySummary(window))[2]).toMatchObject({ nTickers: 3, avgClose: 50, totalVolume: 15 })
    expect(await refreshMark()).not.toBe(forced)
  })

  it.runIf(!target.timescale)('plain mode only (a materialized view and its write trigger): does not rebuild an up-to-date view: a write hidden from the trigger shows only after refresh: true', async () => {
    const before = await db().ohlcv.dailySummary(window)
    // With session_replication_role = replica the trigger does not fire: only a rebuild can show this bar.
    await db().transaction(async (tx) => {
      await tx.query(`SET LOCAL session_replication_role = replica`)
      await tx.query(...rawBar('T6', '2019-06-05', 50, 5))
    })
    expect(await db().ohlcv.dailySummary(window)).toEqual(before)
    expect(days(await db().ohlcv.dailySummary({ ...window, refresh: true }))[2]).toMatchObject({ nTickers: 3, totalVolume: 15 })
    // A write the trigger sees is recorded in the same transaction, and the next read rebuilds.
    await db().query(`DELETE FROM ohlcv_data WHERE ticker = 'T6'`)
    expect(await db().query(`SELECT 1 FROM ohlcv_daily_summary_writes`)).toHaveLength(1)
    expect(await db().ohlcv.dailySummary(window)).toEqual(before)
    expect(await db().query(`SELECT 1 FROM ohlcv_daily_summary_writes`)).toHaveLength(0)
  })

  it.runIf(!target.timescale)('plain mode only (a materialized view and its write trigger): ops.refreshAggregates and maintenance() rebuild the view and clear its recorded writes (no second rebuild at the next read)', async () => {
    const writes = async () => (await db().query(`SELECT 1 FROM ohlcv_daily_summary_writes`)).length
    await db().ohlcv.dailySummary(window) // brought up to date: no record left
    expect(await writes()).toBe(0)
    await db().query(...rawBar('T9', '2019-06-07', 20, 2))
    expect(await writes()).toBe(1)
    await db().ops.refreshAggregates(['ohlcv_daily_summary'])
    expect(await writes()).toBe(0)
    expect(days(await db().ohlcv.dailySummary({ ...window, refresh: false })).find((d) => d.day === '2019-06-07'))
      .toMatchObject({ nTickers: 1, avgClose: 20, totalVolume: 2 })
    await db().query(`DELETE FROM ohlcv_data WHERE ticker = 'T9'`)
    expect(await writes()).toBe(1)
    await db().ops.maintenance()
    expect(await writes()).toBe(0)
    expect(days(await db().ohlcv.dailySummary({ ...window, refresh: false })).find((d) => d.day === '2019-06-07')).toBeUndefined()
  })

  it('reads a bar written above everything refreshed so far (TimescaleDB logs no invalidation there)', async () => {
    const future = { region: 'KR', from: '2030-01-01', to: '2030-01-31' }
    expect(await db().ohlcv.dailySummary(future)).toEqual([])
    await db().query(...rawBar('T8', '2030-01-02', 40, 4))
    expect(days(await db().ohlcv.dailySummary(future))).toEqual([{ day: '2030-01-02', nTickers: 1, avgClose: 40, totalVolume: 4 }])
  })

  it('keeps seeing new chunks after its plans are kept (the read function plans once a session: migration 0005)', async () => {
    // Reads first, so the session holds the function's plans; then bars in months no chunk covers yet
    // (new chunks of ohlcv_data and, at the refresh, of the aggregate's own table) must show.
    const later = { region: 'KR', from: '2036-01-01', to: '2041-12-31' }
    for (let i = 0; i < 6; i++) expect(await db().ohlcv.dailySummary(later)).toEqual([])
    await db().query(...rawBar('N1', '2036-03-05', 12, 2))
    expect(days(await db().ohlcv.dailySummary(later))).toEqual([{ day: '2036-03-05', nTickers: 1, avgClose: 12, totalVolume: 2 }])
    await db().query(...rawBar('N1', '2041-07-02', 20, 4))
    expect(days(await db().ohlcv.dailySummary(later))).toEqual([
      { day: '2036-03-05', nTickers: 1, avgClose: 12, totalVolume: 2 },
      { day: '2041-07-02', nTickers: 1, avgClose: 20, totalVolume: 4 },
    ])
    expect(days(await db().ohlcv.dailySummary({ ...later, from: '2041-07-02', refresh: false }))).toHaveLength(1)
  })

  it('inside a transaction: plain mode rebuilds a stale view there; TimescaleDB reads as last refreshed', async () => {
    const inTx = await db().transaction(async (tx) => {
      await tx.query(...rawBar('T7', '2019-06-06', 10, 1))
      return days(await tx.ohlcv.dailySummary(window))
    })
    const day4 = { day: '2019-06-06', nTickers: 1, avgClose: 10, totalVolume: 1 }
    expect(inTx[3]).toEqual(target.timescale ? undefined : day4)
    expect(days(await db().ohlcv.dailySummary(window))[3]).toEqual(day4)
  })

  it('a staleness function failing for a missing table, column or function (a catalog that differs): the read refreshes the window and reads it; any other error is thrown', async () => {
    const july = { region: 'KR', from: '2019-07-01', to: '2019-07-31' }
    const { def } = (await db().query<{ def: string }>(`SELECT pg_get_functiondef('ohlcv_daily_summary_stale(date, date)'::regprocedure) AS def`))[0]!
    const replace = (body: string) => db().query(`CREATE OR REPLACE FUNCTION ohlcv_daily_summary_stale(day_from date, day_to date)
      RETURNS boolean LANGUAGE plpgsql STABLE AS $f$ BEGIN ${body}; END $f$`)
    const broken = [
      'RETURN EXISTS (SELECT 1 FROM ohlcv_daily_summary_no_such_table)', // 42P01
      'RETURN (SELECT no_such_column FROM ohlcv_data LIMIT 1)', // 42703
      'RETURN no_such_function(day_from)', // 42883
    ]
    try {
      for (const [i, body] of broken.entries()) {
        await replace(body)
        // One more ticker on 2019-07-01 each time, close 10 and volume 1 each.
        await db().query(...rawBar(`TX${i}`, '2019-07-01', 10, 1))
        expect(days(await db().ohlcv.dailySummary(july))).toEqual([{ day: '2019-07-01', nTickers: i + 1, avgClose: 10, totalVolume: i + 1 }])
      }
      await replace('RETURN 1 / (day_to - day_to) > 0')
      await expect(db().ohlcv.dailySummary(july)).rejects.toMatchObject({ code: '22012' })
    } finally {
      await db().query(def)
    }
    // Restored: up to date, read as is.
    expect(days(await db().ohlcv.dailySummary(july))).toHaveLength(1)
  })
})
