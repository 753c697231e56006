// The bench's dynamic-int8 models: a dynamic ONNX file (onnxruntime's format:
// DynamicQuantizeLinear → MatMulInteger / ConvInteger → Cast → Mul) and the float ONNX file of the
// same model, both run by onnxruntime; our int8 engine imports the dynamic file (passes/fuse-dynamic
// makes each chain a MatMulDynamicInt8 / ConvDynamicInt8 node), our fp32 engine the float one.
//
// - `text-encoder`: models/text_encoder.onnx (float), its dynamic form written by
//   exportDynamicOnnx (the graph quantizeDynamic makes, bit for bit once imported back); input
//   batch 1 × 128 tokens: test text 0 (63 tokens, src/data/text-tokenize.ts) padded with [PAD],
//   its attention mask 0 on the padding.
// - `isnet`: ISNet small as shipped (isnet_quint8, a dynamic model: ConvInteger) at 256 × 256
//   (isnetAtSize), its fp32 form dequantizedOnnx (W = (W_q − z_W) · s_W); input: skimage's
//   astronaut, preprocessed as @imgly/background-removal does (isnetInput), as the ISNet tests.
//
// Each engine is checked against the CPU float reference (src/ref/float) of the graph it runs:
// the float graph for fp32 and onnxruntime's float rows, our dynamic graph for int8 and
// onnxruntime's (dynamic) rows. ISNet's references take ~1 minute on the CPU, so they are kept in
// .cache/bench/isnet/ with the key of what made them.
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { decodeImage } from '../../src/data/image.ts';
import { textBatch, textVocab } from '../../src/data/text-tokenize.ts';
import { exportDynamicOnnx } from '../../src/export/onnx-dynamic.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import type { Graph } from '../../src/ir/graph.ts';
import type { Tensor } from '../../src/ir/tensor.ts';
import { onnxModelPath } from '../../src/models/fetch-onnx.ts';
import { dequantizedOnnx, ISNET_TEST_SIZE, isnetAtSize, isnetInput } from '../../src/models/isnet.ts';
import { imagesDir } from '../../src/models/paths.ts';
import { fixInputShapes } from '../../src/passes/fix-inputs.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { layersOf, type Layer } from './macs.ts';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

export type DynamicModelId = 'text-encoder' | 'isnet';
export const DYNAMIC_MODELS: readonly DynamicModelId[] = ['text-encoder', 'isnet'];

export type Outputs = Record<string, { shape: number[]; data: Float32Array }>;

export interface DynamicPrepared {
  title: string;
  task: 'classifier' | 'matte';
  files: { onnx: string; dynamicOnnx: string };
  inputs: { name: string; dtype: 'float32' | 'int64'; shape: number[]; data: Float32Array | BigInt64Array }[];
  inputSource: string;
  outputs: string[];
  /** CPU float reference of the float graph, and of our dynamic graph (the dynamic file imported and fused). */
  reference: Outputs;
  dynamicReference: Outputs;
  layers: Map<string, Layer>;
  totalMacs: number;
  calibration: { method: string; samples: number; source: string };
}

const write = (file: string, bytes: Uint8Array) => {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  fs.writeFileSync(file, bytes);
};

/** `file`, made by `make` unless it exists with the same key (a string saying what made it). */
function cachedFile(file: string, key: string, make: () => Uint8Array): void {
  const keyFile = `${file}.key`;
  if (fs.existsSync(file) && fs.existsSync(keyFile) && fs.readFileSync(keyFile, 'utf8') === key) return;
  write(file, make());
  fs.writeFileSync(keyFile, key);
}

