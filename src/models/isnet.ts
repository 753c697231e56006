// ISNet (DIS, xuebinqin/DIS) as @imgly/background-removal 1.4.5 feeds and reads it, and at a
// smaller size for tests. The model (src/models/fetch-onnx.ts isnet_quint8) takes
// [1, 3, 1024, 1024] and returns the matte `output` [1, 1, 1024, 1024] (a sigmoid, 0..1) and
// six side outputs.
//
// The package's preprocessing (src/utils.ts, src/inference.ts): the decoded RGBA image is resized
// to 1024 × 1024 by its own bilinear (tensorResizeBilinear: source x = x · srcW / newW, no
// half-pixel offset, the four neighbours floor/ceil clamped, rounded to uint8), then
// (v − 128) / 256 per channel into NCHW (tensorHWCtoBCHW's defaults). isnetInput does the same
// (a gray image feeds R, G and B).
//
// Size: the network is fully convolutional, but every Resize in the shipped file has constant
// `sizes` ([1, C, H, W] int64 initializers computed for a 1024 input: torch's _upsample_like
// folded by the exporter) and the graph's input and outputs are declared 1024 × 1024, so the file
// itself only runs at 1024 (onnxruntime refuses another input shape). isnetAtSize rewrites those
// constants and declarations for an input of `size` (1024 / size a whole number k such that every
// Resize size divides by k, e.g. 512 or 256): the same network, weights byte for byte.
//
// The fp32 model: dequantizedOnnx writes each DynamicQuantizeLinear → ConvInteger → Cast → Mul
// chain of the file as a float Conv with W = (W_q − z_W) · s_W, in ONNX, for onnxruntime (the
// fp32 baseline onnxruntime runs; src/passes/dequantize-integer.ts does the same on our graph).

import type { Pixels } from '../data/image.ts';
import { InputError } from '../errors.ts';
import { decodeModel, ModelProtoCoder, toNumber, type NodeProto, type TensorProto, type ValueInfoProto } from '../import/onnx-proto.ts';
import { decodeTensorProto } from '../import/onnx-tensor.ts';
import { tensor, type Tensor } from '../ir/tensor.ts';

/** The size the package runs the model at. */
export const ISNET_SIZE = 1024;
/** The size the tests run it at (isnetAtSize). */
export const ISNET_TEST_SIZE = 256;
/** The matte's output name. */
export const ISNET_OUTPUT = 'output';
/** The threshold the IoU of two mattes is taken at. */
export const MATTE_THRESHOLD = 0.5;

/** onnx's TensorProto.DataType FLOAT and INT64. */
const FLOAT = 1;
const INT64 = 7;

/** The model's bytes for an input of size × size (see the file comment); 1024 returns them unchanged. */
export function isnetAtSize(bytes: Uint8Array, size: number): Uint8Array {
  if (size === ISNET_SIZE) return bytes;
  const k = ISNET_SIZE / size;
  if (!Number.isInteger(k) || k < 1) throw new InputError(`ISNet at ${size}: 1024 / ${size} is not a whole number`);
  const model = decodeModel(bytes);
  const g = model.graph;
  if (!g) throw new InputError('ISNet: the model has no graph');
  const init = new Map(g.initializer.map((t) => [t.name, t]));
  const done = new Set<string>();
  let resizes = 0;
  for (const node of g.node) {
    if (node.opType !== 'Resize') continue;
    const name = node.input[3];
    const t = name ? init.get(name) : undefined;
    if (!t || t.dataType !== INT64) throw new InputError(`ISNet: Resize "${node.name}" has no constant int64 sizes`);
    resizes++;
    if (done.has(name!)) continue;
    done.add(name!);
    const sizes = int64Values(t);
    if (sizes.length !== 4 || sizes[2]! % k !== 0 || sizes[3]! % k !== 0) throw new InputError(`ISNet at ${size}: Resize "${node.name}" sizes [${sizes}] do not divide by ${k}`);
    setInt64Values(t, [sizes[0]!, sizes[1]!, sizes[2]! / k, sizes[3]! / k]);
  }
  if (resizes === 0) throw new InputError('ISNet: no Resize found (is this the ISNet model?)');
  for (const v of [...g.input, ...g.output]) scaleDeclared(v, k);
  // Intermediate shapes declared for 1024 would contradict the new ones; they are only hints.
  g.valueInfo = [];
  return ModelProtoCoder.encode(model).finish();
}

