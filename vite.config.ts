import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { localAssets } from './demos/vite-local-assets.ts';

// The demo page lives in demos/; the library itself is plain TypeScript under src/. The page's
// models and photos are served from the repository (models/, data/, .cache/) under /local/.
export default defineConfig({
  root: 'demos',
  plugins: [localAssets(fileURLToPath(new URL('.', import.meta.url)))],
  server: { host: '127.0.0.1', fs: { allow: ['..'] } },
  // CommonJS packages the library imports, pre-bundled up front (the calibration worker's
  // imports are not seen by the dependency scan of index.html).
  optimizeDeps: { include: ['jpeg-js', 'fast-png', 'fflate', 'protobufjs'] },
  worker: { format: 'es' },
  // Relative asset paths: the built page (`npm run build:demo`) works from any folder of a static
  // host, as does its local/ (the plugin copies the models and photos into the build).
  base: './',
  build: { outDir: '../dist/demo', emptyOutDir: true, target: 'es2022' },
  test: {
    root: '.',
    // The repository's tests read the pretrained models and photos from its own .cache/ (what
    // `npm run fetch-models` fills), not the per-user cache an installed package uses.
    env: { WEBGPU_INT8_CACHE: fileURLToPath(new URL('.cache', import.meta.url)) },
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
