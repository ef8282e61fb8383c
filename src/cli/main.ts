#!/usr/bin/env node
import { resolve } from 'node:path'
import { parseArgs } from 'node:util'
import { createQuantDb, type QuantDb } from '../client.js'
import { QuantDbError } from '../errors.js'
import { restoreEmbeddedDir } from '../ops/backup.js'
import { COMMANDS, hasSchema, type CommandSpec, type OptionSpec } from './commands.js'
import { describeTarget, resolveTarget, UsageError, type Target } from './target.js'

const GLOBAL: Record<string, OptionSpec> = {
  url: { type: 'string', value: 'URL', help: 'a PostgreSQL server (default: $DATABASE_URL)' },
  'data-dir': { type: 'string', value: 'DIR', help: 'an embedded database kept on disk (default: $QUANTDB_DATA_DIR)' },
  json: { type: 'boolean', help: 'print JSON instead of tables' },
  help: { type: 'boolean', short: 'h', help: 'show help' },
}

function optionLines(options: Record<string, OptionSpec>): string {
  return Object.entries(options)
    .map(([name, o]) => `  ${`${o.short ? `-${o.short}, ` : ''}--${name}${o.value ? ` ${o.value}` : ''}`.padEnd(24)} ${o.help}`).join('\n')
}

const HELP = `quant-db — operate a @quant/db database

Usage: quant-db <command> [options]
       quant-db help <command>      (or quant-db <command> --help)

Commands:
${Object.entries(COMMANDS).map(([name, c]) => `  ${name.padEnd(20)} ${c.summary}`).join('\n')}

Database (one of them; a command never guesses):
${optionLines(GLOBAL)}

Exit status: 0 done, 1 failed (or a check found rows), 2 wrong usage.
`

function commandHelp(name: string, c: CommandSpec): string {
  const options = { ...(c.options ?? {}), ...(c.target ? GLOBAL : { help: GLOBAL['help']! }) }
  return `Usage: quant-db ${c.usage}${c.target ? ' (--url URL | --data-dir DIR)' : ''}\n\n${c.summary}.\n` +
    `${c.details ? `${c.details}\n` : ''}\nOptions:\n${optionLines(options)}\n`
}

type Values = Record<string, string | boolean | undefined>

function parse(name: string, c: CommandSpec, argv: string[]): { values: Values; args: string[] } {
  const options = Object.fromEntries(Object.entries({ ...GLOBAL, ...(c.options ?? {}) })
    .map(([k, o]) => [k, o.short ? { type: o.type, short: o.short } : { type: o.type }]))
  let parsed: { values: Values; positionals: string[] }
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true }) as typeof parsed
  } catch (error) {
    const e = error as Error & { code?: string }
    const option = /'(-[^' ]+)/.exec(e.message)?.[1]
    if (e.code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') throw new UsageError(`unknown option ${option ?? ''} (see quant-db ${name} --help)`)
    if (e.code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE') throw new UsageError(`${option ?? 'an option'} needs a value (see quant-db ${name} --help)`)
    throw new UsageError(e.message)
  }
  const args = parsed.positionals.slice(1)
  const spec = c.args ?? []
  const variadic = spec.some((a) => a.endsWith('...'))
  if (!variadic && args.length > spec.length) throw new UsageError(`unexpected argument ${args[spec.length]} (usage: quant-db ${c.usage})`)
  return { values: parsed.values, args }
}

async function open(target: Target, err: (t: string) => void): Promise<QuantDb> {
  const logger = { warn: (m: string) => err(`quant-db: warning: ${m}\n`) }
  return target.kind === 'server' ? createQuantDb({ url: target.url, logger }) : createQuantDb({ dataDir: target.dataDir, logger })
}

/** Restores `file` into the target; returns what `--json` prints (`dataDir` when embedded). */
async function restore(target: Target, file: string | undefined, err: (t: string) => void): Promise<Record<string, string>> {
  if (!file) throw new UsageError('missing argument <file>')
  const path = resolve(file)
  if (target.kind === 'embedded') {
    await restoreEmbeddedDir(path, target.dataDir, (o) => createQuantDb({ ...o, logger: {} }))
    return { restored: file, dataDir: target.dataDir }
  }
  const qdb = await open(target, err)
  try {
    await qdb.restore(path)
  } finally {
    await qdb.close()
  }
  return { restored: file }
}

export async function main(argv: string[], out = (t: string) => { process.stdout.write(t) }, err = (t: string) => { process.stderr.write(t) }): Promise<number> {
  const first = parseArgs({ args: argv, strict: false, allowPositionals: true, options: { url: { type: 'string' }, 'data-dir': { type: 'string' } } })
  const name = first.positionals[0]
  if (name === undefined || name === 'help') {
    const topic = first.positionals[1]
    if (name === 'help' && topic !== undefined) {
      const c = COMMANDS[topic]
      if (!c) return usage(`unknown command ${topic}`, err)
      out(commandHelp(topic, c))
    } else {
      out(HELP)
    }
    return 0
  }
  const c = COMMANDS[name]
  if (!c) return usage(`unknown command ${name} (see quant-db --help)`, err)
  try {
    // After `--` everything is an argument (a file may be called --help).
    const end = argv.indexOf('--')
    const options = end < 0 ? argv : argv.slice(0, end)
    if (options.includes('--help') || options.includes('-h')) {
      out(commandHelp(name, c))
      return 0
    }
    const { values, args } = parse(name, c, argv)
    c.check?.(args, values)
    if (!c.target) return await c.run({ qdb: undefined as never, target: undefined as never, args, values, json: values['json'] === true, out, err })
    const target = resolveTarget(values as { url?: string; 'data-dir'?: string }, process.env, c.target)
    err(`quant-db: ${name} on ${describeTarget(target)}\n`)
    if (name === 'restore') {
      const result = await restore(target, args[0], err)
      out(values['json'] ? `${JSON.stringify(result)}\n` : `restored ${args[0]} into ${describeTarget(target)}\n`)
      return 0
    }
    const qdb = await open(target, err)
    try {
      if (c.schema && !(await hasSchema(qdb))) {
        throw new QuantDbError('configuration', 'the database has no schema yet: run quant-db migrate first')
      }
      return await c.run({ qdb, target, args, values, json: values['json'] === true, out, err })
    } finally {
      await qdb.close()
    }
  } catch (error) {
    if (error instanceof UsageError) return usage(`${name}: ${error.message}`, err)
    // Our errors carry no secrets and no bound parameters: the message, one line, not the object.
    const message = error instanceof Error ? error.message : String(error)
    err(`quant-db ${name}: ${message.split('\n')[0]}\n`)
    return 1
  }
}

function usage(message: string, err: (t: string) => void): number {
  err(`quant-db: ${message}\n`)
  return 2
}

main(process.argv.slice(2)).then(
  (code) => { process.exitCode = code },
  (error: unknown) => {
    console.error(`quant-db: ${error instanceof Error ? error.message : String(error)}`)
    process.exitCode = 1
  },
)
