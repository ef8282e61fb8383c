/**
 * Embedded engine memory (RSS) after a full `recomputeIndicators`, against the data's size:
 *   node --expose-gc --import tsx bench/_embedded-memory.ts [tickers] [days] [--in-memory] [--groups]
 *     [--trace-wasm] [--smaps] [--set=name=value ...]
 * (default: a temporary dataDir). A `_` helper (not run by `npm run bench`); issue 9 asks for "within 2x
 * of what the data needs". Each phase prints, after a forced GC (with --expose-gc): RSS, V8 heap,
 * `external`, `arrayBuffers`, the WASM linear memory, and the engine's in-memory files (bytes used and
 * bytes allocated: emscripten's file system grows a file's buffer ahead of its content). `--groups`: the
 * same after each group of the recompute; `--trace-wasm`: each statement after which the WASM memory
 * grew; `--smaps`: the resident memory by kind of mapping (the allocator's heap, its other arenas,
 * large anonymous mappings); `--set`: a session setting to try.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createQuantDb } from '../src/index.js'
import { syntheticBars } from '../src/synthetic/index.js'

const tickers = Number(process.argv[2] ?? 200)
const days = Number(process.argv[3] ?? 1250)
const mb = (b: number) => `${(b / 2 ** 20).toFixed(0)}`
const rss = () => process.memoryUsage().rss
const gc = (globalThis as { gc?: () => void }).gc
let peak = 0
const sampler = setInterval(() => { peak = Math.max(peak, rss()) }, 50)
const inMemory = process.argv.includes('--in-memory')
const dir = mkdtempSync(join(tmpdir(), 'qdb-mem-'))
const base = rss()
const qdb = await createQuantDb(inMemory ? { logger: {} } : { dataDir: dir, logger: {} })

interface FsNode { contents?: Uint8Array | Record<string, FsNode> | null; usedBytes?: number; mode: number }
interface Module { HEAP8: Int8Array; FS: { lookupPath(p: string): { node: FsNode }; isDir(m: number): boolean; isFile(m: number): boolean } }
// The driver's PGlite instance is private: reached here for measuring only (`Module` is PGlite's public getter).
const mod = (qdb as unknown as { driver: { pg: { Module: Module } } }).driver.pg.Module

/**
 * Bytes used and allocated by the files of the in-memory file system (the engine's files and its own),
 * the address space reserved by those in resizable buffers, and the file nodes (for `--smaps`).
 */
function files(): { used: number; allocated: number; wal: number; reserved: number; nodes: Set<FsNode> } {
  const out = { used: 0, allocated: 0, wal: 0, reserved: 0, nodes: new Set<FsNode>() }
  const walk = (node: FsNode, path: string) => {
    if (mod.FS.isDir(node.mode)) {
      for (const [name, child] of Object.entries((node.contents ?? {}) as Record<string, FsNode>)) walk(child, `${path}/${name}`)
    } else if (mod.FS.isFile(node.mode) && node.contents instanceof Uint8Array) {
      out.nodes.add(node)
      out.used += node.usedBytes ?? 0
      out.allocated += node.contents.byteLength
      out.reserved += (node.contents.buffer as { maxByteLength?: number }).maxByteLength ?? 0
      if (path.includes('/pg_wal/')) out.wal += node.usedBytes ?? 0
    }
  }
  walk(mod.FS.lookupPath('/').node, '')
  return out
}

