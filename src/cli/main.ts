#!/usr/bin/env node
import { parseArgs } from 'node:util'
import { createQuantDb, type QuantDb } from '../client.js'
import { QuantDbError } from '../errors.js'
import type { AggregateName } from '../migrate.js'
import { deploymentSql } from '../ops/deployment.js'

const HELP = `quant-db — operate a @quant/db database

Usage: quant-db <command> [options]

Connection (option, then environment, then embedded):
  --url URL          PostgreSQL server (default: $DATABASE_URL)
  --data-dir DIR     embedded database kept on disk (default: $QUANTDB_DATA_DIR)
  --json             print JSON instead of tables

Commands:
  migrate                      create or update the schema (idempotent)
  status                       capabilities, applied migrations, table sizes
  jobs                         TimescaleDB policies
  run-jobs                     run every policy now (the embedded engine has no scheduler)
  maintenance                  policies (TimescaleDB) or retention + view refresh (plain mode)
  refresh [aggregate ...]      refresh the aggregates
  compress <table> [--older-than '90 days']
  decompress <table> [--newer-than '7 days']
  compression-stats            compression ratio per hypertable
  index-usage                  index scans and sizes
  slow-queries [--limit 20]    from pg_stat_statements
  backup <file>                pg_dump -Fc (server) or data directory tarball (embedded)
  restore <file>               pg_restore into this empty database (server), or a backup tarball
                               into a new --data-dir (embedded)
  metrics [--port 9187] [--host 127.0.0.1]   Prometheus /metrics from the database (needs prom-client)
  deployment-sql               CREATE DATABASE, tuning, WAL archiving and roles, for a DBA (never run by migrate)
`

type Print = (value: unknown) => void

const COMMANDS = new Set([
  'migrate', 'status', 'jobs', 'run-jobs', 'maintenance', 'refresh', 'compress', 'decompress', 'compression-stats',
  'index-usage', 'slow-queries', 'backup', 'restore', 'deployment-sql', 'metrics',
])

async function main(argv: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args: argv,
    allowPositionals: true,
    options: {
      url: { type: 'string' }, 'data-dir': { type: 'string' }, json: { type: 'boolean' }, help: { type: 'boolean', short: 'h' },
      'older-than': { type: 'string' }, 'newer-than': { type: 'string' }, limit: { type: 'string' },
      port: { type: 'string' }, host: { type: 'string' },
    },
  })
  const [command, ...args] = positionals
  if (!command || values.help) {
    process.stdout.write(HELP)
    return command ? 0 : 1
  }
  const print: Print = (value) => {
    if (values.json || typeof value !== 'object' || value === null) console.log(JSON.stringify(value, null, 2))
    else if (Array.isArray(value)) console.table(value)
    else console.dir(value, { depth: 4 })
  }
  if (!COMMANDS.has(command)) {
    console.error(`Unknown command: ${command}\n`)
    process.stderr.write(HELP)
    return 1
  }
  if (command === 'deployment-sql') {
    process.stdout.write(deploymentSql())
    return 0
  }
  const url = values.url ?? process.env['DATABASE_URL']
  const dataDir = values['data-dir'] ?? process.env['QUANTDB_DATA_DIR']
  const logger = { warn: (m: string) => console.error(`warning: ${m}`) }
  if (command === 'restore' && !url && dataDir) {
    // An embedded backup is the data directory itself: restoring is opening a new directory from it.
    const file = need(args[0], 'file')
    await (await createQuantDb({ dataDir, restoreFrom: file, logger })).close()
    print({ restored: file, dataDir })
    return 0
  }
  const qdb = await createQuantDb({ url, dataDir, logger })
  try {
    return await run(qdb, command, args, values, print)
  } finally {
    await qdb.close()
  }
}

async function run(qdb: QuantDb, command: string, args: string[], values: Record<string, unknown>, print: Print): Promise<number> {
  switch (command) {
    case 'migrate': print(await qdb.migrate()); return 0
    case 'status': {
      const history = await qdb.query<{ n: number }>('SELECT count(*)::int AS n FROM drizzle.__drizzle_migrations').catch(() => [{ n: 0 }])
      print({ capabilities: qdb.capabilities, migrationsApplied: history[0]?.n ?? 0, tables: await qdb.ops.tableSizes() })
      return 0
    }
    case 'jobs': print(await qdb.ops.jobs()); return 0
    case 'run-jobs': print(await qdb.ops.runJobs()); return 0
    case 'maintenance': print(await qdb.ops.maintenance()); return 0
    case 'refresh': await qdb.ops.refreshAggregates(args.length ? (args as AggregateName[]) : undefined); print({ refreshed: args.length ? args : 'all' }); return 0
    case 'compress': print({ chunks: await qdb.ops.compress(need(args[0], 'table'), values['older-than'] as string | undefined) }); return 0
    case 'decompress': print({ chunks: await qdb.ops.decompress(need(args[0], 'table'), values['newer-than'] as string | undefined) }); return 0
    case 'compression-stats': print(await qdb.ops.compressionStats()); return 0
    case 'index-usage': print(await qdb.ops.indexUsage()); return 0
    case 'slow-queries': print(await qdb.ops.slowQueries(Number(values['limit'] ?? 20))); return 0
    case 'backup': print(await qdb.backup(need(args[0], 'file'))); return 0
    case 'metrics': return (await import('../metrics/serve.js')).runMetricsCommand(qdb, { port: Number(values['port'] ?? 9187), host: values['host'] as string | undefined })
    case 'restore': await qdb.restore(need(args[0], 'file')); print({ restored: args[0] }); return 0
    default: throw new QuantDbError('validation', `unhandled command ${command}`)
  }
}

function need(value: string | undefined, name: string): string {
  if (!value) throw new QuantDbError('validation', `missing argument: <${name}>`)
  return value
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code },
  (error: unknown) => {
    // Our errors carry no secrets and no bound parameters; print the message, not the object.
    console.error(`quant-db: ${error instanceof Error ? error.message : String(error)}`)
    process.exitCode = 2
  },
)
