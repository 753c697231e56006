// The benchmark's models, made ready in node once: the float graph, our int8 program (calibrated
// here, as `webgpu-int8 quantize` does), a float ONNX file for onnxruntime-web, one real input,
// the CPU float reference's outputs on it, and the MACs per layer; for the dynamic models
// (dynamic-models.ts) a dynamic ONNX file instead of the int8 program. Files go to the repository's
// .cache/bench/<id>/ (not the model cache of src/models/cache.ts: these are the bench's own
// outputs), where the bench server serves them; the int8 program is reused while its recipe is
// unchanged.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { BUNDLED } from '../../src/cli/bundled.ts';
import { floatModelOf, loadFloatModel, loadTfjsModel, type FloatModel } from '../../src/cli/model.ts';
import { decodeImage } from '../../src/data/image.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import { onnxModelPath } from '../../src/models/fetch-onnx.ts';
import { TEXT_MAP_SIZE, textDetectorInput } from '../../src/models/text-map.ts';
import { fixInputShapes } from '../../src/passes/fix-inputs.ts';
import { loadImages } from '../../src/cli/options.ts';
import { calibrateAndQuantize } from '../../src/cli/quantize.ts';
import type { ImageSet } from '../../src/data/dataset.ts';
import { loadImageSet } from '../../src/data/files.ts';
import { MODELS, type CatalogModel } from '../../src/models/catalog.ts';
import { calibrationImages, evaluationImages, modelDir } from '../../src/models/paths.ts';
import { readQ8, writeQ8 } from '../../src/quant/q8-file.ts';
import type { QuantizedModel } from '../../src/quant/program.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { layersOf, type Layer } from './macs.ts';
import { onnxOf } from './onnx-nchw.ts';
import { DYNAMIC_MODELS, prepareDynamic, type DynamicModelId } from './dynamic-models.ts';

import type { BenchModelId } from './ids.ts';

export { BENCH_MODELS, type BenchModelId } from './ids.ts';

export const BENCH_CACHE = fileURLToPath(new URL('../../.cache/bench', import.meta.url));

export type ModelTask = 'classifier' | 'face-detector' | 'text-detector' | 'matte';

/** One input, and the file under BENCH_CACHE/<id>/ holding its raw little-endian values. */
export interface PreparedInput {
  name: string;
  dtype: 'float32' | 'int64';
  shape: number[];
  file: string;
}

export interface PreparedModel {
  id: BenchModelId;
  title: string;
  task: ModelTask;
  catalog?: CatalogModel;
  /**
   * Files under BENCH_CACHE/<id>/ (q8, onnx) and the TF.js model folder, if any; floatOnnx: the
   * ONNX file our fp32 path imports when there is no TF.js model; dynamicOnnx (dynamic models, in
   * place of q8): the dynamic file our int8 engine imports and onnxruntime's (dynamic) rows run.
   */
  files: { q8?: string; onnx: string; dynamicOnnx?: string; tfjsDir?: string; floatOnnx?: string };
  inputs: PreparedInput[];
  inputSource: string;
  outputs: string[];
  /** CPU float reference (src/ref/float) of the float graph on the input, by output name. */
  reference: Record<string, { shape: number[]; data: Float32Array }>;
  /** Dynamic models: the CPU float reference of our dynamic graph (int8's and onnxruntime's (dynamic) rows are checked against it). */
  dynamicReference?: Record<string, { shape: number[]; data: Float32Array }>;
  /** Conv/Gemm/MatMul node name → MACs and kind. */
  layers: Map<string, Layer>;
  totalMacs: number;
  calibration: { method: string; samples: number; source: string };
  /** Caps on this model's runs (a slow model in the default bench): at most these, whatever --runs / --warmup say; a default --budget. */
  limits?: { runs?: number; warmup?: number; budgetSeconds?: number };
}

interface Recipe {
  float: () => FloatModel;
  calib: () => ImageSet;
  method: 'entropy' | 'percentile' | 'minmax';
  input: () => { set: ImageSet; source: string };
  title: string;
  catalog?: CatalogModel;
  task?: 'text-detector';
  /** The ONNX file onnxruntime-web runs, when the model is one as shipped (not our export of the fused graph). */
  onnx?: string;
  calibrationSource?: string;
}

// PP-OCRv4 det on crops of OpenCV's text photos (Debian's opencv-doc), as
// test/model/onnx-real-int8.test.ts calibrates and evaluates it, at one fixed input size.
const TEXT_PHOTOS = '/usr/share/doc/opencv-doc/examples/data/';
const TEXT_CALIBRATION: [string, number, number][] = [['imageTextR.png', 0, 0], ['imageTextR.png', 100, 160], ['licenseplate_motion.jpg', 100, 200]];
const TEXT_INPUT: [string, number, number] = ['imageTextN.png', 100, 90];

