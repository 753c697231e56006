// MatMulDynamicInt8 on the GPU (docs/quantization.md (D1)–(D5)): four dispatches through
// temporaries: each row's range in parts (dynq_range), the parts joined into (s, z, 1/s)
// (dynq_params), the float activations to packed signed codes (dynq_quantize), and the product
// with the zero-point corrections and the float epilogue (dynq_gemm with dot4I8Packed, or
// dynq_gemm_f32: see DynamicMath). Bit for bit the CPU reference's dynamicMatmul
// (src/quant/dynamic.ts).

import type { GpuContext } from '../../gpu/device.ts';
import type { Node } from '../../ir/graph.ts';
import type { ConvVariantOption } from '../conv-variants.ts';
import { resolveConvWindow } from '../../ir/ops/quantize.ts';
import { planAxis3d } from '../../ir/ops/spatial.ts';
import { sizeOf, type Tensor } from '../../ir/tensor.ts';
import { packRows, wordsFor } from '../pack.ts';
import { dispatchFor, WORKGROUP_SIZE, type KernelSpec } from '../spec.ts';
import { uniformStruct } from '../uniforms.ts';
import { floatBits, formatShape } from './common.ts';
import type { TempTensor } from './elementwise.ts';

/**
 * Elements one range workgroup reduces at least, and the most parts a row is split into: 8192
 * (128 an invocation) rather than 1024 took the text encoder's 13 ranges from 36 to 9 ms at
 * [4, 128] on SwiftShader, whose workgroup barriers are slow.
 */
const RANGE_CHUNK = 8192;
const MAX_RANGE_PARTS = 256;
const MAX_GRID_ROWS = 65535;
/** dynq_params' record per row: scale, zero point − 128, inverse, padding. */
const QPARAM_WORDS = 4;

/**
 * How a dynamic product's sums are computed: dot4I8Packed (dynq_gemm, 4 × 4 outputs an
 * invocation), or f32 arithmetic on the codes (dynq_gemm_f32, 8 × 8), for adapters where f32
 * outruns dp4a (software ones) and for products whose f32 sums are exact (dynamicF32Exact). The
 * same bits either way.
 */
export type DynamicMath = 'dp4a' | 'f32';

/** The weight codes [N, K] and the per-column constants (Σ w, z_w, s_w, bias) of a MatMulDynamicInt8 node. */
export interface DynamicWeightData {
  n: number;
  k: number;
  codes: ArrayLike<number>;
  columns: Uint32Array;
  hasBias: boolean;
}

/**
 * The dynamic products' arithmetic on `gpu`: convVariant 'f32' forces f32, 'dp4a' / 'reference'
 * dp4a; otherwise f32 where dp4a is emulated or the adapter is a software one (SwiftShader: f32
 * vec4 10.4 GFLOPS vs dot4I8Packed 3.1 GOPS, the bench's peaks), dp4a on GPUs with native
 * dot4I8Packed.
 */
export function dynamicMathFor(gpu: GpuContext, convVariant: ConvVariantOption = 'auto'): DynamicMath {
  if (convVariant !== 'auto') return convVariant === 'f32' ? 'f32' : 'dp4a';
  return gpu.adapterInfo.isFallbackAdapter || !gpu.dot4I8Packed ? 'f32' : 'dp4a';
}

/** Below 2^24 an f32 sum of integers is the integer itself. */
const F32_EXACT_LIMIT = 2 ** 24;

/**
 * Whether every f32 partial sum of dynq_gemm_f32 is exact: |code| ≤ 128, so each column's sums
 * stay within 128 · Σ_k |w_nk| (and the code sums within 128 · K).
 */
export function dynamicF32Exact(w: DynamicWeightData): boolean {
  let largest = 4 * wordsFor(w.k);
  for (let j = 0; j < w.n; j++) {
    let sum = 0;
    for (let i = j * w.k; i < (j + 1) * w.k; i++) sum += Math.abs(w.codes[i]!);
    largest = Math.max(largest, sum);
  }
  return 128 * largest < F32_EXACT_LIMIT;
}

function constant(node: Node, index: number, constants: ReadonlyMap<string, Tensor>, what: string): Tensor {
  const t = constants.get(node.inputs[index] ?? '');
  if (!t) throw new RangeError(`its ${what} "${node.inputs[index] ?? ''}" is not a constant`);
  return t;
}

