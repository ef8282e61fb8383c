#!/usr/bin/env bash
# Fails when the drizzle schema (src/schema) and the migrations in drizzle/ disagree:
# drizzle-kit would generate a new migration. Leaves drizzle/ as it found it.
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(npx drizzle-kit generate --name drift_check 2>&1) || { echo "$out"; exit 1; }
if grep -q "No schema changes" <<<"$out"; then
  echo "drizzle/ matches src/schema: no migration to generate."
  exit 0
fi
echo "$out"
git checkout -q -- drizzle
git clean -fdq drizzle
echo "Schema drift: src/schema changed without a migration. Run 'npm run db:generate' and commit drizzle/." >&2
exit 1
