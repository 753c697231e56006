// MatMulDynamicInt8 on the GPU (docs/quantization.md (D1)–(D5)): four dispatches through
// temporaries: each row's range in parts (dynq_range), the parts joined into (s, z, 1/s)
// (dynq_params), the float activations to packed signed codes (dynq_quantize), and the dp4a
// product with the zero-point corrections and the float epilogue (dynq_gemm). Bit for bit the
// CPU reference's dynamicMatmul (src/quant/dynamic.ts).

import type { Node } from '../../ir/graph.ts';
import { sizeOf, type Tensor } from '../../ir/tensor.ts';
import { packRows, wordsFor } from '../pack.ts';
import { dispatchFor, WORKGROUP_SIZE, type KernelSpec } from '../spec.ts';
import { uniformStruct } from '../uniforms.ts';
import { floatBits, formatShape } from './common.ts';
import type { TempTensor } from './elementwise.ts';

/** Elements one range workgroup reduces at least, and the most parts a row is split into. */
const RANGE_CHUNK = 1024;
const MAX_RANGE_PARTS = 256;
const MAX_GRID_ROWS = 65535;
/** dynq_params' record per row: scale, zero point − 128, inverse, padding. */
const QPARAM_WORDS = 4;

/** The packed weight codes [N, words] and the per-column constants (Σ w, z_w, s_w, bias) of a MatMulDynamicInt8 node. */
export interface DynamicWeightData {
  n: number;
  k: number;
  weights: Uint32Array;
  columns: Uint32Array;
  hasBias: boolean;
}

function constant(node: Node, index: number, constants: ReadonlyMap<string, Tensor>, what: string): Tensor {
  const t = constants.get(node.inputs[index] ?? '');
  if (!t) throw new RangeError(`its ${what} "${node.inputs[index] ?? ''}" is not a constant`);
  return t;
}

export function dynamicWeightData(node: Extract<Node, { op: 'MatMulDynamicInt8' }>, constants: ReadonlyMap<string, Tensor>): DynamicWeightData {
  const codes = constant(node, 1, constants, 'weight codes');
  if (codes.dtype !== 'int8' || codes.shape.length !== 2) throw new RangeError(`weight codes must be int8 [N, K], got ${codes.dtype} ${formatShape(codes.shape)}`);
  const [n, k] = codes.shape as [number, number];
  const scale = constant(node, 2, constants, 'weight scale');
  const zero = constant(node, 3, constants, 'weight zero point');
  const biasName = node.inputs[4] ?? '';
  const bias = biasName === '' ? undefined : constant(node, 4, constants, 'bias');
  for (const [t, what] of [[scale, 'weight scale'], [zero, 'weight zero point'], [bias, 'bias']] as const) {
    if (t && sizeOf(t.shape) !== n) throw new RangeError(`its ${what} has ${sizeOf(t.shape)} values, not N = ${n}`);
  }
  const columns = new Uint32Array(4 * n);
  for (let j = 0; j < n; j++) {
    let sum = 0;
    for (let i = 0; i < k; i++) sum += codes.data[j * k + i]!;
    columns[4 * j] = sum >>> 0;
    columns[4 * j + 1] = zero.data[j]! >>> 0;
    columns[4 * j + 2] = floatBits(scale.data[j]!);
    columns[4 * j + 3] = bias ? floatBits(bias.data[j]!) : 0;
  }
  return { n, k, weights: packRows(codes.data, k), columns, hasBias: bias !== undefined };
}

/** The dispatches of one dynamic product of `rows` activation rows of K, into `output` laid out [rows, N], or [images, N, plane] when plane > 0. */
export function dynamicProductSpecs(
  label: string,
  input: string,
  output: string,
  rows: number,
  w: DynamicWeightData,
  perRow: boolean,
  plane = 0,
): { specs: KernelSpec[]; temps: TempTensor[] } {
  const { k, n } = w;
  const words = wordsFor(k);
  const spans = perRow ? rows : 1;
  const spanLength = perRow ? k : rows * k;
  if (spans > MAX_GRID_ROWS) throw new RangeError(`${spans} rows with a scale each (at most ${MAX_GRID_ROWS})`);
  const parts = Math.min(MAX_RANGE_PARTS, Math.max(1, Math.ceil(spanLength / RANGE_CHUNK)));
  const chunk = Math.ceil(spanLength / parts);
  const partials = `${output}#dynamic-range`;
  const qparams = `${output}#dynamic-qparams`;
  const codes = `${output}#dynamic-codes`;
  const temps: TempTensor[] = [
    { name: partials, shape: [spans * parts, 2] },
    { name: qparams, shape: [spans, QPARAM_WORDS] },
    { name: codes, shape: [rows, words] },
  ];
  const quantize = dispatchFor(rows * words);
  const gemm = dispatchFor(rows * Math.ceil(n / 4));
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
    {
      label: `${label} (quantize)`,
      shader: 'dynq_quantize',
      constants: { WORKGROUP_SIZE },
      uniforms: uniformStruct({ rows, k, words, dispatch_width: quantize.width, per_row: perRow ? 1 : 0, _pad0: 0, _pad1: 0, _pad2: 0 }),
      storage: [{ tensor: input }, { tensor: qparams }, { tensor: codes, write: true }],
      workgroups: quantize.workgroups,
    },
    {
      label,
      shader: 'dynq_gemm',
      constants: { WORKGROUP_SIZE, HAS_BIAS: w.hasBias ? 1 : 0 },
      uniforms: uniformStruct({ rows, n, words, dispatch_width: gemm.width, per_row: perRow ? 1 : 0, plane, opaque_zero: 0, _pad0: 0 }),
      storage: [{ tensor: codes }, { data: w.weights, label: `${label} weights` }, { data: w.columns, label: `${label} columns` }, { tensor: qparams }, { tensor: output, write: true }],
      workgroups: gemm.workgroups,
    },
  ];
  return { specs, temps };
}

/** The fp32 plan's MatMulDynamicInt8: x [..., K] → [..., N]. */
export function dynamicMatmulKernels(
  node: Extract<Node, { op: 'MatMulDynamicInt8' }>,
  xShape: readonly number[],
  constants: ReadonlyMap<string, Tensor>,
): { specs: KernelSpec[]; outputShape: number[]; temps: TempTensor[] } {
  const w = dynamicWeightData(node, constants);
  if (xShape.length === 0 || xShape[xShape.length - 1] !== w.k) throw new RangeError(`its input ${formatShape(xShape)} does not end in K = ${w.k}`);
  const rows = sizeOf(xShape) / w.k;
  const { specs, temps } = dynamicProductSpecs(node.name, node.inputs[0]!, node.outputs[0]!, rows, w, node.attrs.perRow);
  return { specs, outputShape: [...xShape.slice(0, -1), w.n], temps };
}
