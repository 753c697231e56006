// src/models/fetch.ts and fetch-images.ts (`webgpu-int8 fetch-models`): their tables agree with
// src/models/catalog.ts and docs/images.md, and what they put in the cache (src/models/cache.ts;
// the repository's tests set WEBGPU_INT8_CACHE to its .cache/) is complete, intact and
// decodable: the four image folders hold exactly what manifest.json lists, share no file, and
// every face crop is its photo's pixels; a second run leaves the cache alone, and a fresh cache
// built from the same tarballs and packages holds the same files. Needs `npm run fetch-models`;
// without it the cache tests fail and say so. (The crops' fp32 BlazeFace scores:
// test/unit/face-crops.test.ts; cacheDir() and the command's flags: test/unit/model-cache.test.ts.)

import { fetchOnnxModels, ONNX_MODEL_IDS, ONNX_PACKAGES } from '../../src/models/fetch-onnx.ts';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { runFetchModels } from '../../src/cli/fetch-models.ts';
import type { TfWeightGroup } from '../../src/import/tfjs-model.ts';
import { convertChannels, decodeImage } from '../../src/data/image.ts';
import { CACHE_ENV, cacheDir, modelsDir, packDir } from '../../src/models/cache.ts';
import { MODELS, MODEL_IDS } from '../../src/models/catalog.ts';
import { MODELS as FETCH_MODELS, PACKAGES, fetchModelDirs, fetchModels, manifestByteLength, validModelDir } from '../../src/models/fetch.ts';
import { FACE_CROPS, IMAGES, IMAGE_SOURCES, assembleImages, isCalibrationPhoto } from '../../src/models/fetch-images.ts';
import { IMAGE_SETS, MissingCacheError, imageFiles, imageManifest, imagesDir, imagesRoot, modelDir, type ImageManifest } from '../../src/models/paths.ts';

const ROOT = fileURLToPath(new URL('../../', import.meta.url));

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');
/** The photos' names in the order the split counts them (code-unit order, as Array.sort). */
const sortedNames = () => IMAGES.map((i) => i.name).sort();

