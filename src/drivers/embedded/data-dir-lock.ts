import { randomBytes } from 'node:crypto'
import { closeSync, fsyncSync, linkSync, mkdirSync, openSync, readFileSync, realpathSync, rmdirSync, statSync, unlinkSync, writeSync } from 'node:fs'
import { hostname } from 'node:os'
import { QuantDbError } from '../../errors.js'

/**
 * One owner per embedded data directory. PGlite is a single-user Postgres: two processes on one
 * directory each replay and overwrite the other's WAL, and acknowledged rows vanish. Postgres's own
 * `postmaster.pid` cannot stop that under WASM (every PGlite says it is pid 42), so the library keeps
 * a lock file of its own.
 *
 * The lock is a sibling of the directory (`<dataDir>.lock`), not a file inside it: `backup()` tars the
 * whole directory, and a lock inside would travel in backups and come back with `restoreFrom`.
 * It is created atomically (a complete file hard-linked into place, so no reader ever sees half a
 * lock) and holds the owner's pid, host, boot id and process start time: a lock whose process is
 * gone, or whose pid now belongs to another process (pid reuse), is stale and taken over.
 */
export interface DataDirLock {
  /** The lock file. */
  readonly path: string
  /** Removes the lock if it is still ours; idempotent. */
  release(): void
}

interface Holder {
  pid: number
  host: string
  bootId: string | null
  startTime: string | null
  token: string
  since: string
  dataDir: string
}

// Locks released by the 'exit' handler when the process ends without close().
const held = new Set<DataDirLock>()
let exitHookInstalled = false

/**
 * Takes the lock of `dataDir` (created if missing) or throws a `QuantDbError` naming the holder.
 * @example
 * ```ts
 * const lock = acquireDataDirLock('./.quantdb')
 * try { ... } finally { lock.release() }
 * ```
 */
export function acquireDataDirLock(dataDir: string): DataDirLock {
  let dir: string
  try {
    mkdirSync(dataDir, { recursive: true })
    dir = realpathSync(dataDir) // one lock per directory, whatever the path (symlinks, ./x vs x)
  } catch (error) {
    throw new QuantDbError('configuration', `Cannot use ${dataDir} as the embedded data directory: ${(error as Error).message}`, { cause: error })
  }
  const path = `${dir}.lock`
  const me: Holder = {
    pid: process.pid, host: hostname(), bootId: bootId(), startTime: processStartTime(process.pid),
    token: randomBytes(8).toString('hex'), since: new Date().toISOString(), dataDir: dir,
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    if (createExclusive(path, JSON.stringify(me))) return register(path, me.token)
    const holder = readHolder(path)
    if (holder === 'missing') continue // released between our two steps: try again
    if (holder !== 'unreadable' && isAlive(holder, me)) {
      const where = holder.host === me.host ? '' : ` on host ${holder.host}`
      const who = holder.pid === process.pid && where === '' ? `this process (pid ${holder.pid})` : `process ${holder.pid}${where}`
      throw new QuantDbError(
        'configuration',
        `The embedded data directory ${dir} is already open in ${who} since ${holder.since}. ` +
          'One process at a time may open it: close() it there first, or use a PostgreSQL server ({ url }) for several processes. ' +
          `(Lock file: ${path}.)`,
        { code: 'EBUSY' },
      )
    }
    removeStale(path, holder === 'unreadable' ? null : holder.token)
  }
  throw new QuantDbError('configuration', `Could not take the lock ${path} of the embedded data directory ${dir}: it keeps changing hands.`, { code: 'EBUSY' })
}

function register(path: string, token: string): DataDirLock {
  const lock: DataDirLock = {
    path,
    release() {
      if (!held.delete(lock)) return
      const holder = readHolder(path)
      if (typeof holder === 'object' && holder.token === token) unlinkQuietly(path)
    },
  }
  held.add(lock)
  if (!exitHookInstalled) {
    exitHookInstalled = true
    // A process that ends without close() leaves no lock behind (a killed one leaves a stale lock).
    process.on('exit', () => { for (const l of [...held]) l.release() })
  }
  return lock
}

/** Writes `content` to a temporary file and links it to `path`: all or nothing, and only if `path` does not exist. */
function createExclusive(path: string, content: string): boolean {
  const temp = `${path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`
  try {
    const fd = openSync(temp, 'wx', 0o644)
    try {
      writeSync(fd, content)
      fsyncSync(fd)
    } finally {
      closeSync(fd)
    }
    linkSync(temp, path)
    return true
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false
    throw new QuantDbError('configuration', `Could not create the lock file ${path}: ${(error as Error).message}`, { cause: error })
  } finally {
    unlinkQuietly(temp)
  }
}

function readHolder(path: string): Holder | 'missing' | 'unreadable' {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'missing'
    throw new QuantDbError('configuration', `Could not read the lock file ${path}: ${(error as Error).message}`, { cause: error })
  }
  try {
    const holder = JSON.parse(text) as Holder
    return Number.isSafeInteger(holder.pid) && typeof holder.token === 'string' ? holder : 'unreadable'
  } catch {
    return 'unreadable' // not ours, or damaged: nobody can prove ownership with it
  }
}

/** True unless the holder is provably gone: same host and boot, and its pid is dead or now another process. */
function isAlive(holder: Holder, me: Holder): boolean {
  if (holder.host !== me.host) return true // cannot look into another machine: refuse rather than guess
  if (holder.bootId && me.bootId && holder.bootId !== me.bootId) return false // the machine rebooted since
  try {
    process.kill(holder.pid, 0)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false
    // EPERM: a process of another user has that pid; fall through to the start-time check
  }
  if (holder.startTime === null) return true
  const now = processStartTime(holder.pid)
  return now === null || now === holder.startTime
}

/**
 * Removes a stale lock, under a guard directory so that two processes taking over the same stale
 * lock cannot remove each other's fresh one. A guard older than 10 s was left by a crash within
 * these few lines and is cleared.
 */
function removeStale(path: string, token: string | null): void {
  const guard = `${path}.takeover`
  try {
    mkdirSync(guard)
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw new QuantDbError('configuration', `Could not take over the stale lock ${path}: ${(error as Error).message}`, { cause: error })
    }
    try {
      if (Date.now() - statSync(guard).mtimeMs > 10_000) rmdirSync(guard)
    } catch { /* gone meanwhile */ }
    Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, 20) // let the other one finish
    return // someone else is taking over; the caller looks again
  }
  try {
    const again = readHolder(path)
    const same = again === 'unreadable' ? token === null : typeof again === 'object' && again.token === token
    if (same) unlinkQuietly(path)
  } finally {
    rmdirSync(guard)
  }
}

function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path)
  } catch { /* already gone */ }
}

/** Linux: the process's start time in clock ticks since boot (field 22 of /proc/<pid>/stat); null elsewhere. */
function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
    // The command name (field 2) may hold spaces and parentheses: count from the last ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
    return fields[19] ?? null
  } catch {
    return null
  }
}

function bootId(): string | null {
  try {
    return readFileSync('/proc/sys/kernel/random/boot_id', 'utf8').trim()
  } catch {
    return null
  }
}
