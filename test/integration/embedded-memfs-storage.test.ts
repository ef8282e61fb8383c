import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { createQuantDb, type QuantDb } from '../../src/index.js'
import { syntheticMarket } from '../../src/synthetic/index.js'

// An in-memory embedded database keeps its files past 64 KB in resizable ArrayBuffers (page-mapped,
// not malloc'd: src/drivers/embedded/memfs-storage.ts). Every other embedded suite runs on these files
// too; here the file operations are checked against a model, byte for byte.

interface Node { contents: Uint8Array | null; usedBytes: number }
interface Fs {
  open(path: string, flags: string): unknown
  write(stream: unknown, buffer: Uint8Array, offset: number, length: number, position: number): number
  close(stream: unknown): void
  truncate(path: string, length: number): void
  unlink(path: string): void
  readFile(path: string): Uint8Array
  lookupPath(path: string): { node: Node }
  mkdirTree(path: string): void
}

const resizable = (node: Node) => (node.contents?.buffer as { resizable?: boolean } | undefined)?.resizable === true

/** A small seeded generator (mulberry32): the same operations every run. */
function random(seed: number): () => number {
  let a = seed
  return () => {
    a = (a + 0x6d2b79f5) | 0
    let t = Math.imul(a ^ (a >>> 15), 1 | a)
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

describe('an in-memory embedded database\'s files [embedded]', () => {
  let db: QuantDb
  let fs: Fs
  beforeAll(async () => {
    db = await createQuantDb({ logger: {} })
    // The engine is private; its module's file system is PGlite's public `Module.FS`.
    fs = (db as unknown as { driver: { pg: { Module: { FS: Fs } } } }).driver.pg.Module.FS
  })
  afterAll(() => db.close())

  it('read back what was written, truncated and extended, as a byte array model says (writes and truncations across 64 KB and the reservations)', () => {
    const next = random(20261201)
    const int = (n: number) => Math.floor(next() * n)
    fs.mkdirTree('/tmp/qdb-memfs')
    const model = new Map<string, Uint8Array>()
    const seen = { resizable: 0, shrunk: 0, firstLarge: 0 }
    for (let op = 0; op < 600; op++) {
      const path = `/tmp/qdb-memfs/f${int(6)}`
      const had = model.get(path)
      const kind = int(10)
      if (kind < 6 || had === undefined) {
        // A write: small (a page) or large, at 0, inside or past the end (the gap reads as zeros).
        const size = had?.length ?? 0
        const length = int(3) === 0 ? 65_000 + int(3_000_000) : 1 + int(9_000)
        const position = had === undefined || int(4) === 0 ? 0 : int(size + 200_000)
        if (had === undefined && length > 65_536) seen.firstLarge++
        const data = new Uint8Array(length).map(() => int(256))
        const stream = fs.open(path, had === undefined ? 'w+' : 'r+')
        expect(fs.write(stream, data, 0, length, position)).toBe(length)
        fs.close(stream)
        const grown = new Uint8Array(Math.max(size, position + length))
        if (had !== undefined) grown.set(had)
        grown.set(data, position)
        model.set(path, grown)
      } else if (kind < 9) {
        // A truncation, shorter (a little or most of it) or longer.
        const size = had.length
        const length = int(3) === 0 ? size + int(500_000) : int(2) === 0 ? Math.floor(size * 0.9) : int(size + 1)
        if (length < size) seen.shrunk++
        fs.truncate(path, length)
        const cut = new Uint8Array(length)
        cut.set(had.subarray(0, Math.min(size, length)))
        model.set(path, cut)
      } else {
        fs.unlink(path)
        model.delete(path)
      }
      if (model.has(path)) {
        const node = fs.lookupPath(path).node
        if (resizable(node)) seen.resizable++
        expect(node.usedBytes).toBe(model.get(path)!.length)
        expect(Buffer.compare(fs.readFile(path), model.get(path)!)).toBe(0)
      }
    }
    // The operations did reach every path of the storage.
    expect(seen.resizable).toBeGreaterThan(100)
    expect(seen.shrunk).toBeGreaterThan(20)
    expect(seen.firstLarge).toBeGreaterThan(5)
  })

  it('hold a table in resizable buffers and give back its values exactly (sums checked in JavaScript)', async () => {
    await db.migrate()
    const market = syntheticMarket({ seed: 7, tickers: 40, days: 250, regions: ['KR'], start: '2023-01-02' })
    await db.ohlcv.upsert(market.bars)
    const [row] = await db.query<{ n: number; close: string; volume: string; dir: string; file: string }>(
      `SELECT count(*)::int AS n, sum(close)::text AS close, sum(volume)::text AS volume,
        current_setting('data_directory') AS dir,
        pg_relation_filepath((SELECT format('%I.%I', chunk_schema, chunk_name) FROM timescaledb_information.chunks
          WHERE hypertable_name = 'ohlcv_data' ORDER BY range_start LIMIT 1)) AS file
       FROM ohlcv_data`)
    expect(row!.n).toBe(market.bars.length)
    // KRX closes are whole won: their sum is exact in a double.
    expect(Number(row!.close)).toBe(market.bars.reduce((s, b) => s + b.close, 0))
    expect(BigInt(row!.volume)).toBe(market.bars.reduce((s, b) => s + BigInt(b.volume), 0n))
    const node = fs.lookupPath(`${row!.dir}/${row!.file}`).node
    expect(node.usedBytes).toBeGreaterThan(65_536)
    expect(resizable(node)).toBe(true)
  })
})