/** Every file under `dir` (relative path → sha256 and mtime), recursively. */
function snapshot(dir: string): Map<string, { sha256: string; mtimeMs: number }> {
  const out = new Map<string, { sha256: string; mtimeMs: number }>();
  for (const entry of fs.readdirSync(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue;
    const file = path.join(entry.parentPath, entry.name);
    out.set(path.relative(dir, file), { sha256: sha256(fs.readFileSync(file)), mtimeMs: fs.statSync(file).mtimeMs });
  }
  return out;
}

afterEach(() => {
  vi.unstubAllEnvs();
});

/** The rows of a docs/images.md table under `## <title>`: first cell (in backticks) → other cells. */
function docRows(title: string): Map<string, string[]> {
  const doc = fs.readFileSync(path.join(ROOT, 'docs/images.md'), 'utf8');
  const section = doc.split(/^## /m).find((s) => s.startsWith(title));
  expect(section, `docs/images.md has a "## ${title}" section`).toBeDefined();
  const rows = new Map<string, string[]>();
  for (const line of section!.split('\n')) {
    const m = /^\|\s*`([^`]+)`\s*\|(.*)\|\s*$/.exec(line);
    if (m) rows.set(m[1]!, m[2]!.split('|').map((c) => c.trim()));
  }
  return rows;
}

describe('fetch-models tables', () => {
  it('the models are the catalog\'s, from the same package, version and path', () => {
    expect(FETCH_MODELS.map((m) => m.id).sort()).toEqual([...MODEL_IDS].sort());
    for (const m of FETCH_MODELS) {
      const c = MODELS[m.id];
      expect(PACKAGES[m.package].spec, m.id).toBe(`${c.package.name}@${c.package.version}`);
      expect(m.model, m.id).toBe(c.path);
    }
    for (const p of Object.values(PACKAGES)) expect(p.integrity).toMatch(/^sha512-[A-Za-z0-9+/]{86}==$/);
  });

  it('at least 30 photos, at least 3 with faces, unique names, no lena', () => {
    const names = IMAGES.map((i) => i.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.length).toBeGreaterThanOrEqual(30);
    expect(IMAGES.filter((i) => i.faces).length).toBeGreaterThanOrEqual(3);
    expect(names.filter((n) => /lena/i.test(n))).toEqual([]);
    for (const i of IMAGES) expect(i.name).toBe(`${i.source}-${i.file}`);
  });

  it('docs/images.md lists every image with its folder and face flag', () => {
    const rows = docRows('The images');
    expect([...rows.keys()].sort()).toEqual(sortedNames());
    sortedNames().forEach((name, index) => {
      const cells = rows.get(name)!;
      const image = IMAGES.find((i) => i.name === name)!;
      expect(cells.includes(image.faces ? 'yes' : 'no'), `${name}: faces column`).toBe(true);
      expect(cells[0], `${name}: folder column`).toBe(isCalibrationPhoto(index) ? 'calib' : 'photos');
    });
  });

  it('photos/ and calib/: every 4th photo by name calibrates, at least 30 evaluate', () => {
    const names = sortedNames();
    const calib = names.filter((_, i) => isCalibrationPhoto(i));
    expect(calib.length).toBe(Math.ceil(names.length / 4));
    expect(names.length - calib.length).toBeGreaterThanOrEqual(30);
    expect(names.filter((_, i) => i % 4 === 0)).toEqual(calib);
  });

  it('face crops: squares from face photos, ≥ 8 to evaluate and ≥ 4 to calibrate, no crop in both', () => {
    const names = FACE_CROPS.map((c) => c.name);
    expect(new Set(names).size).toBe(names.length);
    const keys = FACE_CROPS.map((c) => `${c.from} ${c.rect.join(',')}`);
    expect(new Set(keys).size).toBe(keys.length);
    const evalCrops = FACE_CROPS.filter((c) => c.set === 'faces');
    const calibCrops = FACE_CROPS.filter((c) => c.set === 'faces-calib');
    expect(evalCrops.length + calibCrops.length).toBe(FACE_CROPS.length);
    expect(evalCrops.length).toBeGreaterThanOrEqual(8);
    expect(calibCrops.filter((c) => c.score > 0.75).length).toBeGreaterThanOrEqual(4);
    // Every evaluation crop has a face the fp32 model finds (threshold 0.75); all four face photos are used.
    for (const c of evalCrops) expect(c.score, c.name).toBeGreaterThan(0.75);
    expect(new Set(evalCrops.map((c) => c.from))).toEqual(new Set(IMAGES.filter((i) => i.faces).map((i) => i.name)));
    for (const c of FACE_CROPS) {
      expect(IMAGES.find((i) => i.name === c.from)?.faces, `${c.name} comes from a face photo`).toBe(true);
      expect(c.rect.every((v) => Number.isInteger(v) && v >= 0) && c.rect[2] >= 64, `${c.name}: rect [${c.rect}]`).toBe(true);
      expect(c.name).toBe(`${c.from.replace(/\.(png|jpg)$/, '')}-${c.rect.join('-')}.png`);
    }
  });

  it('docs/images.md lists every face crop with its folder, rect and score', () => {
    const rows = docRows('Face crops');
    expect([...rows.keys()].sort()).toEqual(FACE_CROPS.map((c) => c.name).sort());
    for (const c of FACE_CROPS) {
      const cells = rows.get(c.name)!;
      expect(cells.slice(0, 4), c.name).toEqual([c.set, `\`${c.from}\``, `(${c.rect[0]}, ${c.rect[1]})`, `${c.rect[2]}×${c.rect[2]}`]);
      expect(Number(cells[4]), `${c.name}: score`).toBeCloseTo(c.score, 3);
    }
  });

  it('manifestByteLength counts quantized weights at their stored size', () => {
    const manifest: TfWeightGroup[] = [
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
    expect(manifestByteLength(manifest)).toBe(24 + 4 + 10 + 4);
  });

  it('without the Debian packages, the images step fails naming them, before any download; the models alone still fetch', () => {
    const saved = IMAGE_SOURCES.skimage.dir;
    const empty = fs.mkdtempSync(path.join(os.tmpdir(), 'fetch-empty-'));
    IMAGE_SOURCES.skimage.dir = path.join(ROOT, 'no-such-dir');
    try {
      expect(() => assembleImages({ log: () => {} })).toThrow(/apt-get install python3-skimage opencv-doc/);
      const models = fetchModels({ images: false, log: () => {} });
      expect(models.models.map((m) => m.id)).toEqual(MODEL_IDS);
      expect(models.images).toBeUndefined();
      // The default (models and images) checks the packages first: nothing is written.
      vi.stubEnv(CACHE_ENV, empty);
      expect(() => fetchModels({ log: () => {} })).toThrow(/apt-get install python3-skimage opencv-doc\n.*--models-only/);
      expect(fs.readdirSync(empty)).toEqual([]);
    } finally {
      IMAGE_SOURCES.skimage.dir = saved;
      fs.rmSync(empty, { recursive: true, force: true });
    }
  });
});

