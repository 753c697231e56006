// A TF.js graph model's files as plain data: the model.json (format "graph-model", a TensorFlow
// GraphDef as JSON plus a weights manifest) and the weight shards, decoded to tensors.
// Weight encodings: float32, int32, and the converter's --quantize_* forms: uint8/uint16 affine
// (value = q · scale + min) and float16.

import { ModelFormatError, UnsupportedModelError } from '../errors.ts';
import { tensor, type Tensor } from '../ir/tensor.ts';

/** One attribute value of a GraphDef node (tensorflow/core/framework/attr_value.proto, as JSON). */
export interface TfAttrValue {
  s?: string;
  i?: string | number;
  f?: number;
  b?: boolean;
  type?: string;
  shape?: { dim?: { size?: string | number }[]; unknownRank?: boolean };
  list?: { s?: string[]; i?: (string | number)[]; f?: number[]; b?: boolean[]; type?: string[] };
  tensor?: { dtype?: string; tensorShape?: { dim?: { size?: string | number }[] } };
}

export interface TfNode {
  name: string;
  op: string;
  input?: string[];
  attr?: Record<string, TfAttrValue>;
}

export interface TfWeightSpec {
  name: string;
  shape: number[];
  dtype: string;
  quantization?: { dtype: 'uint8' | 'uint16' | 'float16'; min?: number; scale?: number; original_dtype?: string };
}

export interface TfWeightGroup {
  paths: string[];
  weights: TfWeightSpec[];
}

export interface TfModelJson {
  format?: string;
  modelTopology: { node: TfNode[]; library?: { function?: unknown[] } };
  weightsManifest: TfWeightGroup[];
  signature?: unknown;
}

/** Checks the parts of model.json the importer reads, so a wrong file fails here, saying what it is. */
export function parseModelJson(value: unknown, where = 'model.json'): TfModelJson {
  const j = value as Partial<TfModelJson> & { modelTopology?: { model_config?: unknown; node?: unknown } };
  if (typeof j !== 'object' || j === null) throw new ModelFormatError(`${where}: not a JSON object`);
  if (j.modelTopology && 'model_config' in j.modelTopology) {
    throw new UnsupportedModelError(`${where} is a TF.js layers model (Keras topology); only graph models (format "graph-model") are supported`);
  }
  if (!j.modelTopology || !Array.isArray(j.modelTopology.node)) throw new ModelFormatError(`${where}: no modelTopology.node list (is this a TF.js graph model?)`);
  if (!Array.isArray(j.weightsManifest)) throw new ModelFormatError(`${where}: no weightsManifest list`);
  const functions = j.modelTopology.library?.function;
  if (Array.isArray(functions) && functions.length > 0) {
    throw new UnsupportedModelError(`${where}: the graph has ${functions.length} function(s) (control flow); only plain graphs are supported`);
  }
  j.modelTopology.node.forEach((n: Partial<TfNode>, i: number) => {
    if (typeof n?.name !== 'string' || typeof n.op !== 'string') throw new ModelFormatError(`${where}: node ${i} has no name or op`);
    if (n.input !== undefined && !isStringList(n.input)) throw new ModelFormatError(`${where}: node "${n.name}" has an input list that is not a list of names`);
    if (n.attr !== undefined && (typeof n.attr !== 'object' || n.attr === null)) throw new ModelFormatError(`${where}: node "${n.name}" has attributes that are not an object`);
  });
  j.weightsManifest.forEach((g: Partial<TfWeightGroup>, i: number) => checkWeightGroup(g, `${where}: weightsManifest[${i}]`));
  return j as TfModelJson;
}

const isStringList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');
const isDim = (d: unknown): d is number => Number.isSafeInteger(d) && (d as number) >= 0;

