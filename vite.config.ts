import { defineConfig } from 'vitest/config';

// The demo page lives in demos/; the library itself is plain TypeScript under src/.
export default defineConfig({
  root: 'demos',
  server: { host: '127.0.0.1', fs: { allow: ['..'] } },
  build: { outDir: '../dist/demo', emptyOutDir: true, target: 'es2022' },
  test: {
    root: '.',
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
