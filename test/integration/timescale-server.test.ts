import { execFileSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createQuantDb, type QuantDb } from '../../src/index.js'
import * as catalog from '../helpers/catalog.js'

// The third way to run the suite: a real PostgreSQL server with TimescaleDB, in a container.
// It needs a Docker engine; these machines have only the docker client, so it skips with that reason.
function dockerEngine(): boolean {
  try {
    execFileSync('docker', ['info'], { stdio: 'ignore', timeout: 5000 })
    return true
  } catch {
    return false
  }
}
const hasDocker = dockerEngine()
const IMAGE = process.env['QUANTDB_TIMESCALE_IMAGE'] ?? 'timescale/timescaledb:2.17.2-pg16'

describe.skipIf(!hasDocker)(`TimescaleDB server in a container (${hasDocker ? IMAGE : 'skipped: no Docker engine answers `docker info`'})`, () => {
  let stop: (() => Promise<unknown>) | undefined
  let ours: QuantDb
  let spec: QuantDb

  beforeAll(async () => {
    const { PostgreSqlContainer } = await import('@testcontainers/postgresql')
    const container = await new PostgreSqlContainer(IMAGE).start()
    stop = () => container.stop()
    ours = await createQuantDb({ url: container.getConnectionUri(), logger: {} })
    await ours.migrate()
    await ours.exec('CREATE DATABASE spec')
    const specUrl = new URL(container.getConnectionUri())
    specUrl.pathname = '/spec'
    spec = await createQuantDb({ url: specUrl.toString(), logger: {} })
    await spec.exec(readFileSync(new URL('../fixtures/spec-tables.sql', import.meta.url), 'utf8'))
    await spec.exec(readFileSync(new URL('../fixtures/spec-timescale.sql', import.meta.url), 'utf8'))
  }, 300_000)

  afterAll(async () => {
    await spec?.close()
    await ours?.close()
    await stop?.()
  })

  it('detects TimescaleDB and builds the same catalog as the spec', async () => {
    expect(ours.capabilities.timescale).toBe(true)
    for (const read of [catalog.columns, catalog.indexes, catalog.constraints, catalog.dimensions, catalog.compression, catalog.jobs]) {
      expect(await read(ours)).toEqual(await read(spec))
    }
  })
})
