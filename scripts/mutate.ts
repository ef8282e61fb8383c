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
import { spawnSync } from 'node:child_process'
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
const cleanup = () => rmSync(copy, { recursive: true, force: true })
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    cleanup()
    process.exit(130)
  })
}

function run(command: string, argv: string[], cwd: string) {
  return spawnSync(command, argv, { cwd, encoding: 'utf8', env: { ...process.env, FORCE_COLOR: '0' }, maxBuffer: 64 * 1024 * 1024 })
}

function vitest(tests: readonly string[]) {
  return run(join(root, 'node_modules', '.bin', 'vitest'), ['run', ...tests], copy)
}

/** The closing "Tests  N failed | M passed" line of a vitest run. */
const summary = (out: string): string => out.split('\n').find((l) => /^\s*Tests\s/.test(l))?.trim() ?? '(no test summary)'

try {
  const files = run('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], root).stdout.split('\0').filter(Boolean)
  for (const f of files) {
    mkdirSync(dirname(join(copy, f)), { recursive: true })
    cpSync(join(root, f), join(copy, f))
  }
  symlinkSync(join(root, 'node_modules'), join(copy, 'node_modules'), 'dir')

  // The tests must pass unmutated, or a "killed" mutant would mean nothing.
  const allTests = [...new Set(selected.flatMap((m) => m.tests))]
  console.log(`baseline: ${allTests.length} test files in ${copy}`)
  const baseline = vitest(allTests)
  if (baseline.status !== 0) {
    console.error(`the tests fail without any mutation: ${summary(baseline.stdout)}\n${baseline.stdout.slice(-4000)}`)
    process.exitCode = 1
  } else {
    const results: { mutant: Mutant; outcome: 'killed' | 'survived' | 'stale'; detail: string; seconds: number }[] = []
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
        const r = vitest(mutant.tests)
        const seconds = Math.round((Date.now() - started) / 1000)
        const outcome = r.status === 0 ? 'survived' : 'killed'
        results.push({ mutant, outcome, detail: summary(r.stdout), seconds })
        console.log(`${outcome.toUpperCase().padEnd(9)} ${mutant.id.padEnd(40)} ${String(seconds).padStart(4)} s  ${summary(r.stdout)}`)
      } finally {
        writeFileSync(path, original)
      }
    }
    const killed = results.filter((r) => r.outcome === 'killed').length
    const survivors = results.filter((r) => r.outcome !== 'killed')
    console.log(`\nmutation score: ${killed}/${results.length} killed (${((100 * killed) / results.length).toFixed(1)}%)`)
    for (const s of survivors) console.log(`  ${s.outcome}: ${s.mutant.id} (${s.mutant.file}) — ${s.mutant.why}`)
    if (survivors.length > 0) process.exitCode = 1
  }
} finally {
  cleanup()
}
