import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { hostname, tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { acquireDataDirLock } from '../../src/drivers/embedded/data-dir-lock.js'
import { QuantDbError } from '../../src/errors.js'

// The lock alone, without an engine (test/integration/embedded-data-dir-lock.test.ts runs real processes).

const root = realpathSync(mkdtempSync(join(tmpdir(), 'quantdb-lockfile-'))) // the lock names real paths
afterAll(() => rmSync(root, { recursive: true, force: true }))

const refusal = (fn: () => unknown): QuantDbError => {
  try {
    fn()
  } catch (error) {
    if (error instanceof QuantDbError) return error
    throw error
  }
  throw new Error('expected a refusal')
}

describe('data directory lock', () => {
  it('records the owner beside the directory, refuses a second owner, and goes with release()', () => {
    const dir = join(root, 'a')
    const lock = acquireDataDirLock(dir)
    expect(lock.path).toBe(`${dir}.lock`)
    expect(JSON.parse(readFileSync(lock.path, 'utf8'))).toMatchObject({ pid: process.pid, host: hostname(), dataDir: dir })
    const error = refusal(() => acquireDataDirLock(dir))
    expect(error).toMatchObject({ reason: 'configuration', code: 'EBUSY' })
    expect(error.message).toContain(`this process (pid ${process.pid})`)
    lock.release()
    lock.release() // idempotent
    expect(existsSync(`${dir}.lock`)).toBe(false)
    acquireDataDirLock(dir).release()
  })

  it('is one lock per directory whatever the path leading to it (a symlink)', () => {
    const dir = join(root, 'real')
    const lock = acquireDataDirLock(dir)
    symlinkSync(dir, join(root, 'alias'))
    expect(refusal(() => acquireDataDirLock(join(root, 'alias'))).message).toContain(dir)
    lock.release()
  })

  it('takes over a damaged lock file, and release() never removes a lock that is no longer its own', () => {
    const dir = join(root, 'b')
    writeFileSync(`${dir}.lock`, '{"pid":') // e.g. written by hand
    const lock = acquireDataDirLock(dir)
    // Someone removed our lock by hand and another owner took the directory:
    const theirs = JSON.stringify({ pid: 1, host: hostname(), bootId: null, startTime: null, token: 'theirs', since: 'x', dataDir: dir })
    writeFileSync(lock.path, theirs)
    lock.release()
    expect(readFileSync(`${dir}.lock`, 'utf8')).toBe(theirs)
  })
})