describe('the fetched cache', () => {
  it('a run finds everything in place and prints one line per model; a second run changes nothing', () => {
    const lines: string[] = [];
    const first = fetchModels({ log: (line) => lines.push(line) });
    const out = lines.join('\n');
    for (const id of MODEL_IDS) expect(out).toMatch(new RegExp(`^${id} +\\d+\\.\\d\\d MB weights in \\d shards? +sha256 [0-9a-f]{64} +(cached|fetched)$`, 'm'));
    for (const id of ONNX_MODEL_IDS) expect(out).toMatch(new RegExp(`^${id.replace('.', '\\.')} +\\d+\\.\\d\\d MB ONNX +sha256 [0-9a-f]{64} +(cached|fetched)$`, 'm'));
    expect(out).toMatch(/^images: \d+ photos, \d+ calibration photos, \d+ \+ \d+ face crops/m);
    expect(first.cache).toBe(cacheDir());
    const dirs = [packDir(), modelsDir(), imagesRoot()];
    const before = dirs.map(snapshot);
    const again: string[] = [];
    const second = fetchModels({ log: (line) => again.push(line) });
    expect(second.models.map((m) => [m.id, m.fetched])).toEqual(MODEL_IDS.map((id) => [id, false]));
    expect(second.images).toMatchObject({ copied: 0 });
    expect(again.filter((line) => / cached$/.test(line)).length).toBe(MODEL_IDS.length + ONNX_MODEL_IDS.length);
    expect(dirs.map(snapshot)).toEqual(before);
  });

  it('the command with an id prints the cache and that model only', () => {
    const lines: string[] = [];
    const result = runFetchModels(['emotion'], {}, (line) => lines.push(line));
    expect(lines[0]).toBe(`cache: ${cacheDir()} (from $${CACHE_ENV})`);
    expect(lines.slice(1)).toEqual([expect.stringMatching(/^emotion +0\.82 MB weights in 1 shard +sha256 [0-9a-f]{64} +cached$/)]);
    expect(result.images).toBeUndefined();
  });

  it('a fresh cache built from the pinned tarballs holds the same model files; ids select models only', () => {
    const reference = snapshot(modelsDir());
    const tarballs = [...Object.values(PACKAGES), ...Object.values(ONNX_PACKAGES)].map((p) => path.join(packDir(), p.tarball));
    for (const t of tarballs) expect(fs.existsSync(t), `${t}: run \`npm run fetch-models\``).toBe(true);
    const fresh = fs.mkdtempSync(path.join(os.tmpdir(), 'fetch-models-cache-'));
    try {
      fs.mkdirSync(path.join(fresh, 'pk'));
      for (const t of tarballs) fs.copyFileSync(t, path.join(fresh, 'pk', path.basename(t)));
      vi.stubEnv(CACHE_ENV, fresh);
      const one = fetchModels({ ids: ['emotion'], log: () => {} });
      expect(one.models.map((m) => [m.id, m.fetched, m.dir])).toEqual([['emotion', true, path.join(fresh, 'models', 'emotion')]]);
      expect(one.images).toBeUndefined();
      expect(fs.readdirSync(fresh).sort()).toEqual(['models', 'pk']);
      expect(fs.readdirSync(path.join(fresh, 'models'))).toEqual(['emotion']);
      const all = fetchModelDirs({ log: () => {} });
      expect(all.map((m) => [m.id, m.fetched])).toEqual(FETCH_MODELS.map((m) => [m.id, m.id !== 'emotion']));
      fetchOnnxModels(() => {});
      const forced = fetchModelDirs({ ids: ['emotion'], force: true, log: () => {} });
      expect(forced.map((m) => [m.id, m.fetched])).toEqual([['emotion', true]]);
      const built = snapshot(path.join(fresh, 'models'));
      expect([...built.keys()].sort()).toEqual([...reference.keys()].sort());
      for (const [file, { sha256: hash }] of built) expect(hash, file).toBe(reference.get(file)!.sha256);
    } finally {
      fs.rmSync(fresh, { recursive: true, force: true });
    }
  });

  it.each(MODEL_IDS)('%s: every file matches the sha256 in source.json', (id) => {
    const spec = FETCH_MODELS.find((m) => m.id === id)!;
    const dir = modelDir(id);
    const source = validModelDir(spec);
    expect(source, `${dir} is incomplete or altered: run \`npm run fetch-models -- --force\``).toBeDefined();
    const files = fs.readdirSync(dir).sort();
    expect(files).toEqual([...Object.keys(source!.files), 'source.json'].sort());
    expect(files).toEqual(expect.arrayContaining(['model.json', 'LICENSE', ...spec.weights.map((w) => (spec.format === 'umd' ? `${w}.bin` : w))]));
  });

  it('each image folder holds exactly what manifest.json lists, and every photo decodes', () => {
    const manifest = imageManifest();
    expect(manifest.images.map((i) => i.name).sort()).toEqual(sortedNames());
    sortedNames().forEach((name, index) => {
      expect(manifest.images.find((i) => i.name === name)!.set, name).toBe(isCalibrationPhoto(index) ? 'calib' : 'photos');
    });
    expect(manifest.crops.map((c) => [c.name, c.set, c.from, c.rect])).toEqual(FACE_CROPS.map((c) => [c.name, c.set, c.from, c.rect]));
    const listed: Record<string, { name: string; sha256: string }[]> = {
      photos: manifest.images.filter((i) => i.set === 'photos'),
      calib: manifest.images.filter((i) => i.set === 'calib'),
      faces: manifest.crops.filter((c) => c.set === 'faces'),
      'faces-calib': manifest.crops.filter((c) => c.set === 'faces-calib'),
    };
    for (const set of IMAGE_SETS) {
      expect(fs.readdirSync(imagesDir(set)).sort(), set).toEqual(listed[set]!.map((i) => i.name).sort());
      for (const i of listed[set]!) expect(sha256(fs.readFileSync(path.join(imagesDir(set), i.name))), `${set}/${i.name}`).toBe(i.sha256);
    }
    for (const f of [...imageFiles('photos'), ...imageFiles('calib')]) {
      const p = decodeImage(new Uint8Array(fs.readFileSync(f)), f);
      expect(p.width * p.height, f).toBeGreaterThanOrEqual(128 * 128);
      expect([1, 3, 4], f).toContain(p.channels);
    }
  });

  it('the four folders share no file, by name or by content; minimum sizes hold', () => {
    const seen = new Map<string, string>();
    for (const set of IMAGE_SETS) {
      for (const f of imageFiles(set)) {
        for (const key of [`name ${path.basename(f)}`, `sha256 ${sha256(fs.readFileSync(f))}`]) {
          expect(seen.get(key), `${set}/${path.basename(f)}: same ${key.split(' ')[0]} as ${seen.get(key)}`).toBeUndefined();
          seen.set(key, `${set}/${path.basename(f)}`);
        }
      }
    }
    const counts = Object.fromEntries(IMAGE_SETS.map((s) => [s, imageFiles(s).length]));
    expect(counts.photos).toBeGreaterThanOrEqual(30);
    expect(counts.calib).toBeGreaterThanOrEqual(8);
    expect(counts.faces).toBeGreaterThanOrEqual(8);
    expect(counts['faces-calib']).toBeGreaterThanOrEqual(4);
  });

  it('every face crop is its photo\'s pixels in the recorded square (RGB, size × size)', () => {
    const manifest = imageManifest();
    const photos = new Map<string, ReturnType<typeof decodeImage>>();
    for (const c of manifest.crops) {
      const file = path.join(imagesDir(c.set), c.name);
      const crop = decodeImage(new Uint8Array(fs.readFileSync(file)), file);
      const [x, y, size] = c.rect;
      expect([crop.width, crop.height, crop.channels, c.width, c.height], c.name).toEqual([size, size, 3, size, size]);
      const record = manifest.images.find((i) => i.name === c.from)!;
      if (!photos.has(c.from)) {
        const dir = imagesDir(record.set);
        photos.set(c.from, convertChannels(decodeImage(new Uint8Array(fs.readFileSync(path.join(dir, c.from))), c.from), 3));
      }
      const photo = photos.get(c.from)!;
      expect(x + size <= photo.width && y + size <= photo.height, `${c.name} inside ${c.from}`).toBe(true);
      let mismatches = 0;
      for (let r = 0; r < size; r++) {
        for (let q = 0; q < 3 * size; q++) {
          if (crop.data[3 * r * size + q] !== photo.data[3 * ((y + r) * photo.width + x) + q]) mismatches++;
        }
      }
      expect(mismatches, `${c.name}: values differing from ${c.from}`).toBe(0);
    }
  });

  it('a fresh assembly (another directory) deletes stray files and gives the same files', () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fetch-images-'));
    try {
      for (const set of ['photos', 'faces', 'faces-calib']) {
        fs.mkdirSync(path.join(dir, set));
        fs.writeFileSync(path.join(dir, set, 'stale.png'), 'old layout');
      }
      fs.writeFileSync(path.join(dir, 'faces', 'skimage-astronaut.png'), 'a whole photo from the old layout');
      const counts = assembleImages({ log: () => {}, dir });
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'manifest.json'), 'utf8')) as ImageManifest;
      expect(counts).toMatchObject({ photos: manifest.images.filter((i) => i.set === 'photos').length, calib: manifest.images.filter((i) => i.set === 'calib').length });
      for (const set of IMAGE_SETS) {
        const files = fs.readdirSync(path.join(dir, set)).sort();
        expect(files, set).toEqual(fs.readdirSync(imagesDir(set)).sort());
        for (const f of files) expect(sha256(fs.readFileSync(path.join(dir, set, f))), `${set}/${f}`).toBe(sha256(fs.readFileSync(path.join(imagesRoot(), set, f))));
      }
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });

  it('lookups outside the catalog or the image sets are refused', () => {
    expect(() => modelDir('nope' as never)).toThrow(/unknown model "nope"/);
    expect(() => imagesDir('nope' as never)).toThrow(/unknown image set/);
    expect(new MissingCacheError('x')).toBeInstanceOf(Error);
  });
});