/** The per-column constants dynamic_output reads: Σ codes, zero point, scale, bias (inputs 2 to 4 of the node). */
function columnData(node: Node, constants: ReadonlyMap<string, Tensor>, n: number, codeSum: (j: number) => number): { columns: Uint32Array; hasBias: boolean } {
  const scale = constant(node, 2, constants, 'weight scale');
  const zero = constant(node, 3, constants, 'weight zero point');
  const bias = (node.inputs[4] ?? '') === '' ? undefined : constant(node, 4, constants, 'bias');
  for (const [t, what] of [[scale, 'weight scale'], [zero, 'weight zero point'], [bias, 'bias']] as const) {
    if (t && sizeOf(t.shape) !== n) throw new RangeError(`its ${what} has ${sizeOf(t.shape)} values, not N = ${n}`);
  }
  const columns = new Uint32Array(4 * n);
  for (let j = 0; j < n; j++) {
    columns[4 * j] = codeSum(j) >>> 0;
    columns[4 * j + 1] = zero.data[j]! >>> 0;
    columns[4 * j + 2] = floatBits(scale.data[j]!);
    columns[4 * j + 3] = bias ? floatBits(bias.data[j]!) : 0;
  }
  return { columns, hasBias: bias !== undefined };
}

function codesOf(node: Node, constants: ReadonlyMap<string, Tensor>, rank: number, form: string): Tensor {
  const codes = constant(node, 1, constants, 'weight codes');
  if (codes.dtype !== 'int8' || codes.shape.length !== rank) throw new RangeError(`weight codes must be int8 ${form}, got ${codes.dtype} ${formatShape(codes.shape)}`);
  return codes;
}

const rowSum = (codes: Tensor, length: number) => (j: number) => {
  let sum = 0;
  for (let i = 0; i < length; i++) sum += codes.data[j * length + i]!;
  return sum;
};

export function dynamicWeightData(node: Extract<Node, { op: 'MatMulDynamicInt8' }>, constants: ReadonlyMap<string, Tensor>): DynamicWeightData {
  const codes = codesOf(node, constants, 2, '[N, K]');
  const [n, k] = codes.shape as [number, number];
  return { n, k, codes: codes.data, ...columnData(node, constants, n, rowSum(codes, k)) };
}

/** dynq_gemm_f32's weights: [column blocks of 8, words, 8 columns], padding columns 0. */
function blockedWeights(w: DynamicWeightData): Uint32Array {
  const words = wordsFor(w.k);
  const rows = packRows(w.codes, w.k);
  const blocks = Math.ceil(w.n / 8);
  const out = new Uint32Array(blocks * words * 8);
  for (let j = 0; j < w.n; j++) {
    const block = j >> 3;
    for (let t = 0; t < words; t++) out[(block * words + t) * 8 + (j & 7)] = rows[j * words + t]!;
  }
  return out;
}

/** The GEMM dispatch of one dynamic product, with `math`'s kernel where its sums are exact (else dp4a's). */
function gemmSpec(label: string, codes: string, qparams: string, output: string, rows: number, w: DynamicWeightData, perRow: boolean, math: DynamicMath): KernelSpec {
  const words = wordsFor(w.k);
  const perRowWord = perRow ? 1 : 0;
  const weightZero = Array.from({ length: w.n }, (_, j) => w.columns[4 * j + 1]).some((z) => z !== 0);
  const bindings = (weights: Uint32Array): KernelSpec['storage'] => [
    { tensor: codes },
    { data: weights, label: `${label} weights` },
    { data: w.columns, label: `${label} columns` },
    { tensor: qparams },
    { tensor: output, write: true },
  ];
  if (math === 'f32' && dynamicF32Exact(w)) {
    const rowBlocks = Math.ceil(rows / 8);
    const grid = dispatchFor(rowBlocks * Math.ceil(w.n / 8));
    return {
      label,
      shader: 'dynq_gemm_f32',
      constants: { WORKGROUP_SIZE, HAS_BIAS: w.hasBias ? 1 : 0, HAS_WEIGHT_ZERO: weightZero ? 1 : 0 },
      uniforms: uniformStruct({ rows, n: w.n, words, dispatch_width: grid.width, per_row: perRowWord, opaque_zero: 0, row_blocks: rowBlocks, _pad0: 0 }),
      storage: bindings(blockedWeights(w)),
      workgroups: grid.workgroups,
    };
  }
  const grid = dispatchFor(Math.ceil(rows / 4) * Math.ceil(w.n / 4));
  return {
    label,
    shader: 'dynq_gemm',
    constants: { WORKGROUP_SIZE, HAS_BIAS: w.hasBias ? 1 : 0 },
    uniforms: uniformStruct({ rows, n: w.n, words, dispatch_width: grid.width, per_row: perRowWord, opaque_zero: 0, _pad0: 0, _pad1: 0 }),
    storage: bindings(packRows(w.codes, w.k)),
    workgroups: grid.workgroups,
  };
}

