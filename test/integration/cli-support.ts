import { spawn, type ChildProcess } from 'node:child_process'

/** What a spawned `quant-db` left: exit code, stdout, stderr. */
export interface CliResult {
  code: number | null
  stdout: string
  stderr: string
}

/** The environment of a user with no database configured (nothing inherited that would pick one). */
export function cleanEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  const env = { ...process.env, ...extra }
  for (const k of ['DATABASE_URL', 'QUANTDB_DATA_DIR']) if (!(k in extra)) delete env[k]
  return env
}

/** Spawns the CLI as a user runs it (through tsx, from the sources). */
export function spawnCli(args: readonly string[], env: NodeJS.ProcessEnv = cleanEnv()): ChildProcess {
  return spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] })
}

/** Runs the CLI to its end. */
export function runCli(args: readonly string[], env?: NodeJS.ProcessEnv): Promise<CliResult> {
  const child = spawnCli(args, env)
  let stdout = ''
  let stderr = ''
  child.stdout!.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString() })
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
  })
}

/**
 * Runs the CLI and kills it (SIGKILL: no clean-up runs) as soon as `when` is true of the stderr so
 * far. Resolves with what it had printed, and whether the kill came before its own end.
 */
export function runCliUntil(args: readonly string[], when: (stderr: string) => boolean, env?: NodeJS.ProcessEnv): Promise<CliResult & { killed: boolean }> {
  const child = spawnCli(args, env)
  let stdout = ''
  let stderr = ''
  let killed = false
  child.stdout!.on('data', (d: Buffer) => { stdout += d.toString() })
  child.stderr!.on('data', (d: Buffer) => {
    stderr += d.toString()
    if (!killed && when(stderr)) {
      killed = true
      child.kill('SIGKILL')
    }
  })
  return new Promise((resolve, reject) => {
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr, killed }))
  })
}
