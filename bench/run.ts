/**
 * Runs every benchmark of bench/ (each `*.ts` but this file and `_*.ts` helpers) in sequence, each
 * in a child process of its own (node + tsx), and prints a summary of the ratios at the end.
 *
 *   npm run bench                                  # small sizes: a few minutes on 2 cores
 *   npm run bench -- --full                        # the realistic volumes (each bench's own defaults): long
 *   npm run bench -- --modes server --reps 5       # anything else is passed through to every bench
 *   npm run bench -- --only ohlcv-reads,compression
 *   npm run bench -- --scale spec --reuse          # 2,000 x 1,250 on a TimescaleDB server (bench/spec-scale.ts)
 *
 * Without --full each bench gets the small sizes below; options you pass come first on its command
 * line, so they win over these (every bench reads the first occurrence of an option).
 * Exits non-zero when a bench fails; the others still run.
 */
import { spawn } from 'node:child_process'
import { readdirSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { basename, dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const HERE = dirname(fileURLToPath(import.meta.url))

/** The default (small) sizes, per bench; --full runs each with its own defaults, the realistic volumes. */
const SMALL: Record<string, string[]> = {
  'ohlcv-ingest': ['--rows', '10000', '--reps', '3'],
  'ohlcv-reads': ['--tickers', '100', '--days', '1000', '--reps', '15'],
  'repo-reads': ['--tickers', '2000', '--days', '15', '--positions', '100', '--snapshot-days', '300', '--reps', '41'],
  compression: ['--tickers', '100', '--days', '400', '--daily-tickers', '10000', '--daily-days', '5', '--reps', '3'],
}

const argv = process.argv.slice(2)
const full = argv.includes('--full')
// `--scale spec`: the spec-capacity bench only (bench/spec-scale.ts, a TimescaleDB server, minutes to
// build once); without it that bench is left out.
const scaleAt = argv.indexOf('--scale')
const specScale = scaleAt >= 0 && argv[scaleAt + 1] === 'spec'
const onlyAt = argv.indexOf('--only')
const only = onlyAt >= 0 ? new Set((argv[onlyAt + 1] ?? '').split(',').filter(Boolean)) : undefined
const passThrough = argv.filter((a, i) => a !== '--full' && i !== onlyAt && i !== onlyAt + 1 && i !== scaleAt && i !== scaleAt + 1)

const benches = readdirSync(HERE)
  .filter((f) => f.endsWith('.ts') && !f.startsWith('_') && f !== basename(fileURLToPath(import.meta.url)))
  .map((f) => f.slice(0, -'.ts'.length))
  .filter((b) => (specScale ? b === 'spec-scale' : b !== 'spec-scale'))
  .filter((b) => !only || only.has(b))
  .sort()
if (only) for (const b of only) if (!benches.includes(b)) console.warn(`--only: no bench named ${b}`)

interface Result {
  bench: string
  mode: string
  rows: { case: string; library?: number; byHand?: number; target?: number; value?: number | null }[]
}

/** Runs one bench; echoes its output but for the RESULT lines, which it returns parsed. */
function runBench(name: string, args: string[]): Promise<{ code: number; results: Result[] }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(HERE, `${name}.ts`), ...args], {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, BENCH_RESULTS: '1' },
    })
    const results: Result[] = []
    let pending = ''
    const take = (line: string) => {
      if (line.startsWith('RESULT ')) results.push(JSON.parse(line.slice('RESULT '.length)) as Result)
      else process.stdout.write(`${line}\n`)
    }
    child.stdout.setEncoding('utf8')
    child.stdout.on('data', (chunk: string) => {
      pending += chunk
      const lines = pending.split('\n')
      pending = lines.pop() ?? ''
      for (const line of lines) take(line)
    })
    child.on('close', (code, signal) => {
      if (pending) take(pending)
      resolve({ code: code ?? (signal ? 1 : 0), results })
    })
  })
}

const cpu = cpus()
console.log(`@quant/db benchmarks — ${full ? 'full (realistic volumes)' : 'small sizes (--full for the realistic volumes)'}; ` +
  `node ${process.version}, ${cpu.length} x ${cpu[0]?.model.trim() ?? 'unknown CPU'}, ${(totalmem() / 2 ** 30).toFixed(1)} GB`)
console.log('Absolute times on a shared machine are noise; read the ratios (library / the same work by hand, same run).')

const failed: string[] = []
const all: Result[] = []
for (const name of benches) {
  const args = [...passThrough, ...(full || specScale ? [] : (SMALL[name] ?? []))]
  console.log(`\n=== ${name} ${args.join(' ')}`)
  const t0 = performance.now()
  const { code, results } = await runBench(name, args)
  all.push(...results)
  console.log(`=== ${name}: ${code === 0 ? 'done' : `FAILED (exit ${code})`} in ${((performance.now() - t0) / 1000).toFixed(0)} s`)
  if (code !== 0) failed.push(name)
}

if (all.length > 0) {
  console.log('\nSummary (median ms; ratio = library / by hand)')
  console.table(all.flatMap((r) => r.rows.map((row) => ({
    bench: r.bench,
    mode: r.mode,
    case: row.case,
    'library ms': row.library ?? '',
    'by hand ms': row.byHand ?? '',
    ratio: row.library !== undefined && row.byHand ? (row.library / row.byHand).toFixed(2) : row.value === undefined ? '' : `${row.value} : 1`,
    spec: row.target === undefined ? '' : `< ${row.target} ms`,
  }))))
}
if (failed.length > 0) {
  console.error(`Failed: ${failed.join(', ')}`)
  process.exitCode = 1
}
