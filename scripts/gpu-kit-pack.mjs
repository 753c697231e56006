#!/usr/bin/env node
// For scripts/gpu-kit.sh: compresses every file of a staged kit tree with brotli (quality 11,
// 16 MiB window), one <path>.br per file under the kit's files/ folder, which the kit's
// unpack.mjs turns back into the tree with the kit's own node (so the target machine needs no
// xz, zstd or brotli tool). Brotli at quality 11 takes minutes on the large native libraries,
// so each compressed file is cached by the SHA-256 of its content.
// Usage: node scripts/gpu-kit-pack.mjs <staged tree> <kit folder>/files <cache folder>
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const [tree, out, cache] = process.argv.slice(2);
if (!tree || !out || !cache) throw new Error('usage: gpu-kit-pack.mjs <tree> <out> <cache>');

function brotli(bytes) {
  const { BROTLI_PARAM_QUALITY, BROTLI_PARAM_LGWIN, BROTLI_PARAM_SIZE_HINT } = zlib.constants;
  return zlib.brotliCompressSync(bytes, { params: { [BROTLI_PARAM_QUALITY]: 11, [BROTLI_PARAM_LGWIN]: 24, [BROTLI_PARAM_SIZE_HINT]: bytes.length } });
}

function compressed(bytes) {
  const cached = path.join(cache, `${createHash('sha256').update(bytes).digest('hex')}.br`);
  if (fs.existsSync(cached)) return fs.readFileSync(cached);
  const br = brotli(bytes);
  fs.mkdirSync(cache, { recursive: true });
  fs.writeFileSync(`${cached}.tmp`, br);
  fs.renameSync(`${cached}.tmp`, cached);
  return br;
}

let raw = 0;
let packed = 0;
for (const entry of fs.readdirSync(tree, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile()) continue;
  const file = path.join(entry.parentPath, entry.name);
  const rel = path.relative(tree, file);
  const bytes = fs.readFileSync(file);
  const br = compressed(bytes);
  fs.mkdirSync(path.dirname(path.join(out, rel)), { recursive: true });
  fs.writeFileSync(path.join(out, `${rel}.br`), br);
  raw += bytes.length;
  packed += br.length;
}
console.log(`packed ${(raw / 2 ** 20).toFixed(1)} MiB into ${(packed / 2 ** 20).toFixed(1)} MiB of brotli`);
