import { execFile } from 'node:child_process'
import { promisify } from 'node:util'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import type { TestDb } from '../../src/testing/index.js'
import { openTarget, skipReason, TARGETS } from '../helpers/targets.js'
import { MIGRATION_TAGS } from '../helpers/migrations.js'

const exec = promisify(execFile)
const cli = (...args: string[]) =>
  exec(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env: { ...process.env, DATABASE_URL: '' } })

describe('quant-db CLI', () => {
  it('prints the deployment SQL that migrate() never runs', async () => {
    const { stdout } = await cli('deployment-sql')
    expect(stdout).toContain("LC_COLLATE = 'en_US.UTF-8'")
    expect(stdout).toContain('ALTER DATABASE quant_platform SET timezone')
    expect(stdout).toMatch(/RESTART/)
  })

  it('exits non-zero with the usage on an unknown command', async () => {
    const error = await cli('frobnicate').then(() => null, (e: { code: number; stderr: string }) => e)
    expect(error?.code).toBe(2)
    expect(error?.stderr).toContain('unknown command frobnicate')
  })
})

for (const target of TARGETS.filter((t) => t.remote)) {
  const reason = skipReason(target)
  describe.skipIf(reason !== null)(`quant-db CLI against a server [${target.name}]${reason ? ` (skipped: ${reason})` : ''}`, () => {
    let db: TestDb
    beforeAll(async () => {
      db = await openTarget(target, { migrate: false })
    })
    afterAll(() => db?.close())

    it('migrates, then reports status as JSON without ever printing the password', async () => {
      const url = new URL(db.url!)
      url.password = 'not-a-real-secret' // trust auth ignores it; it must not be echoed
      const migrated = await cli('migrate', '--url', url.toString(), '--json')
      expect(JSON.parse(migrated.stdout)).toEqual({ applied: [...MIGRATION_TAGS] })
      const { stdout, stderr } = await cli('status', '--url', url.toString(), '--json')
      const status = JSON.parse(stdout) as { capabilities: { mode: string }; migrationsApplied: number; migrationsPending: string[] }
      expect(status.capabilities.mode).toBe('postgres')
      expect(status.migrationsApplied).toBe(MIGRATION_TAGS.length)
      expect(status.migrationsPending).toEqual([])
      expect(stdout + stderr).not.toContain('not-a-real-secret')
    })

    it('reports the migrations a database migrated by an older version lacks', async () => {
      // As a database migrated before the newest migration existed: its record is not there.
      await db.exec('DELETE FROM drizzle.__drizzle_migrations WHERE created_at = (SELECT max(created_at) FROM drizzle.__drizzle_migrations)')
      const status = JSON.parse((await cli('status', '--url', db.url!, '--json')).stdout) as { migrationsApplied: number; migrationsPending: string[] }
      expect(status).toMatchObject({ migrationsApplied: MIGRATION_TAGS.length - 1, migrationsPending: [MIGRATION_TAGS.at(-1)] })
      const text = (await cli('status', '--url', db.url!)).stdout
      expect(text).toMatch(new RegExp(`^migrationsPending\\s+${MIGRATION_TAGS.at(-1)} \\(run quant-db migrate\\)$`, 'm'))
    })
  })
}
