// The GPU kit's unpacker (copied into the kit as unpack.mjs; scripts/gpu-kit.sh): run by the
// kit's own node, it turns every files/<path>.br back into <target>/<path>.
// Usage: node unpack.mjs <kit>/files <target>
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';

const [files, target] = process.argv.slice(2);
if (!files || !target) throw new Error('usage: node unpack.mjs <kit>/files <target>');
let count = 0;
for (const entry of fs.readdirSync(files, { recursive: true, withFileTypes: true })) {
  if (!entry.isFile() || !entry.name.endsWith('.br')) continue;
  const file = path.join(entry.parentPath, entry.name);
  const dest = path.join(target, path.relative(files, file).slice(0, -3));
  fs.mkdirSync(path.dirname(dest), { recursive: true });
  fs.writeFileSync(dest, zlib.brotliDecompressSync(fs.readFileSync(file)));
  count++;
}
console.log(`unpacked ${count} files into ${target}`);