/** The range and qparams dispatches over `spans` rows of `spanLength` floats of `input`, and their temporaries. */
function rangeSpecs(label: string, input: string, output: string, spans: number, spanLength: number): { specs: KernelSpec[]; temps: TempTensor[]; qparams: string } {
  if (spans > MAX_GRID_ROWS) throw new RangeError(`${spans} rows with a scale each (at most ${MAX_GRID_ROWS})`);
  const parts = Math.min(MAX_RANGE_PARTS, Math.max(1, Math.ceil(spanLength / RANGE_CHUNK)));
  const chunk = Math.ceil(spanLength / parts);
  const partials = `${output}#dynamic-range`;
  const qparams = `${output}#dynamic-qparams`;
  const specs: KernelSpec[] = [
    {
      label: `${label} (range)`,
      shader: 'dynq_range',
      constants: { WORKGROUP_SIZE },
      uniforms: uniformStruct({ row_length: spanLength, parts, chunk, _pad0: 0 }),
      storage: [{ tensor: input }, { tensor: partials, write: true }],
      workgroups: [parts, spans, 1],
    },
    {
      label: `${label} (qparams)`,
      shader: 'dynq_params',
      constants: { WORKGROUP_SIZE },
      uniforms: uniformStruct({ rows: spans, parts, _pad0: 0, _pad1: 0 }),
      storage: [{ tensor: partials }, { tensor: qparams, write: true }],
      workgroups: [Math.ceil(spans / WORKGROUP_SIZE), 1, 1],
    },
  ];
  return { specs, temps: [{ name: partials, shape: [spans * parts, 2] }, { name: qparams, shape: [spans, QPARAM_WORDS] }], qparams };
}

/** dynq_quantize of `rows` rows of K (NCHW pixels when plane > 0) into packed codes. */
function quantizeSpec(label: string, input: string, qparams: string, codes: string, rows: number, k: number, perRow: boolean, plane: number): KernelSpec {
  const words = wordsFor(k);
  const { workgroups, width } = dispatchFor(rows * words);
  return {
    label: `${label} (quantize)`,
    shader: 'dynq_quantize',
    constants: { WORKGROUP_SIZE },
    uniforms: uniformStruct({ rows, k, words, dispatch_width: width, per_row: perRow ? 1 : 0, plane, _pad0: 0, _pad1: 0 }),
    storage: [{ tensor: input }, { tensor: qparams }, { tensor: codes, write: true }],
    workgroups,
  };
}

/** The dispatches of one dynamic product of `rows` activation rows of K, into `output` [rows, N]. */
export function dynamicProductSpecs(
  label: string,
  input: string,
  output: string,
  rows: number,
  w: DynamicWeightData,
  perRow: boolean,
  math: DynamicMath,
): { specs: KernelSpec[]; temps: TempTensor[] } {
  const { k } = w;
  const range = rangeSpecs(label, input, output, perRow ? rows : 1, perRow ? k : rows * k);
  const codes = `${output}#dynamic-codes`;
  const specs: KernelSpec[] = [
    ...range.specs,
    quantizeSpec(label, input, range.qparams, codes, rows, k, perRow, 0),
    gemmSpec(label, codes, range.qparams, output, rows, w, perRow, math),
  ];
  return { specs, temps: [...range.temps, { name: codes, shape: [rows, wordsFor(k)] }] };
}