function textCrops(crops: readonly [string, number, number][]): ImageSet {
  const inputs = crops.map(([file, left, top]) => {
    const where = path.join(TEXT_PHOTOS, file);
    if (!fs.existsSync(where)) throw new Error(`${where} is missing: apt-get install opencv-doc`);
    return textDetectorInput(decodeImage(fs.readFileSync(where), where), left, top);
  });
  const { height, width } = TEXT_MAP_SIZE;
  return { count: inputs.length, imageShape: [height, width, 3], input: (i) => inputs[i]!, names: crops.map(([f, l, t]) => `${f} (${l}, ${t})`) };
}

function textDetector(): Recipe {
  const file = onnxModelPath('ppocr-v4-det');
  const { height, width } = TEXT_MAP_SIZE;
  return {
    title: `PP-OCRv4 det ${height}×${width} (ONNX)`,
    float: () => {
      if (!fs.existsSync(file)) throw new Error(`${file} is missing: run npm run fetch-models`);
      const graph = importOnnx(fs.readFileSync(file));
      return floatModelOf(fixInputShapes(graph, { [graph.inputs[0]!.name]: [1, 3, height, width] }));
    },
    calib: () => textCrops(TEXT_CALIBRATION),
    method: 'minmax',
    input: () => ({ set: textCrops([TEXT_INPUT]), source: `opencv-doc ${TEXT_INPUT[0]} crop at (${TEXT_INPUT[1]}, ${TEXT_INPUT[2]})` }),
    task: 'text-detector',
    onnx: file,
    calibrationSource: `opencv-doc text photo crops: ${TEXT_CALIBRATION.map(([f, l, t]) => `${f} (${l}, ${t})`).join(', ')}`,
  };
}

function catalogSet(model: CatalogModel, dir: string, count?: number): ImageSet {
  return loadImageSet(dir, { preprocess: model.preprocess, inputShape: model.input.shape, ...(count !== undefined ? { count } : {}) });
}

function recipe(id: Exclude<BenchModelId, DynamicModelId>): Recipe {
  if (id === 'ppocr-v4-det') return textDetector();
  if (id === 'fashion_mnist_cnn') {
    const shape = [1, 1, 28, 28];
    return {
      title: 'Fashion-MNIST CNN 28×28 (bundled)',
      float: () => loadFloatModel(BUNDLED.model),
      calib: () => loadImages(BUNDLED.calibImages, shape, {}, undefined, 500),
      method: 'entropy',
      input: () => ({ set: loadImages(BUNDLED.testImages, shape, {}, undefined, 1), source: 'Fashion-MNIST test image 0' }),
    };
  }
  const catalog = MODELS[id];
  return {
    title: `${id === 'mobilenet_v2_mid' ? 'MobileNetV2 1.4' : 'BlazeFace front'} ${catalog.input.shape[1]}×${catalog.input.shape[2]}`,
    catalog,
    float: () => loadTfjsModel(modelDir(id)),
    calib: () => catalogSet(catalog, calibrationImages(catalog)),
    method: 'percentile',
    input: () => {
      const set = catalogSet(catalog, evaluationImages(catalog), 1);
      return { set, source: `${path.basename(evaluationImages(catalog))}/${set.names?.[0] ?? '?'}` };
    },
  };
}

const write = (file: string, bytes: Uint8Array) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
};

/** The int8 program, calibrated once per recipe (the key file records how). */
function int8Program(dir: string, r: Recipe, float: FloatModel, log: (s: string) => void): { model: QuantizedModel; calibration: PreparedModel['calibration'] } {
  const file = path.join(dir, 'model.q8');
  const keyFile = path.join(dir, 'model.q8.json');
  const key = JSON.stringify({ method: r.method, calibCount: 500, format: 1 });
  if (fs.existsSync(file) && fs.existsSync(keyFile) && fs.readFileSync(keyFile, 'utf8').startsWith(key.slice(0, -1))) {
    const saved = JSON.parse(fs.readFileSync(keyFile, 'utf8')) as { calibration: PreparedModel['calibration'] };
    return { model: readQ8(fs.readFileSync(file)), calibration: saved.calibration };
  }
  const calib = r.calib();
  log(`calibrating ${float.graph.name} (${r.method}, ${calib.count} samples) on the CPU float reference…`);
  const model = calibrateAndQuantize(float, calib, { method: r.method, calibCount: 500, perTensor: false, symmetricActivations: false, percentile: 99.99 });
  const calibration = { method: r.method, samples: Math.min(500, calib.count), source: r.calibrationSource ?? (r.catalog ? path.basename(calibrationImages(r.catalog)) : 'Fashion-MNIST train, first 500') };
  write(file, writeQ8(model));
  fs.writeFileSync(keyFile, `${key.slice(0, -1)},"calibration":${JSON.stringify(calibration)}}`);
  return { model, calibration };
}

