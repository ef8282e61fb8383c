import { describe, expect, it } from 'vitest'
import { detectCapabilities } from '../../src/capabilities.js'
import type { QueryRunner } from '../../src/drivers/types.js'

/** A runner that answers the catalog questions the way a given server would. */
function fakeServer(state: { installed: string | null; available: boolean; preload: string | Error; answers?: boolean; tsl?: boolean | 'old' }): QueryRunner {
  return {
    kind: 'postgres',
    inTransaction: false,
    db: undefined as never,
    async query<T>(text: string): Promise<T[]> {
      if (text.includes('server_version')) {
        return [{ pg: '16.4', ts: state.installed, available: state.available }] as T[]
      }
      if (text.includes('shared_preload_libraries')) {
        if (state.preload instanceof Error) throw state.preload
        return [{ libs: state.preload }] as T[]
      }
      if (text.includes('timescaledb_information.hypertables')) {
        if (state.answers === false) throw new Error('extension not loaded')
        return [{ count: 0 }] as T[]
      }
      if (text.includes('_timescaledb_functions.tsl_loaded()')) {
        if (state.tsl === 'old') throw new Error('function _timescaledb_functions.tsl_loaded() does not exist')
        return [{ loaded: state.tsl ?? true }] as T[]
      }
      if (text.includes('_timescaledb_internal.tsl_loaded()')) return [{ loaded: state.tsl === 'old' }] as T[]
      throw new Error(`unexpected query ${text}`)
    },
    queryArrays: async () => [],
    exec: async () => {},
    copyCsv: async () => {},
    copyOutBinary: async () => {},
    transaction: async () => { throw new Error('detection must not open a transaction') },
  }
}

describe('detectCapabilities on a server', () => {
  it('is plain mode when the extension is listed but not preloaded', async () => {
    const caps = await detectCapabilities(fakeServer({ installed: null, available: true, preload: 'pg_stat_statements' }))
    expect(caps).toEqual({ timescale: false, timescaleVersion: null, postgresVersion: '16.4', mode: 'postgres' })
  })

  it('expects TimescaleDB when it is preloaded and not created yet (migrate() will create it)', async () => {
    const caps = await detectCapabilities(fakeServer({ installed: null, available: true, preload: 'timescaledb, pg_stat_statements' }))
    expect(caps.timescale).toBe(true)
    expect(caps.timescaleVersion).toBeNull()
  })

  it('is plain mode when the preload setting is hidden from the role and nothing is installed', async () => {
    const caps = await detectCapabilities(fakeServer({ installed: null, available: true, preload: new Error('permission denied') }))
    expect(caps.timescale).toBe(false)
  })

  it('is plain mode when the extension is installed but does not answer (not loaded)', async () => {
    const caps = await detectCapabilities(fakeServer({ installed: '2.17.2', available: true, preload: '', answers: false }))
    expect(caps).toMatchObject({ timescale: false, timescaleVersion: null })
  })

  it('is plain mode when the extension answers but its licensed module is not loaded (compression would fail)', async () => {
    const caps = await detectCapabilities(fakeServer({ installed: '2.17.2', available: true, preload: 'timescaledb', tsl: false }))
    expect(caps).toMatchObject({ timescale: false, timescaleVersion: null })
  })

  it('finds the licensed module of versions before 2.12 in _timescaledb_internal', async () => {
    const caps = await detectCapabilities(fakeServer({ installed: '2.9.3', available: true, preload: 'timescaledb', tsl: 'old' }))
    expect(caps).toMatchObject({ timescale: true, timescaleVersion: '2.9.3' })
  })

  it('reports the installed version when it answers', async () => {
    const caps = await detectCapabilities(fakeServer({ installed: '2.17.2', available: true, preload: 'timescaledb' }))
    expect(caps).toMatchObject({ timescale: true, timescaleVersion: '2.17.2' })
  })

  it('is plain mode when the extension is not even available', async () => {
    const caps = await detectCapabilities(fakeServer({ installed: null, available: false, preload: 'timescaledb' }))
    expect(caps.timescale).toBe(false)
  })
})
