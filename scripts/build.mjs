#!/usr/bin/env node
// `npm run build` (and `prepack`): the published JavaScript. Regenerates the WGSL string modules
// (scripts/gen-wgsl.mjs), compiles src/ to dist/ as ES modules with .d.ts beside them
// (tsconfig.build.json), and copies the generated protobuf coders, which are JavaScript already.
// tsc rewrites the sources' `.ts` import paths to `.js` in the JavaScript but not in the .d.ts,
// where a consumer's NodeNext resolution needs them too, so those are rewritten here.
// Builds into a fresh folder and swaps it in, so dist/ never holds files of a deleted source.

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const DIST = path.join(ROOT, 'dist');
const next = path.join(ROOT, `dist.building-${process.pid}`);
const COPIED = ['import/generated/onnx-pb.js', 'import/generated/onnx-pb.d.ts'];

/** `from './x.ts'` and `import("./x.ts")` → .js, relative paths only. */
const TS_IMPORT = /((?:from|import)\s*\(?\s*)(['"])(\.{1,2}\/[^'"]+)\.ts\2/g;

function rewriteDeclarations(dir) {
  for (const entry of fs.readdirSync(dir, { withFileTypes: true, recursive: true })) {
    if (!entry.isFile() || !entry.name.endsWith('.d.ts')) continue;
    const file = path.join(entry.parentPath, entry.name);
    const text = fs.readFileSync(file, 'utf8');
    const rewritten = text.replace(TS_IMPORT, '$1$2$3.js$2');
    if (rewritten !== text) fs.writeFileSync(file, rewritten);
  }
}

const node = (script, args = []) => execFileSync(process.execPath, [path.join(ROOT, script), ...args], { cwd: ROOT, stdio: 'inherit' });

try {
  node('scripts/gen-wgsl.mjs');
  node('node_modules/typescript/bin/tsc', ['-p', 'tsconfig.build.json', '--outDir', next]);
  rewriteDeclarations(next);
  for (const file of COPIED) fs.cpSync(path.join(ROOT, 'src', file), path.join(next, file));
  // The demo's static build (npm run build:demo) lives in dist/demo: keep it.
  const demo = path.join(DIST, 'demo');
  if (fs.existsSync(demo)) fs.renameSync(demo, path.join(next, 'demo'));
  fs.rmSync(DIST, { recursive: true, force: true });
  fs.renameSync(next, DIST);
} finally {
  fs.rmSync(next, { recursive: true, force: true });
}