/** The manifest decides how many bytes each weight takes: every field it uses must be well formed. */
function checkWeightGroup(g: Partial<TfWeightGroup>, where: string): void {
  if (typeof g !== 'object' || g === null || !isStringList(g.paths) || !Array.isArray(g.weights)) {
    throw new ModelFormatError(`${where}: needs a "paths" list of file names and a "weights" list`);
  }
  g.weights.forEach((w: Partial<TfWeightSpec>, i) => {
    if (typeof w?.name !== 'string' || typeof w.dtype !== 'string') throw new ModelFormatError(`${where}.weights[${i}]: needs a name and a dtype`);
    if (!Array.isArray(w.shape) || !w.shape.every(isDim)) throw new ModelFormatError(`${where}: weight "${w.name}" has shape ${JSON.stringify(w.shape)}, not a list of non-negative integers`);
    const q = w.quantization;
    if (q !== undefined && (typeof q !== 'object' || q === null || typeof q.dtype !== 'string')) throw new ModelFormatError(`${where}: weight "${w.name}" has a malformed quantization entry`);
  });
}

/** The shard file names in the order their bytes concatenate. */
export const shardPaths = (model: TfModelJson): string[] => model.weightsManifest.flatMap((g) => g.paths);

const BYTES: Record<string, number> = { float32: 4, int32: 4, uint8: 1, uint16: 2, float16: 2, bool: 1 };

/** Decodes every weight from the concatenated shard bytes. */
export function decodeWeights(model: TfModelJson, data: Uint8Array, where = 'weights'): Map<string, Tensor> {
  const weights = new Map<string, Tensor>();
  let offset = 0;
  for (const spec of model.weightsManifest.flatMap((g) => g.weights)) {
    const count = spec.shape.reduce((a, b) => a * b, 1);
    const stored = spec.quantization?.dtype ?? spec.dtype;
    const size = BYTES[stored];
    if (size === undefined) throw new UnsupportedModelError(`${where}: weight "${spec.name}" has dtype "${stored}" (supported: ${Object.keys(BYTES).join(', ')})`);
    const end = offset + count * size;
    if (end > data.byteLength) {
      throw new ModelFormatError(`${where}: weight "${spec.name}" needs bytes ${offset}..${end} but the shards hold ${data.byteLength} (missing or truncated shard?)`);
    }
    weights.set(spec.name, decodeWeight(spec, data.subarray(offset, end), count));
    offset = end;
  }
  if (offset !== data.byteLength) throw new ModelFormatError(`${where}: the manifest describes ${offset} bytes but the shards hold ${data.byteLength}`);
  return weights;
}

function decodeWeight(spec: TfWeightSpec, bytes: Uint8Array, count: number): Tensor {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const q = spec.quantization;
  const dtype = spec.dtype === 'int32' ? 'int32' : spec.dtype === 'bool' ? 'bool' : 'float32';
  const out = tensor(dtype, spec.shape);
  const read: (i: number) => number =
    q?.dtype === 'float16' ? (i) => halfToFloat(view.getUint16(2 * i, true))
    : q?.dtype === 'uint8' ? (i) => view.getUint8(i) * q.scale! + q.min!
    : q?.dtype === 'uint16' ? (i) => view.getUint16(2 * i, true) * q.scale! + q.min!
    : spec.dtype === 'int32' ? (i) => view.getInt32(4 * i, true)
    : spec.dtype === 'bool' ? (i) => view.getUint8(i)
    : (i) => view.getFloat32(4 * i, true);
  if ((q?.dtype === 'uint8' || q?.dtype === 'uint16') && (typeof q.scale !== 'number' || typeof q.min !== 'number')) {
    throw new ModelFormatError(`weight "${spec.name}": ${q.dtype} quantization without numeric scale and min`);
  }
  // Affine-quantized int32 weights round back to integers, as TF.js does.
  const integral = dtype !== 'float32' && q !== undefined;
  for (let i = 0; i < count; i++) out.data[i] = integral ? Math.round(read(i)) : read(i);
  return out;
}

/** IEEE 754 binary16 → number (subnormals, infinities and NaN included). */
export function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exponent = (h >> 10) & 0x1f;
  const fraction = h & 0x3ff;
  if (exponent === 0) return sign * fraction * 2 ** -24;
  if (exponent === 0x1f) return fraction ? NaN : sign * Infinity;
  return sign * (1 + fraction / 1024) * 2 ** (exponent - 15);
}
