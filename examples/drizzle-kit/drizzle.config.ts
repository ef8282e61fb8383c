import { defineConfig } from 'drizzle-kit'

// `npx drizzle-kit generate --config examples/drizzle-kit/drizzle.config.ts`: the service's migrations,
// from its own schema only. `tablesFilter` keeps drizzle-kit's push/introspection off the library's tables.
export default defineConfig({
  dialect: 'postgresql',
  schema: './examples/drizzle-kit/schema.ts',
  out: './examples/drizzle-kit/drizzle',
  tablesFilter: ['watchlist'],
})