/** The input files of a model, written under its folder. */
function writeInputs(dir: string, inputs: { name: string; dtype: 'float32' | 'int64'; shape: number[]; data: Float32Array | BigInt64Array }[], single?: string): PreparedInput[] {
  return inputs.map((x) => {
    const file = path.join(dir, single ?? `input-${x.name}.${x.dtype === 'int64' ? 'i64' : 'f32'}`);
    write(file, new Uint8Array(x.data.buffer, x.data.byteOffset, x.data.byteLength));
    return { name: x.name, dtype: x.dtype, shape: x.shape, file };
  });
}

/**
 * ISNet at 256 (10 G multiply-accumulates) takes about a minute a run per engine on SwiftShader:
 * at most 1 warm-up, and 30 s of timed runs (at least 3 are kept: MIN_BUDGET_RUNS) unless
 * --budget says otherwise. On a GPU, where a run takes milliseconds, --runs is what stops them.
 */
const LIMITS: Partial<Record<BenchModelId, NonNullable<PreparedModel['limits']>>> = { isnet: { warmup: 1, budgetSeconds: 30 } };

function prepareDynamicModel(id: DynamicModelId, log: (s: string) => void): PreparedModel {
  const dir = path.join(BENCH_CACHE, id);
  const d = prepareDynamic(id, dir, log);
  return {
    id,
    title: d.title,
    task: d.task,
    files: { onnx: d.files.onnx, dynamicOnnx: d.files.dynamicOnnx, floatOnnx: d.files.onnx },
    inputs: writeInputs(dir, d.inputs),
    inputSource: d.inputSource,
    outputs: d.outputs,
    reference: d.reference,
    dynamicReference: d.dynamicReference,
    layers: d.layers,
    totalMacs: d.totalMacs,
    calibration: d.calibration,
    ...(LIMITS[id] ? { limits: LIMITS[id] } : {}),
  };
}

const isDynamic = (id: BenchModelId): id is DynamicModelId => (DYNAMIC_MODELS as readonly string[]).includes(id);

export function prepareModel(id: BenchModelId, log: (s: string) => void = () => {}): PreparedModel {
  if (isDynamic(id)) return prepareDynamicModel(id, log);
  const r = recipe(id);
  const dir = path.join(BENCH_CACHE, id);
  const float = r.float();
  const { model: int8, calibration } = int8Program(dir, r, float, log);
  const onnxFile = id === 'fashion_mnist_cnn' ? BUNDLED.model : (r.onnx ?? path.join(dir, 'model.onnx'));
  if (!fs.existsSync(onnxFile)) write(onnxFile, onnxOf(float.fused));
  const { set, source } = r.input();
  const input = set.input(0);
  const inputName = float.graph.inputs[0]!.name;
  const inputs = writeInputs(dir, [{ name: inputName, dtype: 'float32', shape: input.shape, data: input.data as Float32Array }], 'input.f32');
  const outputs = float.graph.outputs.map((o) => o.name);
  const missing = outputs.filter((o) => !int8.outputs.some((x) => x.name === o));
  if (missing.length) throw new Error(`${id}: the int8 program lacks outputs ${missing.join(', ')}`);
  const ref = runFloat(float.graph, { [inputName]: input });
  const reference = Object.fromEntries(outputs.map((o) => [o, { shape: ref[o]!.shape, data: ref[o]!.data as Float32Array }]));
  const layers = layersOf(float.nhwc);
  return {
    id,
    title: r.title,
    task: r.task ?? r.catalog?.kind ?? 'classifier',
    ...(r.catalog ? { catalog: r.catalog } : {}),
    files: { q8: path.join(dir, 'model.q8'), onnx: onnxFile, ...(r.catalog ? { tfjsDir: modelDir(r.catalog.id) } : { floatOnnx: r.onnx ?? BUNDLED.model }) },
    inputs,
    inputSource: source,
    outputs,
    reference,
    layers,
    totalMacs: [...layers.values()].reduce((a, l) => a + l.macs, 0),
    calibration,
  };
}
