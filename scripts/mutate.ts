// `npm run mutate`: plants each mutation of scripts/mutate-list.ts, one at a time, in a temporary COPY
// of the repository (node_modules linked, never the working tree: an interrupted run leaves nothing
// behind), runs the test files named for it, and reports which mutants the suite killed and which
// survived. Not part of CI (it runs the relevant tests once per mutant: ~10-20 minutes here).
//
//   npm run mutate                      # every mutant
//   npm run mutate -- trade redact      # only mutants whose id contains one of the words
//   npm run mutate -- --list            # list them
//
// Exit code: 0 when every mutant was killed, 1 when one survived or is stale (its search text is gone).
import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { MUTANTS, type Mutant } from './mutate-list.js'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..')
const args = process.argv.slice(2)

if (args.includes('--list')) {
  for (const m of MUTANTS) console.log(`${m.id.padEnd(40)} ${m.file}  — ${m.why}`)
  process.exit(0)
}
const words = args.filter((a) => !a.startsWith('--'))
const selected = words.length === 0 ? MUTANTS : MUTANTS.filter((m) => words.some((w) => m.id.includes(w)))
if (selected.length === 0) {
  console.error(`no mutant matches ${words.join(', ')} (see --list)`)
  process.exit(2)
}

// The copy: every file git knows (tracked or new, not ignored), with node_modules linked.
const copy = mkdtempSync(join(tmpdir(), 'quantdb-mutate-'))
let child: ChildProcess | undefined
const cleanup = () => rmSync(copy, { recursive: true, force: true })
for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
  process.on(signal, () => {
    // The working tree was never touched: stop the tests and remove the copy.
    // vitest runs in a process group of its own (detached): its workers go with it.
    if (child?.pid !== undefined) {
      try { process.kill(-child.pid, 'SIGKILL') } catch { /* already gone */ }
    }
    cleanup()
    process.exit(130)
  })
}

/** Runs the named test files in the copy (asynchronously, so a signal is handled at once). */
function vitest(tests: readonly string[]): Promise<{ status: number | null; out: string }> {
  return new Promise((resolvePromise) => {
    const proc = spawn(join(root, 'node_modules', '.bin', 'vitest'), ['run', ...tests], {
      cwd: copy, env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' }, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
    })
    child = proc
    let out = ''
    proc.stdout.on('data', (d: Buffer) => { out += d.toString() })
    proc.stderr.on('data', (d: Buffer) => { out += d.toString() })
    proc.on('close', (status) => {
      child = undefined
      resolvePromise({ status, out })
    })
  })
}

/** The closing "Tests  N failed | M passed" line of a vitest run. */
const summary = (out: string): string =>
  out.replace(/\u001b\[[0-9;]*m/g, '').split('\n').find((l) => /^\s*Tests\s/.test(l))?.trim().replace(/\s+/g, ' ') ?? '(no test summary)'

try {
  const files = spawnSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], { cwd: root, encoding: 'utf8' })
    .stdout.split('\0').filter(Boolean)
  for (const f of files) {
    mkdirSync(dirname(join(copy, f)), { recursive: true })
    cpSync(join(root, f), join(copy, f))
  }
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir')

  // The tests must pass unmutated, or a "killed" mutant would mean nothing.
  const allTests = [...new Set(selected.flatMap((m) => m.tests))]
  console.log(`baseline: ${allTests.length} test files in ${copy}`)
  const baseline = await vitest(allTests)
  if (baseline.status !== 0) {
    console.error(`the tests fail without any mutation: ${summary(baseline.out)}\n${baseline.out.slice(-4000)}`)
    process.exitCode = 1
  } else {
    const results: { mutant: Mutant; outcome: 'killed' | 'survived' | 'stale' | 'error'; detail: string; seconds: number }[] = []
    for (const mutant of selected) {
      const path = join(copy, mutant.file)
      const original = readFileSync(path, 'utf8')
      const at = original.indexOf(mutant.search)
      if (at < 0) {
        results.push({ mutant, outcome: 'stale', detail: 'search text not found', seconds: 0 })
        console.log(`STALE     ${mutant.id}`)
        continue
      }
      writeFileSync(path, original.slice(0, at) + mutant.replace + original.slice(at + mutant.search.length))
      const started = Date.now()
      try {
        const r = await vitest(mutant.tests)
        const seconds = Math.round((Date.now() - started) / 1000)
        // Killed only by failing tests: a run that ends without a test summary (a crash) is reported as such.
        const failedTests = /\d+ failed/.test(summary(r.out))
        const outcome = r.status === 0 ? 'survived' : failedTests ? 'killed' : 'error'
        results.push({ mutant, outcome, detail: summary(r.out), seconds })
        console.log(`${outcome.toUpperCase().padEnd(9)} ${mutant.id.padEnd(40)} ${String(seconds).padStart(4)} s  ${summary(r.out)}`)
      } finally {
        writeFileSync(path, original)
      }
    }
    const killed = results.filter((r) => r.outcome === 'killed').length
    const survivors = results.filter((r) => r.outcome === 'survived' || r.outcome === 'stale')
    console.log(`\nmutation score: ${killed}/${results.length} killed (${((100 * killed) / results.length).toFixed(1)}%)`)
    for (const s of results.filter((r) => r.outcome !== 'killed')) {
      console.log(`  ${s.outcome}: ${s.mutant.id} (${s.mutant.file}) — ${s.mutant.why}${s.outcome === 'error' ? ` — ${s.detail}` : ''}`)
    }
    if (survivors.length > 0) process.exitCode = 1
  }
} finally {
  cleanup()
}
