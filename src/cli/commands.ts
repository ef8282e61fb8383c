import { existsSync } from 'node:fs'
import { resolve } from 'node:path'
import type { QuantDb } from '../client.js'
import { AGGREGATES, type AggregateName } from '../migrate.js'
import { deploymentSql } from '../ops/deployment.js'
import { COMPRESSIBLE } from '../ops/retention.js'
import { formatBytes, formatRecord, formatTable } from './format.js'
import { importProgressPrinter } from './progress.js'
import { type Target, type TargetUse, UsageError } from './target.js'
import { printImportReport, printValidation } from './reports.js'

export interface OptionSpec { type: 'string' | 'boolean'; short?: string; value?: string; help: string }

export interface RunContext {
  qdb: QuantDb
  target: Target
  args: string[]
  values: Record<string, string | boolean | undefined>
  json: boolean
  out: (text: string) => void
  err: (text: string) => void
}

export interface CommandSpec {
  usage: string
  summary: string
  details?: string
  options?: Record<string, OptionSpec>
  /** Positional arguments: names, `?` optional, `...` any number. */
  args?: readonly string[]
  /** The database it needs, or null for none. */
  target: TargetUse | null
  /** Needs a migrated schema (refused with a hint otherwise). */
  schema?: boolean
  /** Checks arguments and option values before any database is opened (throws UsageError). */
  check?(args: string[], values: Record<string, string | boolean | undefined>): void
  run(ctx: RunContext): Promise<number>
}

const PLAIN = 'This database runs in plain PostgreSQL mode (no TimescaleDB): there are no policies, jobs or compression.'

function positiveInt(value: string | boolean | undefined, option: string, fallback: number): number {
  if (value === undefined) return fallback
  const n = Number(value)
  if (typeof value !== 'string' || !/^\d+$/.test(value) || n < 1) throw new UsageError(`${option} must be a whole number >= 1 (got ${JSON.stringify(value)})`)
  return n
}

function portArg(value: string | boolean | undefined): number {
  if (value === undefined) return 9187
  const n = Number(value)
  if (typeof value !== 'string' || !/^\d+$/.test(value) || n > 65_535) throw new UsageError(`--port must be a port number 0-65535 (got ${JSON.stringify(value)})`)
  return n
}

/** A file argument as a path: never taken for an option, even when it starts with '-'. */
function fileArg(value: string | undefined, name: string, mustExist: boolean): string {
  if (!value) throw new UsageError(`missing argument <${name}>`)
  const path = resolve(value)
  if (mustExist && !existsSync(path)) throw new UsageError(`<${name}> ${value}: no such file`)
  return path
}

function show(ctx: RunContext, value: unknown, text: () => string): number {
  ctx.out(ctx.json ? `${JSON.stringify(value, null, 2)}\n` : text())
  return 0
}

