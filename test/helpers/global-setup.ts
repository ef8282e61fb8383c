import postgres from 'postgres'
import type { TestProject } from 'vitest/node'
import { SERVER_URL_DEFAULT, TIMESCALE_URL_DEFAULT } from './urls.js'

declare module 'vitest' {
  export interface ProvidedContext {
    /** Why the plain PostgreSQL target cannot run, or `null` when it can. */
    serverSkip: string | null
    /** Why the TimescaleDB server target cannot run, or `null` when it can. */
    timescaleSkip: string | null
  }
}

const hostOf = (url: string): string => new URL(url).host

/** `null` when `url` answers (and, with `timescale`, really has TimescaleDB preloaded), else why not. */
async function probe(url: string, timescale: boolean): Promise<string | null> {
  const sql = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} })
  try {
    await sql`SELECT 1`
    if (!timescale) return null
    const [row] = await sql<{ preload: string; available: boolean }[]>`
      SELECT current_setting('shared_preload_libraries') AS preload,
             EXISTS (SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb') AS available`
    if (!row?.available) return `the server at ${hostOf(url)} has no timescaledb extension`
    if (!row.preload.split(',').map((s) => s.trim()).includes('timescaledb')) {
      return `the server at ${hostOf(url)} does not preload timescaledb (shared_preload_libraries = '${row.preload}')`
    }
    return null
  } catch (error) {
    return `no server answered at ${hostOf(url)} (${(error as Error).message})`
  } finally {
    await sql.end({ timeout: 1 })
  }
}

/**
 * Decides once whether the two server targets run: the plain PostgreSQL server (QUANTDB_TEST_URL)
 * and the TimescaleDB server (QUANTDB_TIMESCALE_URL). In CI (CI=true) or with
 * QUANTDB_REQUIRE_SERVER=1 a missing target fails the run instead of skipping it.
 */
export default async function setup(project: TestProject): Promise<void> {
  const required = process.env['CI'] === 'true' || process.env['QUANTDB_REQUIRE_SERVER'] === '1'
  const server = process.env['QUANTDB_TEST_URL'] ?? SERVER_URL_DEFAULT
  const timescale = process.env['QUANTDB_TIMESCALE_URL'] ?? TIMESCALE_URL_DEFAULT
  const [serverSkip, timescaleSkip] = await Promise.all([probe(server, false), probe(timescale, true)])
  const missing = [
    serverSkip && `PostgreSQL server target (QUANTDB_TEST_URL): ${serverSkip}`,
    timescaleSkip && `TimescaleDB server target (QUANTDB_TIMESCALE_URL): ${timescaleSkip}`,
  ].filter((m): m is string => Boolean(m))
  if (required && missing.length > 0) {
    throw new Error(`Every test target is required (CI=true or QUANTDB_REQUIRE_SERVER=1), but:\n- ${missing.join('\n- ')}`)
  }
  for (const m of missing) console.warn(`[tests] ${m}: its suites are skipped.`)
  project.provide('serverSkip', serverSkip)
  project.provide('timescaleSkip', timescaleSkip)
}
