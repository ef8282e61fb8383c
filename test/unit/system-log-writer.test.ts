import { afterEach, describe, expect, it, vi } from 'vitest'
import type { QueryRunner } from '../../src/drivers/types.js'
import { QuantDbError, ValidationError } from '../../src/errors.js'
import type { RepoContext } from '../../src/repos/context.js'
import { LogRepo } from '../../src/repos/logs.js'
import type { SystemLogInput } from '../../src/validation/logs.js'

interface Call { text: string; params: readonly unknown[] }

/** A context whose runner records each statement, or fails it when `fail` is set. */
function fakeContext(options: { fail?: boolean; inTransaction?: boolean } = {}) {
  const calls: Call[] = []
  const warnings: string[] = []
  let notify: (() => void) | undefined
  const runner = {
    kind: 'postgres',
    inTransaction: options.inTransaction ?? false,
    async query(text: string, params: readonly unknown[] = []) {
      calls.push({ text, params })
      notify?.()
      if (options.fail) throw new QuantDbError('connection', 'the server went away')
      return []
    },
  } as unknown as QueryRunner
  const ctx = {
    runner,
    capabilities: {},
    options: { timezone: 'Asia/Seoul', regions: new Set(['KR']), logger: { warn: (m: string) => warnings.push(m) } },
    limits: { maxParameters: 65_000, maxRowsPerStatement: 10_000 },
  } as unknown as RepoContext
  const nextCall = () => new Promise<void>((resolve) => { notify = resolve })
  return { logs: new LogRepo(ctx), calls, warnings, nextCall }
}

const rowsIn = (call: Call): number => call.params.length / 7
const entry = (i: number): SystemLogInput => ({ logLevel: 'INFO', module: 'collector', message: `record ${i}` })

afterEach(() => {
  vi.useRealTimers()
  vi.restoreAllMocks()
})

