// `npm run example:service-tests [-- --url postgres://…]`: runs the service's suite with vitest,
// on the embedded default or in a throw-away database on the given server.
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const flag = process.argv.indexOf('--url')
const url = flag >= 0 ? process.argv[flag + 1] : undefined
const config = fileURLToPath(new URL('./vitest.config.ts', import.meta.url))
const run = spawnSync('npx', ['vitest', 'run', '--config', config], {
  stdio: 'inherit', env: { ...process.env, ...(url ? { EXAMPLE_DATABASE_URL: url } : {}) },
})
process.exit(run.status ?? 1)
