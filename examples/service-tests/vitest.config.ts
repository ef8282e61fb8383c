import { fileURLToPath } from 'node:url'
import { defineConfig } from 'vitest/config'

// A consuming service's own test set-up. In the service, `@quant/db` comes from node_modules and this
// alias block is not needed; here it points the package names at this repository's sources.
const src = (path: string) => fileURLToPath(new URL(`../../src/${path}`, import.meta.url))

export default defineConfig({
  resolve: {
    alias: [
      { find: /^@quant\/db\/testing$/, replacement: src('testing/index.ts') },
      { find: /^@quant\/db\/schema$/, replacement: src('schema/index.ts') },
      { find: /^@quant\/db$/, replacement: src('index.ts') },
    ],
  },
  test: {
    root: fileURLToPath(new URL('.', import.meta.url)),
    include: ['*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
  },
})