export const COMMANDS: Record<string, CommandSpec> = {
  migrate: {
    usage: 'migrate', summary: 'create or update the schema (idempotent)', target: 'create',
    async run(ctx) {
      const result = await ctx.qdb.migrate()
      return show(ctx, result, () => (result.applied.length ? `applied: ${result.applied.join(', ')}\n` : 'schema up to date: nothing to apply\n'))
    },
  },
  status: {
    usage: 'status', summary: 'capabilities, applied and pending migrations, table sizes', target: 'existing',
    async run(ctx) {
      const migrated = await hasSchema(ctx.qdb)
      // What `quant-db migrate` (this version's) would apply: a database migrated by an older version lacks these.
      const { applied, pending } = await ctx.qdb.migrationStatus()
      const tables = migrated ? await ctx.qdb.ops.tableSizes() : []
      const status = { capabilities: ctx.qdb.capabilities, migrationsApplied: applied, migrationsPending: pending, tables }
      return show(ctx, status, () => formatRecord({
        ...ctx.qdb.capabilities, migrationsApplied: status.migrationsApplied,
        migrationsPending: pending.length ? `${pending.join(', ')} (run quant-db migrate)` : 'none',
      }) + '\n' +
        (migrated ? formatTable(tables.map((t) => ({ table: t.table, size: formatBytes(t.bytes), rows: Math.round(t.rowsEstimate) })))
          : 'No schema yet: run quant-db migrate.\n'))
    },
  },
  jobs: {
    usage: 'jobs', summary: 'TimescaleDB policies', target: 'existing', schema: true,
    async run(ctx) {
      const jobs = await ctx.qdb.ops.jobs()
      return show(ctx, jobs, () => jobs.length ? formatTable(jobs.map((j) => ({ ...j, config: j.config }))) : `No jobs. ${ctx.qdb.capabilities.timescale ? '' : PLAIN}\n`)
    },
  },
  'run-jobs': {
    usage: 'run-jobs', summary: 'run every policy now (the embedded engine has no scheduler)', target: 'existing', schema: true,
    async run(ctx) {
      const jobs = await ctx.qdb.ops.runJobs()
      return show(ctx, jobs, () => jobs.length ? `ran ${jobs.length} job(s)\n${formatTable(jobs.map((j) => ({ ...j })), ['jobId', 'procName', 'target'])}` : `No jobs to run. ${ctx.qdb.capabilities.timescale ? '' : PLAIN}\n`)
    },
  },
  maintenance: {
    usage: 'maintenance', summary: 'policies (TimescaleDB) or retention + view refresh (plain mode)', target: 'existing', schema: true,
    async run(ctx) {
      const report = await ctx.qdb.ops.maintenance()
      return show(ctx, report, () => formatRecord(report as unknown as Record<string, unknown>))
    },
  },
  refresh: {
    usage: 'refresh [aggregate ...]', summary: 'refresh the aggregates (all by default)', args: ['aggregate...'],
    details: `Aggregates: ${AGGREGATES.join(', ')}`, target: 'existing', schema: true,
    check(args) {
      for (const a of args) if (!(AGGREGATES as readonly string[]).includes(a)) throw new UsageError(`unknown aggregate ${a} (one of ${AGGREGATES.join(', ')})`)
    },
    async run(ctx) {
      const names = ctx.args.length ? (ctx.args as AggregateName[]) : [...AGGREGATES]
      await ctx.qdb.ops.refreshAggregates(names)
      return show(ctx, { refreshed: ctx.args.length ? names : 'all' }, () => `refreshed: ${names.join(', ')}\n`)
    },
  },
  compress: {
    usage: 'compress <table> [--older-than INTERVAL]', summary: 'compress chunks older than the interval', args: ['table'],
    details: `Tables: ${COMPRESSIBLE.join(', ')}. Default interval: the table's policy of spec 3.1.`, target: 'existing', schema: true,
    options: { 'older-than': { type: 'string', value: 'INTERVAL', help: "e.g. '90 days'" } },
    check: (args) => { table_(args[0]) },
    async run(ctx) {
      const table = table_(ctx.args[0])
      const chunks = await ctx.qdb.ops.compress(table, { olderThan: ctx.values['older-than'] as string | undefined })
      return show(ctx, { table, chunks }, () => `compressed ${chunks} chunk(s) of ${table}\n`)
    },
  },
  decompress: {
    usage: 'decompress <table> [--newer-than INTERVAL]', summary: 'decompress chunks newer than the interval (default 7 days)', args: ['table'],
    details: `Tables: ${COMPRESSIBLE.join(', ')}.`, target: 'existing', schema: true,
    options: { 'newer-than': { type: 'string', value: 'INTERVAL', help: "e.g. '7 days'" } },
    check: (args) => { table_(args[0]) },
    async run(ctx) {
      const table = table_(ctx.args[0])
      const chunks = await ctx.qdb.ops.decompress(table, { newerThan: ctx.values['newer-than'] as string | undefined })
      return show(ctx, { table, chunks }, () => `decompressed ${chunks} chunk(s) of ${table}\n`)
    },
  },
  'compression-stats': {
    usage: 'compression-stats', summary: 'compression ratio per hypertable', target: 'existing', schema: true,
    async run(ctx) {
      if (!ctx.qdb.capabilities.timescale) return show(ctx, [], () => `No compression statistics. ${PLAIN}\n`)
      const stats = await ctx.qdb.ops.compressionStats()
      return show(ctx, stats, () => formatTable(stats.map((s) => ({ ...s, beforeBytes: formatBytes(s.beforeBytes), estimatedBeforeBytes: formatBytes(s.estimatedBeforeBytes), afterBytes: formatBytes(s.afterBytes), ratio: s.ratio === null ? 'none compressed' : `${s.ratio.toFixed(1)}:1`, reportedRatio: s.reportedRatio === null ? '' : `${s.reportedRatio.toFixed(1)}:1` }))))
    },
  },
  'index-usage': {
    usage: 'index-usage', summary: 'index scans and sizes', target: 'existing', schema: true,
    async run(ctx) {
      const rows = await ctx.qdb.ops.indexUsage()
      return show(ctx, rows, () => rows.length ? formatTable(rows.map((r) => ({ ...r, sizeBytes: formatBytes(r.sizeBytes) }))) : 'No indexes.\n')
    },
  },
  'slow-queries': {
    usage: 'slow-queries [--limit N]', summary: 'slowest statements, from pg_stat_statements', target: 'existing',
    options: { limit: { type: 'string', value: 'N', help: 'how many (default 20)' } },
    check: (_, values) => { positiveInt(values['limit'], '--limit', 20) },
    async run(ctx) {
      const rows = await ctx.qdb.ops.slowQueries({ limit: positiveInt(ctx.values['limit'], '--limit', 20) })
      return show(ctx, rows, () => rows.length ? formatTable(rows.map((r) => ({ ...r, query: r.query.replace(/\s+/g, ' ').slice(0, 80) }))) : 'No statements recorded yet.\n')
    },
  },
  backup: {
    usage: 'backup <file>', summary: 'pg_dump -Fc (server) or the data directory as a tarball (embedded)', args: ['file'], target: 'existing',
    check: (args) => { fileArg(args[0], 'file', false) },
    async run(ctx) {
      const result = await ctx.qdb.backup(fileArg(ctx.args[0], 'file', false))
      return show(ctx, result, () => `wrote ${result.file} (${result.format}, ${formatBytes(result.bytes)})\n`)
    },
  },
  restore: {
    usage: 'restore <file>', summary: 'restore a backup into an empty database (server) or a new --data-dir (embedded)', args: ['file'],
    details: 'All or nothing: a failed restore leaves the target as it was found. The target must be empty.', target: 'empty',
    check: (args) => { fileArg(args[0], 'file', true) },
    run() { throw new Error('restore is run by main') },
  },
  'import-sqlite': {
    usage: 'import-sqlite <file> [--dry-run] [--rejects FILE] [--batch-size N] [--restart]',
    summary: 'import a legacy SQLite database (spec 9), columns matched by name', args: ['file'], target: 'existing', schema: true,
    details: 'Resumable: run it again after an interruption and it continues after the last committed batch.\n' +
      'Rejected rows go to FILE (default <file>.rejects.jsonl) as JSON lines. Exit 1 when the integrity checks find rows.',
    options: {
      'dry-run': { type: 'boolean', help: 'validate and count, write nothing' },
      rejects: { type: 'string', value: 'FILE', help: 'where rejected rows go (JSON lines)' },
      'batch-size': { type: 'string', value: 'N', help: 'legacy rows per transaction (default 5000)' },
      restart: { type: 'boolean', help: 'forget an interrupted import of this file and start over' },
    },
    check(args, values) {
      fileArg(args[0], 'file', true)
      positiveInt(values['batch-size'], '--batch-size', 5_000)
    },
    async run(ctx) {
      const file = fileArg(ctx.args[0], 'file', true)
      const batchSize = positiveInt(ctx.values['batch-size'], '--batch-size', 5_000)
      const progress = importProgressPrinter(process.stderr)
      const rejects = ctx.values['rejects'] as string | undefined
      const report = await ctx.qdb.ops.importSqlite(file, {
        dryRun: ctx.values['dry-run'] === true, restart: ctx.values['restart'] === true, batchSize,
        rejectsFile: rejects === undefined ? undefined : resolve(rejects), onProgress: (p) => progress.update(p),
      })
      progress.done()
      if (ctx.json) ctx.out(`${JSON.stringify(report, null, 2)}\n`)
      else ctx.out(printImportReport(report))
      return report.validation && !report.validation.ok ? 1 : 0
    },
  },
  validate: {
    usage: 'validate', summary: 'integrity checks (spec 9.2, orphans, OHLC rules, gaps); exit 1 when one finds rows', target: 'existing', schema: true,
    async run(ctx) {
      const report = await ctx.qdb.ops.validate()
      ctx.out(ctx.json ? `${JSON.stringify(report, null, 2)}\n` : printValidation(report))
      return report.ok ? 0 : 1
    },
  },
  metrics: {
    usage: 'metrics [--port N] [--host H]', summary: 'serve Prometheus /metrics from the database until stopped (needs prom-client)',
    target: 'existing', schema: true,
    options: {
      port: { type: 'string', value: 'N', help: 'port to listen on (default 9187; 0 picks a free one)' },
      host: { type: 'string', value: 'H', help: 'address to listen on (default 127.0.0.1)' },
    },
    check: (_, values) => { portArg(values['port']) },
    async run(ctx) {
      const { runMetricsCommand } = await import('../metrics/serve.js')
      return runMetricsCommand(ctx.qdb, { port: portArg(ctx.values['port']), host: ctx.values['host'] as string | undefined })
    },
  },
  'deployment-sql': {
    usage: 'deployment-sql', summary: 'CREATE DATABASE, tuning, WAL archiving and roles, for a DBA (never run by migrate)', target: null,
    async run(ctx) {
      ctx.out(deploymentSql())
      return 0
    },
  },
}

function table_(value: string | undefined): string {
  if (!value) throw new UsageError(`missing argument <table> (one of ${COMPRESSIBLE.join(', ')})`)
  if (!COMPRESSIBLE.includes(value)) throw new UsageError(`<table> ${value} is not a compressible hypertable (one of ${COMPRESSIBLE.join(', ')})`)
  return value
}

export async function hasSchema(qdb: QuantDb): Promise<boolean> {
  const [row] = await qdb.query<{ t: string | null }>(`SELECT to_regclass('public.ohlcv_data')::text AS t`)
  return Boolean(row?.t)
}