/** The CPU float reference's outputs, computed once per key and kept as <name>.json + <name>.f32. */
function cachedReference(dir: string, name: string, key: string, compute: () => Record<string, Tensor>, outputs: readonly string[]): Outputs {
  const meta = path.join(dir, `${name}.json`);
  const bin = path.join(dir, `${name}.f32`);
  if (fs.existsSync(meta) && fs.existsSync(bin)) {
    const saved = JSON.parse(fs.readFileSync(meta, 'utf8')) as { key: string; outputs: { name: string; shape: number[]; offset: number; length: number }[] };
    if (saved.key === key) {
      const all = new Float32Array(fs.readFileSync(bin).slice().buffer);
      return Object.fromEntries(saved.outputs.map((o) => [o.name, { shape: o.shape, data: all.slice(o.offset, o.offset + o.length) }]));
    }
  }
  const got = compute();
  const list: { name: string; shape: number[]; offset: number; length: number }[] = [];
  let offset = 0;
  for (const o of outputs) {
    const t = got[o];
    if (!t) throw new Error(`the reference has no output "${o}"`);
    list.push({ name: o, shape: t.shape, offset, length: t.data.length });
    offset += t.data.length;
  }
  const all = new Float32Array(offset);
  for (const o of list) all.set(got[o.name]!.data as Float32Array, o.offset);
  write(bin, new Uint8Array(all.buffer));
  fs.writeFileSync(meta, JSON.stringify({ key, outputs: list }));
  return Object.fromEntries(list.map((o) => [o.name, { shape: o.shape, data: all.slice(o.offset, o.offset + o.length) }]));
}

const fileKey = (file: string) => {
  const s = fs.statSync(file);
  return `${path.basename(file)} ${s.size} ${Math.round(s.mtimeMs)}`;
};

/** Our feeds of the bench inputs (int64 held as float64 values). */
const feedsOf = (inputs: DynamicPrepared['inputs']): Record<string, Tensor> =>
  Object.fromEntries(inputs.map((x) => [x.name, x.dtype === 'int64' ? { dtype: 'int64', shape: x.shape, data: Float64Array.from(x.data as BigInt64Array, Number) } : { dtype: 'float32', shape: x.shape, data: x.data as Float32Array }]));

/** Node name → MACs of every graph (the names the sessions' kernels carry); the graphs' inputs bound to the bench's shapes before optimize, as the sessions do. */
function layersOfAll(graphs: Graph[]): { layers: Map<string, Layer>; totalMacs: number } {
  const per = graphs.map((g) => layersOf(g));
  const layers = new Map(per.flatMap((m) => [...m]));
  // The graphs are the same network: total over the first (the float graph).
  return { layers, totalMacs: [...per[0]!.values()].reduce((a, l) => a + l.macs, 0) };
}

const TEXT_LENGTH = 128;
const TEXT_INDEX = 0;

function textEncoder(dir: string, log: (s: string) => void): DynamicPrepared {
  const floatFile = path.join(REPO, 'models/text_encoder.onnx');
  const dynamicFile = path.join(dir, 'model.dynamic.onnx');
  const floatBytes = new Uint8Array(fs.readFileSync(floatFile));
  cachedFile(dynamicFile, `exportDynamicOnnx(${fileKey(floatFile)}) 1`, () => {
    log('writing the text encoder\'s dynamic ONNX (exportDynamicOnnx)…');
    return exportDynamicOnnx(floatBytes).bytes;
  });
  const meta = JSON.parse(fs.readFileSync(path.join(REPO, 'models/text_encoder.json'), 'utf8')) as { vocab: string[]; max_length: number };
  const test = JSON.parse(fs.readFileSync(path.join(REPO, 'data/text-encoder/test.json'), 'utf8')) as { texts: string[]; input_ids: number[][] };
  const text = test.texts[TEXT_INDEX]!;
  const batch = textBatch([text], textVocab(meta), TEXT_LENGTH);
  const tokens = test.input_ids[TEXT_INDEX]!;
  if (tokens.some((id, j) => batch.input_ids.data[j] !== id)) throw new Error('text-encoder: the tokenizer disagrees with data/text-encoder/test.json on test text 0');
  const inputs: DynamicPrepared['inputs'] = (['input_ids', 'attention_mask'] as const).map((name) => ({ name, dtype: 'int64', shape: [1, TEXT_LENGTH], data: BigInt64Array.from(batch[name].data, (v) => BigInt(v)) }));
  // Bound to 1 × 128 before the passes (as createFloatSession does), so the Shape → Reshape chains fold and every product has its shape.
  const shapes = { input_ids: [1, TEXT_LENGTH], attention_mask: [1, TEXT_LENGTH] };
  const float = optimize(fixInputShapes(importOnnx(floatBytes), shapes));
  const dynamic = optimize(fixInputShapes(importOnnx(new Uint8Array(fs.readFileSync(dynamicFile))), shapes));
  const feeds = feedsOf(inputs);
  const outputs = float.outputs.map((o) => o.name);
  const pick = (r: Record<string, Tensor>): Outputs => Object.fromEntries(outputs.map((o) => [o, { shape: r[o]!.shape, data: r[o]!.data as Float32Array }]));
  return {
    title: `Text encoder 1×${TEXT_LENGTH} tokens (ONNX, dynamic int8)`,
    task: 'classifier',
    files: { onnx: floatFile, dynamicOnnx: dynamicFile },
    inputs,
    inputSource: `data/text-encoder/test.json text ${TEXT_INDEX} (${tokens.length} tokens, padded to ${TEXT_LENGTH} with [PAD], mask 0 there)`,
    outputs,
    reference: pick(runFloat(float, feeds)),
    dynamicReference: pick(runFloat(dynamic, feeds)),
    ...layersOfAll([float, dynamic]),
    calibration: { method: 'dynamic (no calibration: activation ranges at run time)', samples: 0, source: 'exportDynamicOnnx of models/text_encoder.onnx: int8 weights per output column, activations per tensor' },
  };
}

