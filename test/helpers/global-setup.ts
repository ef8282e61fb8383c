import postgres from 'postgres'
import type { TestProject } from 'vitest/node'
import { routeThroughPgBouncer } from './pgbouncer.js'

declare module 'vitest' {
  export interface ProvidedContext {
    serverAvailable: boolean
  }
}

/**
 * Decides once whether the PostgreSQL server suite runs. In CI (CI=true) or with
 * QUANTDB_REQUIRE_SERVER=1 a missing server fails the run instead of skipping it.
 */
export default async function setup(project: TestProject): Promise<void | (() => Promise<void>)> {
  // QUANTDB_TEST_PGBOUNCER=1: the whole server suite through PgBouncer in transaction mode.
  const stopPooler = await routeThroughPgBouncer()
  const url = process.env['QUANTDB_TEST_URL'] ?? 'postgres://postgres@127.0.0.1:5432/postgres'
  const required = process.env['CI'] === 'true' || process.env['QUANTDB_REQUIRE_SERVER'] === '1'
  const sql = postgres(url, { max: 1, connect_timeout: 5, onnotice: () => {} })
  try {
    await sql`SELECT 1`
    project.provide('serverAvailable', true)
  } catch (error) {
    if (required) throw new Error(`The PostgreSQL server suite is required but ${new URL(url).host} does not answer: ${(error as Error).message}`)
    project.provide('serverAvailable', false)
    console.warn(`[tests] PostgreSQL at ${new URL(url).host} does not answer: the server suite is skipped.`)
  } finally {
    await sql.end({ timeout: 1 })
  }
  return stopPooler
}
