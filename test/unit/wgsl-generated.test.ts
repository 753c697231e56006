// The generated WGSL string modules (scripts/gen-wgsl.mjs) hold exactly the .wgsl files beside
// them, byte for byte: the .wgsl files are the source of truth, so an edit to one without
// `npm run gen:wgsl` fails here instead of running the old shader.

import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { WGSL as BENCH } from '../../bench/page/wgsl.generated.ts';
import { WGSL as LIBRARY } from '../../src/kernels/wgsl.generated.ts';
import { WGSL as TEST } from '../gpu/wgsl.generated.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

function wgslOnDisk(folder: string): Record<string, string> {
  const dir = path.join(ROOT, folder);
  const files = (fs.readdirSync(dir, { recursive: true }) as string[]).filter((f) => f.endsWith('.wgsl')).sort();
  return Object.fromEntries(files.map((f) => [f.split(path.sep).join('/'), fs.readFileSync(path.join(dir, f), 'utf8')]));
}

describe('generated WGSL modules', () => {
  it.each([
    ['shaders', LIBRARY],
    ['bench/page', BENCH],
    ['test/gpu', TEST],
  ] as const)('%s: every .wgsl file, with its current text', (folder, generated) => {
    const onDisk = wgslOnDisk(folder);
    expect(Object.keys(generated).sort()).toEqual(Object.keys(onDisk));
    for (const [name, text] of Object.entries(onDisk)) {
      expect(generated[name as keyof typeof generated], `${folder}/${name}: run npm run gen:wgsl`).toBe(text);
    }
  });

  it('the generator agrees (--check exits 0 and writes nothing)', () => {
    const check = spawnSync(process.execPath, [path.join(ROOT, 'scripts/gen-wgsl.mjs'), '--check'], { encoding: 'utf8' });
    expect(check.stderr).toBe('');
    expect(check.status).toBe(0);
  });
});