/**
 * The model with every DynamicQuantizeLinear → ConvInteger(x, W_q, z_x, z_W) → Cast → Mul(·,
 * Mul(s_x, s_W)) chain replaced by Conv(x, (W_q − z_W) · s_W) (scalar or per-output-channel z_W
 * and s_W), written at the last Mul's output; the DynamicQuantizeLinear and scale Mul are
 * dropped once nothing reads them. Throws if any ConvInteger is not of that form.
 */
export function dequantizedOnnx(bytes: Uint8Array): Uint8Array {
  const model = decodeModel(bytes);
  const g = model.graph;
  if (!g) throw new InputError('the model has no graph');
  const init = new Map(g.initializer.map((t) => [t.name, t]));
  const producer = new Map<string, NodeProto>();
  const readers = new Map<string, NodeProto[]>();
  for (const n of g.node) {
    for (const o of n.output) producer.set(o, n);
    for (const i of n.input) readers.set(i, [...(readers.get(i) ?? []), n]);
  }
  const sole = (name: string) => {
    const r = readers.get(name) ?? [];
    return r.length === 1 && !g.output.some((o) => o.name === name) ? r[0] : undefined;
  };
  const drop = new Set<NodeProto>();
  const replace = new Map<NodeProto, NodeProto>();
  for (const conv of g.node) {
    if (conv.opType !== 'ConvInteger') continue;
    const [q, wName, xZero, wZero] = conv.input;
    const dql = producer.get(q ?? '');
    const wq = init.get(wName ?? '');
    const zq = wZero ? init.get(wZero) : undefined;
    const cast = sole(conv.output[0]!);
    const mul = cast?.opType === 'Cast' ? sole(cast.output[0]!) : undefined;
    const scales = mul && producer.get(mul.input.find((i) => i !== cast!.output[0]) ?? '');
    const sw = scales?.opType === 'Mul' && dql ? init.get(scales.input.find((i) => i !== dql.output[1]) ?? '') : undefined;
    if (dql?.opType !== 'DynamicQuantizeLinear' || xZero !== dql.output[2] || !wq || (wZero && !zq) || mul?.opType !== 'Mul' || !sw) {
      throw new InputError(`ConvInteger "${conv.name}" is not a DynamicQuantizeLinear → ConvInteger → Cast → Mul chain with constant weights`);
    }
    const w = decodeTensorProto(wq);
    const z = zq ? decodeTensorProto(zq) : undefined;
    const s = decodeTensorProto(sw);
    const channels = w.shape[0]!;
    const inner = w.data.length / channels;
    const at = (t: Tensor | undefined, o: number, none: number) => (!t ? none : t.data.length === 1 ? t.data[0]! : t.data.length === channels ? t.data[o]! : NaN);
    const data = new Float32Array(w.data.length);
    for (let i = 0; i < data.length; i++) {
      const o = Math.floor(i / inner);
      data[i] = (w.data[i]! - at(z, o, 0)) * at(s, o, 1);
    }
    if (data.some((v) => Number.isNaN(v))) throw new InputError(`ConvInteger "${conv.name}": a zero point or scale is neither scalar nor per output channel`);
    const name = `${wq.name}_dequantized`;
    g.initializer.push({ name, dims: w.shape, dataType: FLOAT, rawData: new Uint8Array(data.buffer) } as unknown as TensorProto);
    replace.set(mul, { name: conv.name, opType: 'Conv', domain: '', input: [dql.input[0]!, name], output: [mul.output[0]!], attribute: conv.attribute } as NodeProto);
    drop.add(conv).add(cast!);
  }
  g.node = g.node.filter((n) => !drop.has(n)).map((n) => replace.get(n) ?? n);
  // Dead code: the DynamicQuantizeLinears and scale Muls nothing reads now, and their constants.
  const needed = new Set(g.output.map((o) => o.name));
  const kept: NodeProto[] = [];
  for (const n of [...g.node].reverse()) {
    if (!n.output.some((o) => needed.has(o))) continue;
    kept.push(n);
    for (const i of n.input) needed.add(i);
  }
  g.node = kept.reverse();
  g.initializer = g.initializer.filter((t) => needed.has(t.name));
  return ModelProtoCoder.encode(model).finish();
}