// --trace-wasm: print each statement after which the WASM memory grew (diagnosis).
type Traced = Record<string, (...a: unknown[]) => Promise<unknown>>
const trace = (client: Traced): Traced => new Proxy(client, {
  get: (t, p) => {
    if (p === 'transaction') return (fn: (tx: Traced) => Promise<unknown>) => t.transaction!((tx: unknown) => fn(trace(tx as Traced)))
    if (p !== 'query' && p !== 'exec') return t[p as string]
    return async (...args: unknown[]) => {
      const before = mod.HEAP8.buffer.byteLength
      const result = await t[p]!(...args)
      const grown = mod.HEAP8.buffer.byteLength
      if (grown > before) console.log(`  wasm ${mb(before)} -> ${mb(grown)} MB after ${p}: ${String(args[0]).replace(/\s+/g, ' ').slice(0, 160)}`)
      return result
    }
  },
})
if (process.argv.includes('--trace-wasm')) {
  const driver = qdb as unknown as { driver: { client: Traced } }
  driver.driver.client = trace(driver.driver.client)
}
/** Resident MB by kind of mapping, from /proc/self/smaps (diagnosis: which memory stays). */
function smaps(): string {
  const kinds: Record<string, number> = {}
  let kind = ''
  for (const line of readFileSync('/proc/self/smaps', 'utf8').split('\n')) {
    const head = /^([0-9a-f]+)-([0-9a-f]+) \S+ \S+ \S+ \S+\s*(.*)$/.exec(line)
    if (head) {
      const size = (parseInt(head[2]!, 16) - parseInt(head[1]!, 16)) / 2 ** 20
      const name = head[3] ?? ''
      kind = name === '[heap]' ? 'brk heap' : name !== '' ? (name.startsWith('/') ? 'files' : name)
        : size >= 1024 ? 'anon >=1G' : size >= 60 && size <= 66 ? 'anon 64M (arenas?)' : size >= 32 ? 'anon 32M-1G' : size >= 1 ? 'anon 1-32M' : 'anon <1M'
    } else if (line.startsWith('Rss:')) {
      kinds[kind] = (kinds[kind] ?? 0) + Number(line.split(/\s+/)[1]) / 1024
    }
  }
  return Object.entries(kinds).filter(([, v]) => v >= 1).map(([k, v]) => `${k} ${v.toFixed(0)}`).join(', ')
}
const phase = async (name: string) => {
  // Array buffers are freed by a sweeper after the collection: a second one, a moment later.
  const unforced = rss()
  gc?.()
  await new Promise((r) => setTimeout(r, 200))
  gc?.()
  const m = process.memoryUsage()
  const f = files()
  const status = readFileSync('/proc/self/status', 'utf8')
  const anon = Number(/RssAnon:\s+(\d+)/.exec(status)?.[1] ?? 0) * 1024
  const [db] = await qdb.query<{ b: string }>(`SELECT pg_database_size(current_database())::text AS b`)
  console.log(`${name.padEnd(18)} rss ${mb(m.rss)} (anon ${mb(anon)}; before GC ${mb(unforced)}) heap ${mb(m.heapUsed)}/${mb(m.heapTotal)} external ${mb(m.external)} ` +
    `arrayBuffers ${mb(m.arrayBuffers)} wasm ${mb(mod.HEAP8.buffer.byteLength)} files ${mb(f.used)}/${mb(f.allocated)} ` +
    `(wal ${mb(f.wal)}) db ${mb(Number(db!.b))} MB`)
  if (process.argv.includes('--smaps')) {
    // Files still open but unlinked are not in the tree: reached through the open streams.
    let orphan = 0, n = 0
    for (const st of (mod.FS as unknown as { streams: ({ node: FsNode } | null)[] }).streams) {
      if (st && !f.nodes.has(st.node) && st.node.contents instanceof Uint8Array) { orphan += st.node.contents.byteLength; n++ }
    }
    console.log(`  resident by mapping (MB): ${smaps()}; unlinked open files ${n}: ${mb(orphan)} MB; reserved ${mb(f.reserved)} MB`)
  }
  return m.rss
}
try {
  // --set name=value: a session setting to try (diagnosis).
  for (const a of process.argv.filter((x) => x.startsWith('--set='))) {
    const [k, v] = a.slice(6).split('=')
    await qdb.query('SELECT set_config($1, $2, false)', [k, v])
  }
  await qdb.migrate()
  const opened = await phase('open')
  let n = 0
  for (const batch of syntheticBars({ tickers, days, regions: ['KR'], batchSize: 5000 })) n += (await qdb.ohlcv.upsert(batch)).inserted
  await phase('loaded')
  await qdb.ops.maintenance()
  await phase('maintenance')
  const size = async () => Number((await qdb.query<{ b: string }>(`SELECT hypertable_size('ohlcv_data')::text AS b`))[0]!.b)
  peak = 0
  let filesPeak = 0
  const t0 = performance.now()
  const r = await qdb.ohlcv.recomputeIndicators({ region: 'KR', onProgress: (p) => {
    const f = files()
    filesPeak = Math.max(filesPeak, f.allocated)
    if (process.argv.includes('--groups')) console.log(`  group ${p.tickers}: rss ${mb(rss())} wasm ${mb(mod.HEAP8.buffer.byteLength)} files ${mb(f.used)}/${mb(f.allocated)} (wal ${mb(f.wal)})`)
  } })
  const secs = (performance.now() - t0) / 1000
  peak = Math.max(peak, rss())
  const after = await phase('after recompute')
  // Last: hypertable_size() itself grows the WASM memory (174 -> 209 MB on a first call).
  const afterBytes = await size()
  const [db] = await qdb.query<{ b: string }>(`SELECT pg_database_size(current_database())::text AS b`)
  const dbBytes = Number(db!.b)
  console.log(`${n.toLocaleString()} bars; ${r.updated.toLocaleString()} updated in ${secs.toFixed(0)} s; node before open ${mb(base)} MB; ` +
    `peak during recompute: RSS ${mb(peak)} MB (sampled between statements), files ${mb(filesPeak)} MB allocated (after a group)`)
  console.log(`ohlcv_data ${mb(afterBytes)} MB after recompute; database ${mb(dbBytes)} MB`)
  console.log(`RSS growth over the open engine after recompute: ${mb(after - opened)} MB = ${((after - opened) / dbBytes).toFixed(2)} x the database`)
} finally {
  clearInterval(sampler)
  await qdb.close()
  rmSync(dir, { recursive: true, force: true })
}