/** The fp32 plan's MatMulDynamicInt8: x [..., K] → [..., N]. */
export function dynamicMatmulKernels(
  node: Extract<Node, { op: 'MatMulDynamicInt8' }>,
  xShape: readonly number[],
  constants: ReadonlyMap<string, Tensor>,
  math: DynamicMath,
): { specs: KernelSpec[]; outputShape: number[]; temps: TempTensor[] } {
  const w = dynamicWeightData(node, constants);
  if (xShape.length === 0 || xShape[xShape.length - 1] !== w.k) throw new RangeError(`its input ${formatShape(xShape)} does not end in K = ${w.k}`);
  const rows = sizeOf(xShape) / w.k;
  const { specs, temps } = dynamicProductSpecs(node.name, node.inputs[0]!, node.outputs[0]!, rows, w, node.attrs.perRow, math);
  return { specs, outputShape: [...xShape.slice(0, -1), w.n], temps };
}

/** The fp32 plan's ConvDynamicInt8: NCHW x [images, C, H, W] → [images, N, OH, OW] (D6). */
export function dynamicConvKernels(
  node: Extract<Node, { op: 'ConvDynamicInt8' }>,
  xShape: readonly number[],
  constants: ReadonlyMap<string, Tensor>,
): { specs: KernelSpec[]; outputShape: number[]; temps: TempTensor[] } {
  const codes = codesOf(node, constants, 4, '[N, C, kh, kw]');
  const [n, c, kh, kw] = codes.shape as [number, number, number, number];
  if (xShape.length !== 4 || xShape[1] !== c) throw new RangeError(`its input ${formatShape(xShape)} is not NCHW with C = ${c}`);
  if (node.attrs.group !== 1) throw new RangeError(`group ${node.attrs.group} (the dynamic conv kernel takes group 1)`);
  const [images, , h, w] = xShape as [number, number, number, number];
  const win = resolveConvWindow(node.attrs, 2);
  const [py, px] = [0, 1].map((axis) => planAxis3d(win, [kh, kw], axis, xShape[2 + axis]!)) as [ReturnType<typeof planAxis3d>, ReturnType<typeof planAxis3d>];
  const words = wordsFor(c);
  // Codes re-laid [N, kh, kw, words]: the taps outermost, channels packed as the activations are.
  const weights = new Uint32Array(n * kh * kw * words);
  const lanes = new Int8Array(weights.buffer);
  for (let j = 0; j < n; j++) for (let ci = 0; ci < c; ci++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
    lanes[((j * kh + y) * kw + x) * words * 4 + ci] = codes.data[((j * c + ci) * kh + y) * kw + x]!;
  }
  const { columns, hasBias } = columnData(node, constants, n, rowSum(codes, c * kh * kw));
  const input = node.inputs[0]!;
  const output = node.outputs[0]!;
  const range = rangeSpecs(node.name, input, output, 1, images * c * h * w);
  const codesName = `${output}#dynamic-codes`;
  const conv = dispatchFor(images * py.out * px.out * Math.ceil(n / 4));
  const specs: KernelSpec[] = [
    ...range.specs,
    quantizeSpec(node.name, input, range.qparams, codesName, images * h * w, c, false, h * w),
    {
      label: node.name,
      shader: 'dynq_conv',
      constants: { WORKGROUP_SIZE, HAS_BIAS: hasBias ? 1 : 0 },
      uniforms: uniformStruct({
        images, in_h: h, in_w: w, words,
        out_h: py.out, out_w: px.out, n, dispatch_width: conv.width,
        kernel_h: kh, kernel_w: kw, stride_h: win.strides[0]!, stride_w: win.strides[1]!,
        pad_top: py.padBefore, pad_left: px.padBefore, dilation_h: win.dilations[0]!, dilation_w: win.dilations[1]!,
        opaque_zero: 0, _pad0: 0, _pad1: 0, _pad2: 0,
      }),
      storage: [{ tensor: codesName }, { data: weights, label: `${node.name} weights` }, { data: columns, label: `${node.name} columns` }, { tensor: range.qparams }, { tensor: output, write: true }],
      workgroups: conv.workgroups,
    },
  ];
  return { specs, outputShape: [images, n, py.out, px.out], temps: [...range.temps, { name: codesName, shape: [images * h * w, words] }] };
}
