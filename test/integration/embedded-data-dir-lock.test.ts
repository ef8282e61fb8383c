import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process'
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { afterAll, describe, expect, it } from 'vitest'
import { createQuantDb, QuantDbError } from '../../src/index.js'

// One owner per embedded data directory (issue 8, item 2): two processes on one directory lost
// acknowledged rows. Each test runs real child processes, as two services of a user would.

const root = mkdtempSync(join(tmpdir(), 'quantdb-lock-'))
const spawned: ChildProcessWithoutNullStreams[] = []
afterAll(() => {
  for (const p of spawned) if (p.exitCode === null && p.signalCode === null) p.kill('SIGKILL') // a failed test's leftovers
  rmSync(root, { recursive: true, force: true })
})

interface Event { pid: number; event: string; k?: number; written?: number; total?: number; reason?: string; message?: string; isQuantDbError?: boolean }

/** A child running test/fixtures/data-dir-child.ts; `next(pred)` waits for the first event matching. */
function child(...args: string[]) {
  const proc: ChildProcessWithoutNullStreams = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/data-dir-child.ts', ...args], {
    stdio: ['pipe', 'pipe', 'pipe'],
  })
  spawned.push(proc)
  const events: Event[] = []
  const waiters: { pred: (e: Event) => boolean; resolve: (e: Event) => void }[] = []
  let stderr = ''
  proc.stderr.on('data', (d: Buffer) => { stderr += d.toString() })
  createInterface({ input: proc.stdout }).on('line', (line) => {
    const e = JSON.parse(line) as Event
    events.push(e)
    for (const w of [...waiters]) if (w.pred(e)) { waiters.splice(waiters.indexOf(w), 1); w.resolve(e) }
  })
  const exited = new Promise<{ code: number | null; signal: string | null }>((resolve) => proc.on('exit', (code, signal) => resolve({ code, signal })))
  return {
    proc,
    events,
    exited,
    stderr: () => stderr,
    next(pred: (e: Event) => boolean): Promise<Event> {
      const seen = events.find(pred)
      if (seen) return Promise.resolve(seen)
      return new Promise((resolve, reject) => {
        waiters.push({ pred, resolve })
        void exited.then(() => reject(new Error(`child exited before the awaited event; events ${JSON.stringify(events)}; stderr ${stderr}`)))
      })
    },
  }
}

