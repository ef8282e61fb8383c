import postgres from 'postgres'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createQuantDb, type QuantDb } from '../../src/client.js'
import type { CallEvent } from '../../src/instrument.js'
import { createMetrics } from '../../src/metrics/index.js'
import type { OhlcvBarInput } from '../../src/index.js'
import { plainBinaries, startReplicatedPair, timescaleBinaries, type Binaries, type ReplicatedPair } from '../helpers/replication.js'

const bar = (date: string, close: number): OhlcvBarInput =>
  ({ ticker: 'REPL', region: 'KR', date, open: 100, high: Math.max(110, close), low: Math.min(90, close), close, volume: 1_000 })

const FLAVOURS: { name: string; port: number; binaries: () => Promise<Binaries> }[] = [
  { name: 'PostgreSQL 15', port: 5501, binaries: async () => plainBinaries() },
  { name: 'TimescaleDB', port: 5503, binaries: timescaleBinaries },
]

for (const flavour of FLAVOURS) {
  const binaries = await flavour.binaries()
  const skip = 'skip' in binaries ? binaries.skip : undefined
  if (skip && process.env['CI'] === 'true') throw new Error(`replica tests need ${flavour.name} binaries in CI: ${skip}`)
  describe.skipIf(skip !== undefined)(`read replicas on ${flavour.name}${skip ? ` (skipped: ${skip})` : ''}`, () => {
    let pair: ReplicatedPair
    let qdb: QuantDb
    let primarySql: postgres.Sql
    let standbySql: postgres.Sql
    const events: CallEvent[] = []
    const last = (method: string) => events.filter((e) => e.method === method).at(-1)

    /** Waits until the standby has replayed everything the primary has written so far. */
    const replayed = async () => {
      const [{ lsn }] = await primarySql<[{ lsn: string }]>`SELECT pg_current_wal_lsn()::text AS lsn`
      for (;;) {
        const [{ done }] = await standbySql<[{ done: boolean }]>`SELECT pg_last_wal_replay_lsn() >= ${lsn}::pg_lsn AS done`
        if (done) return
        await new Promise((r) => setTimeout(r, 50))
      }
    }

    beforeAll(async () => {
      if (!('bin' in binaries)) return
      pair = await startReplicatedPair(binaries, flavour.port)
      primarySql = postgres(pair.primaryUrl, { max: 1, onnotice: () => {} })
      standbySql = postgres(pair.standbyUrl, { max: 1, onnotice: () => {} })
      qdb = await createQuantDb({
        url: pair.primaryUrl, replicas: [pair.standbyUrl], logger: {}, pool: { max: 4 },
        replicaLagLimit: 3600, replicaCheckInterval: 0.2, replicaRetryAfter: 1,
        instrument: { onCallEnd: (e) => events.push(e) },
      })
      await qdb.migrate()
      await qdb.tickers.upsert([{ ticker: 'REPL', region: 'KR', sector: 'Tech' }])
      await qdb.ohlcv.upsert([bar('2024-03-04', 101), bar('2024-03-05', 102)])
      await replayed()
      await qdb.ops.replication() // a check now, so routing knows the standby is caught up
    })

    afterAll(async () => {
      await qdb?.close()
      await primarySql?.end({ timeout: 1 })
      await standbySql?.end({ timeout: 1 })
      await pair?.close()
    })

    it('serves reads from the hot standby: a bar the paused standby has not replayed is not seen, then is', async () => {
      expect((await standbySql<[{ r: boolean }]>`SELECT pg_is_in_recovery() AS r`)[0].r).toBe(true)
      expect(qdb.capabilities.replicas).toBe(1)
      await standbySql`SELECT pg_wal_replay_pause()`
      try {
        await qdb.ohlcv.upsert([bar('2024-03-06', 103)])
        expect(last('upsert')?.target).toBe('primary')
        // The primary has three bars; what answers without the third is the standby.
        expect((await qdb.ohlcv.range({ ticker: 'REPL', region: 'KR', from: '2024-03-01', to: '2024-03-31' })).map((b) => b.close)).toEqual([101, 102])
        expect(last('range')?.target).toBe('replica:0')
        expect((await qdb.primary.ohlcv.range({ ticker: 'REPL', region: 'KR', from: '2024-03-01', to: '2024-03-31' })).map((b) => b.close)).toEqual([101, 102, 103])
        expect(last('range')?.target).toBe('primary')
      } finally {
        await standbySql`SELECT pg_wal_replay_resume()`
      }
      await replayed()
      expect((await qdb.ohlcv.recent({ ticker: 'REPL', region: 'KR', limit: 1 }))[0]).toMatchObject({ date: '2024-03-06', close: 103 })
      expect(last('recent')?.target).toBe('replica:0')
    })

    it('reports each standby: pg_stat_replication on the primary, last replayed commit on the standby', async () => {
      const status = await qdb.ops.replication()
      expect(status.standbys).toHaveLength(1)
      expect(status.standbys[0]).toMatchObject({ state: 'streaming', clientAddr: '127.0.0.1' })
      expect(status.replicas[0]).toMatchObject({ index: 0, server: `127.0.0.1:${flavour.port + 1}/postgres`, reachable: true, inUse: true })
      expect(status.replicas[0]!.lastReplayedCommit).toBeInstanceOf(Date)
      const metrics = createMetrics()
      metrics.observe(qdb)
      const text = await metrics.metrics()
      expect(text).toContain(`quantdb_replica_in_use{replica="127.0.0.1:${flavour.port + 1}/postgres"} 1`)
      // Caught up a moment ago; TimescaleDB's scheduler may have written since, so the lag is small, not 0.
      const lag = Number(new RegExp(`^quantdb_replica_lag_seconds\\{replica="127.0.0.1:${flavour.port + 1}/postgres"\\} (\\S+)$`, 'm').exec(text)?.[1])
      expect(lag).toBeGreaterThanOrEqual(0)
      expect(lag).toBeLessThan(3600)
    })

    it('leaves a standby behind the lag limit out and reads from the primary', async () => {
      const strict = await createQuantDb({ url: pair.primaryUrl, replicas: [pair.standbyUrl], logger: {}, replicaLagLimit: 0.5, instrument: { onCallEnd: (e) => events.push(e) } })
      await standbySql`SELECT pg_wal_replay_pause()`
      try {
        await strict.ohlcv.upsert([bar('2024-03-07', 104)])
        let status = await strict.ops.replication()
        while (status.replicas[0]!.inUse) {
          await new Promise((r) => setTimeout(r, 200))
          status = await strict.ops.replication()
        }
        expect(status.replicas[0]!.excludedBecause).toMatch(/^lagging/)
        expect(strict.capabilities.replicas).toBe(0)
        expect((await strict.ohlcv.recent({ ticker: 'REPL', region: 'KR', limit: 1 }))[0]).toMatchObject({ date: '2024-03-07', close: 104 })
        expect(last('recent')?.target).toBe('primary')
      } finally {
        await standbySql`SELECT pg_wal_replay_resume()`
        await strict.close()
      }
      await replayed()
    })

    it('never sends a write to the standby, nor a read inside a transaction or with readFrom: primary', async () => {
      events.length = 0
      await qdb.tickers.upsert([{ ticker: 'REPL2', region: 'KR' }])
      await qdb.factors.upsert([{ ticker: 'REPL', region: 'KR', calculationDate: '2024-03-05', layer1Total: 20, layer2Total: 30, layer3Total: 10, signal: 'WATCH' }])
      await qdb.backtests.save({ strategyName: 'repl', region: 'KR', startDate: '2024-01-02', endDate: '2024-03-04', initialCapital: 1_000_000 })
      await qdb.logs.api({ apiEndpoint: '/repl', responseStatus: 200, responseTimeMs: 5 })
      await qdb.portfolio.applyTrade({ ticker: 'REPL', region: 'KR', tradeDate: '2024-03-05', tradeType: 'BUY', quantity: 1, price: 102 })
      await qdb.transaction(async (tx) => {
        await tx.ohlcv.upsert([bar('2024-03-08', 105)])
        expect((await tx.ohlcv.recent({ ticker: 'REPL', region: 'KR', limit: 1 }))[0]?.close).toBe(105)
      })
      const writes = events.filter((e) => e.method !== 'recent' || e.inTransaction)
      expect(writes.map((e) => `${e.repo}.${e.method}`)).toEqual([
        'tickers.upsert', 'factors.upsert', 'backtests.save', 'logs.api', 'portfolio.applyTrade', 'ohlcv.upsert', 'ohlcv.recent',
      ])
      expect(writes.filter((e) => e.error !== undefined)).toEqual([])
      expect(new Set(writes.map((e) => e.target))).toEqual(new Set(['primary']))
      const own = await createQuantDb({ url: pair.primaryUrl, replicas: [pair.standbyUrl], readFrom: 'primary', logger: {}, instrument: { onCallEnd: (e) => events.push(e) } })
      try {
        expect((await own.ohlcv.recent({ ticker: 'REPL', region: 'KR', limit: 1 }))[0]?.close).toBe(105)
        expect(last('recent')?.target).toBe('primary')
        expect(own.capabilities.replicas).toBe(0)
      } finally {
        await own.close()
      }
    })

    it('routes around a stopped standby: the call is answered by the primary, not an error', async () => {
      await replayed()
      await pair.stopStandby()
      try {
        expect((await qdb.ohlcv.range({ ticker: 'REPL', region: 'KR', from: '2024-03-01', to: '2024-03-31' })).map((b) => b.close)).toEqual([101, 102, 103, 104, 105])
        expect(last('range')).toMatchObject({ target: 'primary' })
        expect(last('range')?.error).toBeUndefined()
        const status = await qdb.ops.replication()
        expect(status.replicas[0]).toMatchObject({ reachable: false, inUse: false })
        expect(status.replicas[0]!.excludedBecause).toMatch(/^unreachable/)
        expect(qdb.capabilities.replicas).toBe(0)
        // A client opened while its replica is down opens all the same, reads from the primary, and says
        // why in a warning that names the replica without its password.
        const warnings: string[] = []
        const withSecret = Object.assign(new URL(pair.standbyUrl), { password: 'sekret-pw' }).toString()
        const later = await createQuantDb({ url: pair.primaryUrl, replicas: [withSecret], logger: { warn: (m) => warnings.push(m) }, connectTimeout: 2 })
        try {
          expect(later.capabilities.replicas).toBe(0)
          expect((await later.ohlcv.recent({ ticker: 'REPL', region: 'KR', limit: 1 }))[0]?.close).toBe(105)
          expect(warnings.join('\n')).toContain(`127.0.0.1:${flavour.port + 1}/postgres`)
          expect(JSON.stringify([warnings, await later.ops.replication()])).not.toContain('sekret-pw')
        } finally {
          await later.close()
        }
      } finally {
        await pair.startStandby()
      }
    })

    it('takes a restarted standby back once it answers and has caught up', async () => {
      await replayed()
      while (!(await qdb.ops.replication()).replicas[0]!.inUse) await new Promise((r) => setTimeout(r, 250))
      expect(qdb.capabilities.replicas).toBe(1)
      expect((await qdb.ohlcv.recent({ ticker: 'REPL', region: 'KR', limit: 1 }))[0]?.close).toBe(105)
      expect(last('recent')?.target).toBe('replica:0')
    })
  })
}
