/**
 * The root vitest config narrowed to `@tessera/core`, for `run.mjs`. It is evaluated by the runtime under
 * test, which also runs every test file: the `forks` pool starts its workers with `process.execPath`.
 */
import { defineConfig } from 'vitest/config';
import base from '../../vitest.config.ts';

const isBun = process.versions['bun'] !== undefined;

export default defineConfig({
  ...base,
  root: new URL('../..', import.meta.url).pathname,
  test: {
    ...base.test,
    include: ['packages/core/src/**/*.test.ts'],
    setupFiles: [new URL('probe.ts', import.meta.url).pathname],
    pool: 'forks',
    maxWorkers: 2,
    // Bun answers `'__esModule' in namespace` with true for every ES module namespace. Vitest's default
    // interop then mistakes an ES module whose default export is a namespace (zod: `export { z as default }`)
    // for transpiled CommonJS and hands out the default export instead, so `import { z } from 'zod'` is
    // undefined. Every dependency of the core is ESM, so Bun's own loading needs no interop.
    deps: { interopDefault: !isBun },
  },
});