describe('embedded data directory: one owner', () => {
  it('refuses a second process while the first holds the directory, naming the directory and the pid; close() releases it', async () => {
    const dir = join(root, 'two-processes')
    const holder = child('hold', dir)
    const opened = await holder.next((e) => e.event === 'open')

    const second = child('open', dir)
    const refused = await second.next((e) => e.event === 'error' || e.event === 'open')
    expect(refused).toMatchObject({ event: 'error', reason: 'configuration', isQuantDbError: true })
    expect(refused.message).toContain(dir)
    expect(refused.message).toContain(`process ${opened.pid}`)
    expect((await second.exited).code).toBe(0)

    holder.proc.stdin.write('close\n')
    await holder.next((e) => e.event === 'closed')
    expect((await holder.exited).code).toBe(0)
    expect(existsSync(`${dir}.lock`)).toBe(false)

    const third = child('open', dir)
    expect(await third.next((e) => e.event === 'error' || e.event === 'open')).toMatchObject({ event: 'open' })
    await third.exited
  })

  it('refuses a second open in the same process, and opens again after close()', async () => {
    const dir = join(root, 'same-process')
    const first = await createQuantDb({ dataDir: dir, logger: {} })
    try {
      const error = await createQuantDb({ dataDir: dir, logger: {} }).then(() => null, (e: unknown) => e)
      expect(error).toBeInstanceOf(QuantDbError)
      expect((error as QuantDbError).reason).toBe('configuration')
      expect((error as QuantDbError).message).toContain(dir)
      expect((error as QuantDbError).message).toContain(`this process (pid ${process.pid})`)
      // the refused open left the first one working
      expect(await first.query('SELECT 1 AS one')).toEqual([{ one: 1 }])
    } finally {
      await first.close()
    }
    const again = await createQuantDb({ dataDir: dir, logger: {} })
    expect(await again.query('SELECT 1 AS one')).toEqual([{ one: 1 }])
    await again.close()
  })

  it('takes over a lock whose process is gone, and one whose pid now belongs to another process', async () => {
    const dir = join(root, 'stale')
    const first = await createQuantDb({ dataDir: dir, logger: {} })
    await first.close()
    // A dead pid (beyond pid_max), then a live pid recorded with another start time: both stale.
    for (const holder of [{ pid: 2 ** 22 + 1, startTime: null }, { pid: process.pid, startTime: '1' }]) {
      writeFileSync(`${dir}.lock`, JSON.stringify({ ...holder, host: (await import('node:os')).hostname(), bootId: null, token: 'old', since: '2020-01-01T00:00:00Z', dataDir: dir }))
      const reopened = await createQuantDb({ dataDir: dir, logger: {} })
      await reopened.close()
      expect(existsSync(`${dir}.lock`)).toBe(false)
    }
  })

  it('releases the lock when a process exits without close()', async () => {
    const dir = join(root, 'exit')
    const quitter = child('exit', dir)
    await quitter.next((e) => e.event === 'open')
    expect((await quitter.exited).code).toBe(0)
    expect(existsSync(`${dir}.lock`)).toBe(false)
  })

  it('refuses a lock held from another host: it cannot tell whether that process lives', async () => {
    const dir = join(root, 'other-host')
    writeFileSync(`${dir}.lock`, JSON.stringify({ pid: 4242, host: 'build-box-7', bootId: null, startTime: null, token: 't', since: '2020-01-01T00:00:00Z', dataDir: dir }))
    await expect(createQuantDb({ dataDir: dir, logger: {} })).rejects.toMatchObject({
      reason: 'configuration',
      message: expect.stringContaining('process 4242 on host build-box-7'),
    })
    expect(existsSync(`${dir}.lock`)).toBe(true)
  })

  it('after a writer is killed (SIGKILL) mid-upsert: reopens, keeps every acknowledged call, and has the killed call wholly or not at all', async () => {
    const dir = join(root, 'killed-writer')
    const BARS = 25_000 // five 5,000-row statements per call, in one transaction
    const writer = child('write', dir, '6', String(BARS))
    // Killed right after the first statement of call 3 is written, inside its transaction.
    const inside = await writer.next((e) => e.event === 'progress' && e.k === 3)
    expect(inside.written).toBeLessThan(inside.total!)
    writer.proc.kill('SIGKILL')
    expect((await writer.exited).signal).toBe('SIGKILL')
    expect(existsSync(`${dir}.lock`)).toBe(true) // left behind by the killed process

    const acked = writer.events.filter((e) => e.event === 'ack').map((e) => e.k!)
    const started = writer.events.filter((e) => e.event === 'start').map((e) => e.k!)
    const killed = started.filter((k) => !acked.includes(k))
    expect(acked.slice(0, 2)).toEqual([1, 2])
    // Four statements of call 3 were still to run when the signal was sent: it dies inside that call.
    expect(killed).toEqual([3])
    const qdb = await createQuantDb({ dataDir: dir, logger: {} })
    try {
      const rows = await qdb.query<{ call: string; n: number }>(
        `SELECT split_part(ticker, '_', 1) AS call, count(*)::int AS n FROM ohlcv_data GROUP BY 1 ORDER BY 1`,
      )
      const count = (k: number) => rows.find((r) => r.call === `W${k}`)?.n ?? 0
      for (const k of acked) expect(count(k)).toBe(BARS)
      expect([0, BARS]).toContain(count(3)) // never a part of the killed call
      expect(rows.map((r) => r.call).filter((c) => !['W1', 'W2', 'W3'].includes(c))).toEqual([])
      // and the reopened database takes writes
      await qdb.exec(`INSERT INTO ohlcv_data (ticker, region, date, open, high, low, close, volume) VALUES ('AFTER', 'US', '2024-01-02', 1, 1, 1, 1, 1)`)
      expect(await qdb.query(`SELECT count(*)::int AS n FROM ohlcv_data WHERE ticker = 'AFTER'`)).toEqual([{ n: 1 }])
    } finally {
      await qdb.close()
    }
  })
})