const ISNET_PHOTO = 'skimage-astronaut.png';

function isnet(dir: string, log: (s: string) => void): DynamicPrepared {
  const size = ISNET_TEST_SIZE;
  const shipped = onnxModelPath('isnet_quint8');
  if (!fs.existsSync(shipped)) throw new Error(`${shipped} is missing: run npm run fetch-models`);
  const dynamicFile = path.join(dir, `model.dynamic.onnx`);
  const floatFile = path.join(dir, `model.onnx`);
  const key = `isnetAtSize(${fileKey(shipped)}, ${size}) 1`;
  cachedFile(dynamicFile, key, () => isnetAtSize(new Uint8Array(fs.readFileSync(shipped)), size));
  cachedFile(floatFile, `dequantizedOnnx(${key})`, () => {
    log(`writing ISNet's fp32 form at ${size} (dequantizedOnnx)…`);
    return dequantizedOnnx(new Uint8Array(fs.readFileSync(dynamicFile)));
  });
  const photo = path.join(imagesDir('photos'), ISNET_PHOTO);
  const x = isnetInput(decodeImage(new Uint8Array(fs.readFileSync(photo)), photo), size);
  const inputs: DynamicPrepared['inputs'] = [{ name: 'input', dtype: 'float32', shape: x.shape, data: x.data as Float32Array }];
  const dynamic = optimize(importOnnx(new Uint8Array(fs.readFileSync(dynamicFile))));
  const outputs = dynamic.outputs.map((o) => o.name);
  const refKey = `${key} ${ISNET_PHOTO} ${fileKey(photo)} reference 1`;
  const reference = cachedReference(dir, 'reference-float', refKey, () => {
    log(`ISNet ${size}²: the CPU float reference of the float graph (~15 s)…`);
    return runFloat(optimize(importOnnx(new Uint8Array(fs.readFileSync(floatFile)))), { input: x });
  }, outputs);
  const dynamicReference = cachedReference(dir, 'reference-dynamic', refKey, () => {
    log(`ISNet ${size}²: the CPU float reference of the dynamic graph (~45 s)…`);
    return runFloat(dynamic, { input: x });
  }, outputs);
  // The float file's Convs carry the ConvIntegers' names (dequantizedOnnx): one graph names both engines' kernels.
  return {
    title: `ISNet small ${size}×${size} (ONNX, dynamic int8)`,
    task: 'matte',
    files: { onnx: floatFile, dynamicOnnx: dynamicFile },
    inputs,
    inputSource: `photos/${ISNET_PHOTO}, as @imgly/background-removal preprocesses it`,
    outputs,
    reference,
    dynamicReference,
    ...layersOfAll([dynamic]),
    calibration: { method: 'dynamic (no calibration: activation ranges at run time)', samples: 0, source: 'isnet_quint8 as shipped (onnxruntime quantize_dynamic: 119 ConvInteger chains), its Resize sizes rewritten for 256 (isnetAtSize)' },
  };
}

export function prepareDynamic(id: DynamicModelId, dir: string, log: (s: string) => void): DynamicPrepared {
  return id === 'text-encoder' ? textEncoder(dir, log) : isnet(dir, log);
}
