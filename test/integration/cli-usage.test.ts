import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { createQuantDb } from '../../src/index.js'
import { cleanEnv, runCli } from './cli-support.js'
import { MIGRATION_TAGS } from '../helpers/migrations.js'

// Wrong usage, as a new user would try it: every case exits non-zero with ONE line on stderr that
// names the option or argument, and touches nothing.

const dir = mkdtempSync(join(tmpdir(), 'quantdb-cli-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const COMMANDS = ['migrate', 'status', 'jobs', 'run-jobs', 'maintenance', 'refresh', 'compress', 'decompress',
  'compression-stats', 'index-usage', 'slow-queries', 'backup', 'restore', 'import-sqlite', 'validate', 'deployment-sql']

const oneLine = (stderr: string): string[] => stderr.trim().split('\n')

describe('quant-db help and exit codes', () => {
  it.each([[[]], [['--help']], [['-h']], [['help']]])('quant-db %j prints the help and exits 0', async (args) => {
    const r = await runCli(args)
    expect(r.code).toBe(0)
    expect(r.stdout).toMatch(/^quant-db — operate/)
    for (const c of COMMANDS) expect(r.stdout).toContain(`  ${c} `)
    expect(r.stderr).toBe('')
  })

  it('every command has --help (and help <command>), exit 0, without opening any database', async () => {
    const results = await Promise.all([...COMMANDS.map((c) => runCli([c, '--help'])), runCli(['help', 'import-sqlite'])])
    results.forEach((r, i) => {
      const c = COMMANDS[i] ?? 'import-sqlite'
      expect(r.code, `${c}: ${r.stderr}`).toBe(0)
      expect(r.stdout).toMatch(new RegExp(`^Usage: quant-db ${c}`))
      expect(r.stderr).toBe('')
    })
  })

  it('an unknown command, topic or option exits 2 with one line naming it', async () => {
    const [command, topic, option] = await Promise.all([runCli(['frobnicate']), runCli(['help', 'frobnicate']), runCli(['migrate', '--frobnicate'])])
    for (const r of [command, topic]) {
      expect(r.code).toBe(2)
      expect(oneLine(r.stderr)).toEqual(['quant-db: unknown command frobnicate' + (r === command ? ' (see quant-db --help)' : '')])
    }
    expect(option.code).toBe(2)
    expect(oneLine(option.stderr)).toEqual(['quant-db: migrate: unknown option --frobnicate (see quant-db migrate --help)'])
  })
})

describe('quant-db never guesses the database', () => {
  it.each(['migrate', 'status', 'validate'])('%s without --url, DATABASE_URL or --data-dir exits 2 saying what to pass', async (command) => {
    const r = await runCli([command])
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toHaveLength(1)
    expect(r.stderr).toMatch(/no database given: pass --url .* or --data-dir/)
    expect(r.stdout).toBe('')
  })

  it('backup without a database writes no file', async () => {
    const file = join(dir, 'nothing.backup')
    const r = await runCli(['backup', file])
    expect(r.code).toBe(2)
    expect(existsSync(file)).toBe(false)
  })

  it('a bad --url, DATABASE_URL or --data-dir is one line naming it, and the URL text is never echoed', async () => {
    const file = join(dir, 'a-file')
    writeFileSync(file, 'not a directory')
    const cases: [string[], NodeJS.ProcessEnv | undefined, RegExp][] = [
      [['status', '--url', 'not-a-url-s3cret'], undefined, /^quant-db: status: --url is not a valid URL/],
      [['status', '--url', 'mysql://root:s3cret@127.0.0.1/quant'], undefined, /^quant-db: status: --url is a mysql URL; only PostgreSQL/],
      [['status', '--url', 'postgres://postgres@127.0.0.1/x', '--data-dir', dir], undefined, /^quant-db: status: --url and --data-dir name two databases/],
      [['status'], cleanEnv({ DATABASE_URL: 'garbage-s3cret' }), /^quant-db: status: DATABASE_URL is not a valid URL/],
      [['status'], cleanEnv({ DATABASE_URL: 'postgres://postgres@127.0.0.1/x', QUANTDB_DATA_DIR: dir }), /DATABASE_URL and QUANTDB_DATA_DIR are both set/],
      [['status', '--data-dir', file], undefined, /^quant-db: status: --data-dir .*a-file is a file, not a directory\n$/],
      [['status', '--url'], undefined, /^quant-db: status: --url needs a value/],
      [['slow-queries', '--limit', 'lots'], undefined, /^quant-db: slow-queries: --limit must be a whole number >= 1/],
      [['import-sqlite', '--batch-size', '0', join(dir, 'missing.db')], undefined, /^quant-db: import-sqlite: <file> .*missing\.db: no such file/],
      [['compress', 'tickers'], undefined, /^quant-db: compress: <table> tickers is not a compressible hypertable/],
      [['refresh', 'nope'], undefined, /^quant-db: refresh: unknown aggregate nope/],
    ]
    const results = await Promise.all(cases.map(([args, env]) => runCli(args, env)))
    results.forEach((r, i) => {
      const [args, , pattern] = cases[i]!
      expect(r.code, args.join(' ')).toBe(2)
      expect(oneLine(r.stderr), args.join(' ')).toHaveLength(1)
      expect(r.stderr, args.join(' ')).toMatch(pattern)
      expect(r.stderr).not.toContain('s3cret')
    })
  })

  it('a command on a --data-dir with no database refuses, and creates nothing', async () => {
    const nowhere = join(dir, 'no-db-here')
    const r = await runCli(['status', '--data-dir', nowhere])
    expect(r.code).toBe(2)
    expect(r.stderr).toContain(`--data-dir ${nowhere}: no database there (create one with: quant-db migrate --data-dir ${nowhere})`)
    expect(existsSync(nowhere)).toBe(false)
  })

  it('restore takes every argument after -- as a file name, and refuses before creating the target', async () => {
    const target = join(dir, 'restore-target')
    const r = await runCli(['restore', '--data-dir', target, '--', '--list'])
    expect(r.code).toBe(2)
    expect(oneLine(r.stderr)).toEqual(['quant-db: restore: <file> --list: no such file'])
    expect(existsSync(target)).toBe(false)
  })
})

describe('quant-db on an embedded --data-dir', () => {
  const home = join(dir, 'embedded')
  const backup = join(dir, 'embedded.tgz')

  it('migrates, prints status as tables, backs up, and restores from the CLI into a new directory', async () => {
    const migrated = await runCli(['migrate', '--data-dir', home])
    expect(migrated.code, migrated.stderr).toBe(0)
    expect(migrated.stdout).toBe(`applied: ${MIGRATION_TAGS.join(', ')}\n`)
    expect(oneLine(migrated.stderr)).toEqual([`quant-db: migrate on embedded database in ${home}`])

    const qdb = await createQuantDb({ dataDir: home, logger: {} })
    try {
      await qdb.tickers.upsert([{ ticker: '005930', region: 'KR', sector: 'Tech' }])
    } finally {
      await qdb.close()
    }
    const status = await runCli(['status', '--data-dir', home])
    expect(status.code, status.stderr).toBe(0)
    expect(status.stdout).toMatch(/^timescale\s+true$/m)
    expect(status.stdout).toMatch(new RegExp(`^migrationsApplied\\s+${MIGRATION_TAGS.length}$`, 'm'))
    expect(status.stdout).toMatch(/^migrationsPending\s+none$/m)
    expect(status.stdout).toMatch(/^table\s+size\s+rows$/m)
    expect(status.stdout).not.toMatch(/\{|\[Object/)

    const saved = await runCli(['backup', backup, '--data-dir', home])
    expect(saved.code, saved.stderr).toBe(0)
    expect(saved.stdout).toMatch(/^wrote .*embedded\.tgz \(pglite-datadir-tgz, [\d.]+ [kM]B\)\n$/)

    const copy = join(dir, 'restored')
    const restored = await runCli(['restore', backup, '--data-dir', copy])
    expect(restored.code, restored.stderr).toBe(0)
    const back = await createQuantDb({ dataDir: copy, logger: {} })
    try {
      expect(await back.query('SELECT ticker, region, sector FROM tickers')).toEqual([{ ticker: '005930', region: 'KR', sector: 'Tech' }])
    } finally {
      await back.close()
    }
  })

  it('restore refuses a directory that is not empty, and a broken backup leaves the target as it was', async () => {
    const busy = join(dir, 'busy')
    mkdirSync(busy)
    writeFileSync(join(busy, 'keep.txt'), 'mine')
    const anyFile = join(dir, 'any.tgz')
    writeFileSync(anyFile, gzipSync(Buffer.from('x')))
    const refused = await runCli(['restore', anyFile, '--data-dir', busy])
    expect(refused.code).toBe(2)
    expect(refused.stderr).toMatch(/--data-dir .*busy is not empty: restore into a new directory/)
    expect(readdirSync(busy)).toEqual(['keep.txt'])

    // Two broken backups: one that is no gzip at all, and one that fails only once opened (PGlite
    // silently starts an empty database from a tarball it cannot read).
    const notGzip = join(dir, 'not-gzip.tgz')
    writeFileSync(notGzip, 'this is not a tarball')
    const lateFailure = join(dir, 'gzip-of-nothing.tgz')
    writeFileSync(lateFailure, gzipSync(Buffer.from('not a data directory either')))
    for (const [broken, message] of [[notGzip, 'is not an embedded backup'], [lateFailure, 'holds no @quant/db database']] as const) {
      const target = join(dir, 'from-broken')
      const failed = await runCli(['restore', broken, '--data-dir', target])
      expect(failed.code).toBe(1)
      expect(oneLine(failed.stderr).at(-1)).toMatch(new RegExp(`^quant-db restore: .*${message}`))
      expect(existsSync(target)).toBe(false)
      expect(readdirSync(dir).filter((f) => f.includes('restoring'))).toEqual([])
    }
  })
})
