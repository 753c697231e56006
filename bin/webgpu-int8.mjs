#!/usr/bin/env node
// The `webgpu-int8` command: the compiled CLI in dist/ (npm run build makes it; the published
// package ships it built).
import { existsSync } from 'node:fs';

const main = new URL('../dist/cli/main.js', import.meta.url);
if (!existsSync(main)) {
  console.error('webgpu-int8: dist/ is not built: run `npm run build` in the repository first');
  process.exit(1);
}
await import(main.href);
