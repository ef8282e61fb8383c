import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

/**
 * The tags of the migrations shipped in drizzle/ (its journal), in order: what `migrate()` applies to
 * an empty database. Tests compare with this rather than a list of their own, so a new migration does
 * not need every test that migrates to be edited.
 */
export const MIGRATION_TAGS: readonly string[] = (JSON.parse(
  readFileSync(fileURLToPath(new URL('../../drizzle/meta/_journal.json', import.meta.url)), 'utf8'),
) as { entries: { tag: string }[] }).entries.map((e) => e.tag)
