/**
 * Helpers shared by the benchmarks (files starting with `_` are not benchmarks: bench/run.ts skips them).
 */
import postgres from 'postgres'
import { createTestDb, type TestDb } from '../src/testing/index.js'
import type { RepoContext } from '../src/repos/context.js'

/** `--name value` from the command line (the first occurrence wins), or `fallback`. */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`)
  const value = i >= 0 ? process.argv[i + 1] : undefined
  // `--merge --reuse`: a flag given without its value takes the default.
  return value === undefined || value.startsWith('--') ? fallback : value
}

/** The modes asked for with `--modes embedded,server` (both by default). */
export const modesArg = (): string[] => arg('modes', 'embedded,server').split(',').map((m) => m.trim()).filter(Boolean)

export const median = (xs: readonly number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

/**
 * Median wall time of `reps` runs of each case after `warmup` runs each (plans cached, pages in
 * memory, the JavaScript compiled). The cases are interleaved round by round, so that a noisy moment
 * of a shared machine hits library and hand-written baseline alike instead of one of them; the order
 * within a round turns each round, so that neither always runs right after the other (and pays for
 * the garbage the other left).
 */
export async function timeInterleaved(
  reps: number, cases: Record<string, () => Promise<unknown>>, options: { warmup?: number } = {},
): Promise<Record<string, number>> {
  const entries = Object.entries(cases)
  const times: Record<string, number[]> = {}
  for (const [name, run] of entries) {
    times[name] = []
    for (let i = 0; i < (options.warmup ?? 1); i++) await run()
  }
  for (let i = 0; i < reps; i++) {
    for (let j = 0; j < entries.length; j++) {
      const [name, run] = entries[(i + j) % entries.length]!
      const t0 = performance.now()
      await run()
      times[name]!.push(performance.now() - t0)
    }
  }
  return Object.fromEntries(Object.entries(times).map(([name, xs]) => [name, median(xs)]))
}

/** Opens a migrated scratch database of `mode`, or prints why it cannot (a skip) and returns undefined. */
export async function openMode(mode: string): Promise<TestDb | undefined> {
  let reason: string
  if (mode !== 'embedded' && mode !== 'server') {
    reason = `unknown mode '${mode}' (embedded or server)`
  } else {
    try {
      return await createTestDb({ mode: mode === 'server' ? 'postgres' : 'embedded' })
    } catch (error) {
      reason = (error as Error).message
    }
  }
  console.log(`\n${mode}: skipped (${reason})`)
  return undefined
}

/** The repository context of an open database (its runner, capabilities and options). */
export const contextOf = (db: TestDb): RepoContext => (db.ohlcv as unknown as { ctx: RepoContext }).ctx

/** The bare engine under a database, for the hand-written baselines. */
export interface HandEngine {
  /** What it is, for the report. */
  readonly label: string
  /** One statement with `$1` parameters through the engine's own client, its default options and type parsers. */
  query(text: string, params?: readonly unknown[]): Promise<unknown[]>
  close(): Promise<void>
}

interface PgliteBare {
  query(text: string, params?: unknown[], options?: Record<string, unknown>): Promise<{ rows: unknown[] }>
}

/**
 * The fastest thing a user could write by hand on the same database, in the same run: a postgres.js
 * client of its own with default options on a server (prepared statements, its default parsers), the
 * very PGlite instance the library runs on when embedded (its `query`, default parsers; no drizzle,
 * no validation, no mapping).
 */
export function handEngine(db: TestDb): HandEngine {
  if (db.url) {
    const sql = postgres(db.url, { max: 1, onnotice: () => {} })
    return {
      label: 'postgres.js',
      query: (text, params = []) => sql.unsafe(text, params as never[]) as unknown as Promise<unknown[]>,
      close: () => sql.end(),
    }
  }
  // The embedded driver keeps its PGlite client in `client` (src/drivers/embedded/driver.ts).
  const pg = (contextOf(db).runner as unknown as { client: PgliteBare }).client
  return {
    label: 'PGlite',
    query: async (text, params = []) => (await pg.query(text, [...params])).rows,
    close: async () => {},
  }
}

/** `days` weekdays ending yesterday (UTC): a history that ends about today, as a live database's does. */
export function weekdaysEndingYesterday(days: number): string[] {
  const out: string[] = []
  for (let t = Date.now() - 86_400_000; out.length < days; t -= 86_400_000) {
    const d = new Date(t)
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) out.push(d.toISOString().slice(0, 10))
  }
  return out.reverse()
}

/** `days` weekdays (UTC) from `start` ('YYYY-MM-DD', a weekday) on: the calendar of a build made on an earlier day. */
export function weekdaysFrom(start: string, days: number): string[] {
  const out: string[] = []
  for (let t = Date.parse(`${start}T00:00:00Z`); out.length < days; t += 86_400_000) {
    const d = new Date(t)
    if (d.getUTCDay() !== 0 && d.getUTCDay() !== 6) out.push(d.toISOString().slice(0, 10))
  }
  return out
}

export const fmt = (ms: number): string => (ms >= 100 ? ms.toFixed(0) : ms >= 10 ? ms.toFixed(1) : ms.toFixed(2))

/** A row of a library-versus-hand table. */
export interface VersusRow {
  case: string
  library: number
  byHand: number
  /** The spec's promise in ms, when there is one. */
  target?: number
}

export function printVersus(title: string, rows: readonly VersusRow[]): void {
  console.log(`\n${title}`)
  console.table(rows.map((r) => ({
    case: r.case,
    'library ms': fmt(r.library),
    'by hand ms': fmt(r.byHand),
    'library / by hand': (r.library / r.byHand).toFixed(2),
    ...(rows.some((x) => x.target !== undefined) ? { spec: r.target === undefined ? '' : `< ${r.target} ms` } : {}),
  })))
}

/** `ANALYZE` after a load? `auto`: on a server only (autovacuum would within a minute; PGlite has no autovacuum). */
export async function maybeAnalyze(db: TestDb, mode: string): Promise<boolean> {
  const how = arg('analyze', 'auto')
  const run = how === 'all' || (how === 'auto' && mode === 'server')
  if (run) await db.exec('ANALYZE')
  return run
}

/**
 * For bench/run.ts: one `RESULT {json}` line per mode, which run.ts collects into its summary and
 * does not echo. Printed only when BENCH_RESULTS is set (run.ts sets it).
 */
export function emitResult(bench: string, mode: string, rows: readonly { case: string; library: number; byHand: number; target?: number }[]): void {
  if (!process.env['BENCH_RESULTS']) return
  const r = (ms: number) => Number(fmt(ms))
  console.log(`RESULT ${JSON.stringify({ bench, mode, rows: rows.map((x) => ({ ...x, library: r(x.library), byHand: r(x.byHand) })) })}`)
}
