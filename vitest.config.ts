import { defineConfig } from 'vitest/config';

/**
 * Workspace packages resolve to their TypeScript source through the `@tessera/source` export condition, so
 * tests need no build step; anything that does not ask for the condition (plain Node, a `file:` install) gets
 * `dist/`. Tests run as Vite's server-side code, hence `ssr.resolve`; the rest of the list is Vite's default
 * there (`defaultServerConditions`), which a `conditions` option replaces rather than extends.
 */
const conditions = ['@tessera/source', 'module', 'node', 'development|production'];

export default defineConfig({
  ssr: { resolve: { conditions } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'packages/*/test/**/*.test.ts', 'demo/test/**/*.test.ts', 'tools/readme-examples/*.test.ts'],
    testTimeout: 20_000,
  },
});