describe('system log writer', () => {
  it('queues synchronously and writes one multi-row INSERT per batch on flush', async () => {
    const { logs, calls } = fakeContext()
    const writer = logs.createSystemLogWriter({ maxBatch: 3, flushIntervalMs: 60_000 })
    for (let i = 0; i < 2; i++) writer.log(entry(i))
    expect(calls).toHaveLength(0)
    expect(writer.pending).toBe(2)
    for (let i = 2; i < 7; i++) writer.log(entry(i))
    await writer.flush()
    expect(calls.map(rowsIn)).toEqual([3, 3, 1])
    expect(calls.every((c) => c.text.startsWith('INSERT INTO system_logs'))).toBe(true)
    // Order is kept: message is the 4th parameter of each row.
    expect(calls.flatMap((c) => c.params.filter((_, i) => i % 7 === 3))).toEqual([0, 1, 2, 3, 4, 5, 6].map((i) => `record ${i}`))
    expect(writer.written).toBe(7)
    await writer.close()
  })

  it('writes a full batch without waiting for the timer', async () => {
    const { logs, calls, nextCall } = fakeContext()
    const writer = logs.createSystemLogWriter({ maxBatch: 2, flushIntervalMs: 60_000 })
    const called = nextCall()
    writer.log(entry(1))
    writer.log(entry(2))
    await called
    expect(calls.map(rowsIn)).toEqual([2])
    await writer.close()
  })

  it('flushes on its timer, which never keeps the process alive', async () => {
    const setInterval = vi.spyOn(globalThis, 'setInterval')
    const { logs, calls, nextCall } = fakeContext()
    const writer = logs.createSystemLogWriter({ flushIntervalMs: 5 })
    const timer = setInterval.mock.results[0]!.value as NodeJS.Timeout
    expect(timer.hasRef()).toBe(false)
    const called = nextCall()
    writer.log(entry(1))
    await called
    expect(calls.map(rowsIn)).toEqual([1])
    await writer.close()
  })

  it('reports a failing flush to onError without throwing into log() or flush()', async () => {
    const { logs, calls } = fakeContext({ fail: true })
    const errors: { error: unknown; lost: number }[] = []
    const writer = logs.createSystemLogWriter({ maxBatch: 10, flushIntervalMs: 60_000, onError: (error, { lost }) => errors.push({ error, lost }) })
    for (let i = 0; i < 4; i++) expect(() => writer.log(entry(i))).not.toThrow()
    await expect(writer.flush()).resolves.toBeUndefined()
    expect(calls).toHaveLength(1)
    expect(errors).toHaveLength(1)
    expect(errors[0]!.lost).toBe(4)
    expect((errors[0]!.error as QuantDbError).reason).toBe('connection')
    expect(writer.failed).toBe(4)
    expect(writer.pending).toBe(0) // not re-queued
    // An onError that throws is contained too.
    const throwing = logs.createSystemLogWriter({ flushIntervalMs: 60_000, onError: () => { throw new Error('boom') } })
    throwing.log(entry(1))
    await expect(throwing.flush()).resolves.toBeUndefined()
    expect(() => throwing.log({ logLevel: 'LOUD' } as never)).not.toThrow()
    await writer.close()
    await throwing.close()
  })

  it('warns through the library logger when no onError is given', async () => {
    const { logs, warnings } = fakeContext({ fail: true })
    const writer = logs.createSystemLogWriter({ flushIntervalMs: 60_000 })
    writer.log(entry(1))
    await writer.close()
    expect(warnings).toEqual(['system log writer lost 1 record(s): the server went away'])
  })

  it('drops the oldest records when the queue is full, and counts them', async () => {
    const { logs, calls } = fakeContext()
    const writer = logs.createSystemLogWriter({ maxQueue: 3, maxBatch: 100, flushIntervalMs: 60_000 })
    for (let i = 0; i < 5; i++) writer.log(entry(i))
    expect(writer.dropped).toBe(2)
    expect(writer.pending).toBe(3)
    await writer.close()
    expect(calls[0]!.params.filter((_, i) => i % 7 === 3)).toEqual(['record 2', 'record 3', 'record 4'])
    writer.log(entry(9)) // after close: dropped, not written
    expect(writer.dropped).toBe(3)
  })

  it('validates and redacts at log() time and stamps the moment of the call', async () => {
    vi.useFakeTimers({ toFake: ['Date'] })
    vi.setSystemTime(new Date('2024-06-28T09:00:00.000Z'))
    const { logs, calls } = fakeContext()
    const errors: unknown[] = []
    const writer = logs.createSystemLogWriter({ flushIntervalMs: 60_000, onError: (e) => errors.push(e) })
    const context = { request: { headers: { appkey: 'PSsecretAppKey', tr_id: 'TTTC0802U' } } }
    writer.log({ logLevel: 'ERROR', module: 'broker', message: 'call failed: appsecret=abc123', context, error: new TypeError('bad') })
    context.request.headers.tr_id = 'changed later' // the queued record is a copy
    writer.log({ logLevel: 'LOUD', message: 'x' } as never)
    writer.log({ logLevel: 'INFO', message: '' })
    expect(writer.rejected).toBe(2)
    expect(errors.every((e) => e instanceof ValidationError)).toBe(true)
    vi.setSystemTime(new Date('2024-06-28T09:05:00.000Z'))
    await writer.flush()
    const [ts, level, module, message, type, stack, json] = calls[0]!.params
    expect([ts, level, module, message, type]).toEqual(['2024-06-28T09:00:00.000Z', 'ERROR', 'broker', 'call failed: appsecret=[REDACTED]', 'TypeError'])
    expect(stack).toMatch(/^TypeError: bad/)
    expect(JSON.parse(json as string)).toEqual({ request: { headers: { appkey: '[REDACTED]', tr_id: 'TTTC0802U' } } })
    await writer.close()
  })

  it('refuses bad options, and creation inside a transaction', () => {
    const { logs } = fakeContext()
    expect(() => logs.createSystemLogWriter({ maxBatch: 0 })).toThrow(ValidationError)
    expect(() => logs.createSystemLogWriter({ flushIntervalMs: -5 })).toThrow(ValidationError)
    const inTx = fakeContext({ inTransaction: true }).logs
    expect(() => inTx.createSystemLogWriter()).toThrow(/outlives any transaction/)
  })
})