function int64Values(t: TensorProto): number[] {
  if (t.rawData && t.rawData.length > 0) {
    const view = new DataView(t.rawData.buffer, t.rawData.byteOffset, t.rawData.byteLength);
    return Array.from({ length: t.rawData.byteLength / 8 }, (_, i) => Number(view.getBigInt64(i * 8, true)));
  }
  return t.int64Data.map(toNumber);
}

function setInt64Values(t: TensorProto, values: readonly number[]): void {
  const raw = new Uint8Array(values.length * 8);
  const view = new DataView(raw.buffer);
  values.forEach((v, i) => view.setBigInt64(i * 8, BigInt(v), true));
  t.rawData = raw;
  t.int64Data = [];
}

/** A declared [1, C, 1024 or 512·…, …] shape divided by k in H and W. */
function scaleDeclared(v: ValueInfoProto, k: number): void {
  const dims = v.type?.tensorType?.shape?.dim;
  if (!dims || dims.length !== 4) return;
  for (const d of dims.slice(2)) {
    const n = toNumber(d.dimValue);
    if (n > 0) {
      if (n % k !== 0) throw new InputError(`ISNet: "${v.name}" dim ${n} does not divide by ${k}`);
      d.dimValue = n / k;
    }
  }
}

/**
 * The package's tensorResizeBilinear on interleaved uint8 pixels: source x = x · srcW / newW
 * (no half-pixel offset), neighbours floor and ceil (clamped to the last pixel), rounded.
 */
export function imglyResize(p: Pixels, width: number, height: number): Pixels {
  const { width: sw, height: sh, channels: c } = p;
  const out = new Uint8Array(width * height * c);
  const sx = sw / width;
  const sy = sh / height;
  for (let y = 0; y < height; y++) {
    const fy = y * sy;
    const y1 = Math.max(Math.floor(fy), 0);
    const y2 = Math.min(Math.ceil(fy), sh - 1);
    const dy = fy - y1;
    for (let x = 0; x < width; x++) {
      const fx = x * sx;
      const x1 = Math.max(Math.floor(fx), 0);
      const x2 = Math.min(Math.ceil(fx), sw - 1);
      const dx = fx - x1;
      for (let ch = 0; ch < c; ch++) {
        const at = (yy: number, xx: number) => p.data[(yy * sw + xx) * c + ch]!;
        const v = (1 - dx) * (1 - dy) * at(y1, x1) + dx * (1 - dy) * at(y1, x2) + (1 - dx) * dy * at(y2, x1) + dx * dy * at(y2, x2);
        out[(y * width + x) * c + ch] = Math.round(v);
      }
    }
  }
  return { width, height, channels: c, data: out };
}

/** The model's [1, 3, size, size] input from a decoded image, as the package makes it. */
export function isnetInput(image: Pixels, size: number = ISNET_SIZE): Tensor {
  const r = imglyResize(image, size, size);
  const plane = size * size;
  const x = new Float32Array(3 * plane);
  for (let ch = 0; ch < 3; ch++) {
    const from = r.channels < 3 ? 0 : ch;
    for (let i = 0; i < plane; i++) x[ch * plane + i] = (r.data[i * r.channels + from]! - 128) / 256;
  }
  return tensor('float32', [1, 3, size, size], x);
}

/** Two mattes compared: mean and max |a − b|, the IoU of a > t and b > t, and how many pixels either marks. */
export interface MatteDiff {
  mae: number;
  max: number;
  iou: number;
  pixels: number;
}

export function compareMattes(a: ArrayLike<number>, b: ArrayLike<number>, threshold = MATTE_THRESHOLD): MatteDiff {
  if (a.length !== b.length) throw new InputError(`mattes of ${a.length} and ${b.length} values`);
  let sum = 0;
  let max = 0;
  let both = 0;
  let either = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i]! - b[i]!);
    sum += d;
    if (d > max) max = d;
    const p = a[i]! > threshold;
    const q = b[i]! > threshold;
    both += Number(p && q);
    either += Number(p || q);
  }
  return { mae: sum / a.length, max, iou: either === 0 ? 1 : both / either, pixels: either };
}
