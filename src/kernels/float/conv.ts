// Conv (NHWC, weights [Cout, kh, kw, Cin/group]) → the conv2d_f32 kernel; Gemm and MatMul with a
// constant B → the same kernel as a 1×1 convolution: [M, K] rows are an NHWC [M, 1, 1, K] tensor
// and [N, K] weights a [N, 1, 1, K] filter bank (as src/kernels/gemm.ts does for int8).

import { channelUpperBound, type Clamp, type NodeOf } from '../../ir/graph.ts';
import { planAxis } from '../../ir/spatial.ts';
import { sizeOf, type Tensor } from '../../ir/tensor.ts';
import type { PlannedKernel } from '../conv.ts';
import { dispatchFor, WORKGROUP_SIZE } from '../spec.ts';
import { uniformStruct } from '../uniforms.ts';
import { asFloat32, boundBits, F32_MAX, formatShape } from './common.ts';

export interface DenseConv {
  label: string;
  input: string;
  output: string;
  /** NHWC [N, H, W, C]. */
  inputShape: readonly number[];
  /** [Cout, kh, kw, Cin/group], row-major. */
  weights: Float32Array;
  weightShape: readonly [number, number, number, number];
  /** [Cout], or undefined for none. */
  bias: Float32Array | undefined;
  strides: [number, number];
  dilations: [number, number];
  /** top, left (as resolved by planAxis), and the output size. */
  padTop: number;
  padLeft: number;
  out: [number, number];
  group: number;
  clamp: Clamp | null;
}

/** [Cout, kh, kw, Cin/g] → [ceil(Cout/4), kh, kw, Cin/g, 4]: lane l of each vec4 is output channel 4i + l. */
export function quadWeights(w: Float32Array, [cout, kh, kw, cin]: readonly [number, number, number, number]): Float32Array {
  const quads = Math.ceil(cout / 4);
  const taps = kh * kw * cin;
  const out = new Float32Array(quads * taps * 4);
  for (let oc = 0; oc < cout; oc++) {
    const q = oc >> 2;
    const lane = oc & 3;
    for (let t = 0; t < taps; t++) out[(q * taps + t) * 4 + lane] = w[oc * taps + t]!;
  }
  return out;
}

/**
 * Uniforms (24 words): N, H, W, C | OH, OW, Cout, ceil(Cout/4) | kh, kw, stride y, x |
 * dilation y, x, pad top, left | Cin/group, Cout/group, dispatch width, 0 | lo, hi (f32 bits), 0, 0.
 * Overrides: SHARED_INPUT (all four channels of an invocation in one group), CLAMP.
 */
export function denseConvKernel(c: DenseConv): PlannedKernel {
  const [n, h, w, ch] = c.inputShape as [number, number, number, number];
  const [cout, kh, kw, cinPerGroup] = c.weightShape;
  if (c.inputShape.length !== 4) throw new RangeError(`conv2d_f32 expects an NHWC input of rank 4, got ${formatShape(c.inputShape)}`);
  if (cinPerGroup * c.group !== ch || cout % c.group !== 0) {
    throw new RangeError(`input has ${ch} channels; weights ${formatShape(c.weightShape)} with group ${c.group} do not fit`);
  }
  const coutPerGroup = cout / c.group;
  const quads = Math.ceil(cout / 4);
  const [oh, ow] = c.out;
  const { workgroups, width } = dispatchFor(n * oh * ow * quads);
  // The bias, then each channel's upper clamp bound (per channel after equalization, (Q12b)).
  const bias = new Float32Array(quads * 8);
  if (c.bias) bias.set(c.bias.subarray(0, cout));
  for (let oc = 0; oc < cout; oc++) bias[quads * 4 + oc] = Math.min(F32_MAX, c.clamp ? channelUpperBound(c.clamp, oc) : Infinity);
  return {
    spec: {
      label: c.label,
      shader: 'conv2d_f32',
      constants: { WORKGROUP_SIZE, SHARED_INPUT: c.group === 1 || coutPerGroup % 4 === 0 ? 1 : 0, CLAMP: c.clamp ? 1 : 0 },
      uniforms: uniformStruct({
        n, h, w, c: ch,
        oh, ow, cout, out_quads: quads,
        kh, kw, stride_y: c.strides[0], stride_x: c.strides[1],
        dilation_y: c.dilations[0], dilation_x: c.dilations[1], pad_top: c.padTop, pad_left: c.padLeft,
        cin_per_group: cinPerGroup, cout_per_group: coutPerGroup, dispatch_width: width, _pad0: 0,
        lo: boundBits(c.clamp?.min ?? -Infinity), hi: boundBits(c.clamp?.max ?? Infinity), _pad1: 0, _pad2: 0,
      }),
      storage: [
        { tensor: c.input },
        { data: quadWeights(c.weights, c.weightShape), label: `${c.label}/weights` },
        { data: bias, label: `${c.label}/bias` },
        { tensor: c.output, write: true },
      ],
      workgroups,
    },
    outputShape: [n, oh, ow, cout],
  };
}

function constant(constants: ReadonlyMap<string, Tensor>, name: string | undefined, what: string): Tensor {
  const t = constants.get(name ?? '');
  if (!t) throw new RangeError(`${what} ("${name ?? ''}") must be a constant on the GPU float path`);
  return t;
}

/** Conv in NHWC layout (after optimize(graph, { layout: 'NHWC' })), with its fused clamp. */
export function convF32Kernel(node: NodeOf<'Conv'>, inputShape: readonly number[], constants: ReadonlyMap<string, Tensor>): PlannedKernel {
  const a = node.attrs;
  // The NHWC pass converts only convolutions with constant weights.
  if (!constants.has(node.inputs[1] ?? '')) throw new RangeError(`its weights input "${node.inputs[1]}" is not a constant (the GPU float path runs NHWC convolutions of constant weights)`);
  if (a.layout !== 'NHWC') throw new RangeError('the GPU float path runs NHWC convolutions: plan the graph of optimize(graph, { layout: \'NHWC\' })');
  if (inputShape.length !== 4) throw new RangeError(`Conv expects a 4-D input, got ${formatShape(inputShape)}`);
  const w = constant(constants, node.inputs[1], 'the weights');
  if (w.shape.length !== 4) throw new RangeError(`Conv expects 4-D weights, got ${formatShape(w.shape)}`);
  const biasName = node.inputs[2] ?? '';
  const b = biasName === '' ? undefined : constant(constants, biasName, 'the bias');
  const weightShape = w.shape as [number, number, number, number];
  const kernel: [number, number] = [weightShape[1], weightShape[2]];
  const py = planAxis({ ...a, kernel }, 0, inputShape[1]!);
  const px = planAxis({ ...a, kernel }, 1, inputShape[2]!);
  return denseConvKernel({
    label: node.name,
    input: node.inputs[0]!,
    output: node.outputs[0]!,
    inputShape,
    weights: asFloat32(w, 'the weights'),
    weightShape,
    bias: b && asFloat32(b, 'the bias'),
    strides: a.strides,
    dilations: a.dilations,
    padTop: py.padBefore,
    padLeft: px.padBefore,
    out: [py.out, px.out],
    group: a.group,
    clamp: a.clamp,
  });
}

/** rows × K activations times a constant [N, K] weight matrix, plus a per-column bias, clamped. */
function dense(label: string, input: string, output: string, rows: number, k: number, weights: Float32Array, n: number, bias: Float32Array | undefined, clamp: Clamp | null): PlannedKernel {
  return denseConvKernel({
    label, input, output,
    inputShape: [rows, 1, 1, k],
    weights,
    weightShape: [n, 1, 1, k],
    bias,
    strides: [1, 1],
    dilations: [1, 1],
    padTop: 0,
    padLeft: 0,
    out: [1, 1],
    group: 1,
    clamp,
  });
}

/** B [K, N] (row-major) → [N, K], each value times `scale`. */
function transposed(b: Float32Array, k: number, n: number, scale: number): Float32Array {
  const out = new Float32Array(n * k);
  for (let p = 0; p < k; p++) for (let j = 0; j < n; j++) out[j * k + p] = b[p * n + j]! * scale;
  return out;
}

/**
 * Gemm with A an activation [M, K] (transA = 0) and B a constant: B is laid out as [N, K]
 * offline (transposed when transB = 0) with alpha folded in; beta·C becomes the bias, so C must
 * be constant and broadcast along M ([], [1], [N], [1, N], [1, 1]).
 */
export function gemmF32Kernel(node: NodeOf<'Gemm'>, inputShape: readonly number[], constants: ReadonlyMap<string, Tensor>): PlannedKernel {
  const a = node.attrs;
  if (a.transA) throw new RangeError('transA = 1 (a transposed activation) is not supported on the GPU float path');
  if (inputShape.length !== 2) throw new RangeError(`Gemm expects a 2-D A, got ${formatShape(inputShape)}`);
  const bt = constant(constants, node.inputs[1], 'B');
  if (bt.shape.length !== 2) throw new RangeError(`Gemm expects a 2-D B, got ${formatShape(bt.shape)}`);
  const [m, k] = inputShape as [number, number];
  const [kb, n] = a.transB ? [bt.shape[1]!, bt.shape[0]!] : [bt.shape[0]!, bt.shape[1]!];
  if (k !== kb) throw new RangeError(`inner dimensions ${k} and ${kb} differ`);
  const b = asFloat32(bt, 'B');
  const weights = a.transB ? (a.alpha === 1 ? b : b.map((v) => v * a.alpha)) : transposed(b, k, n, a.alpha);
  let bias: Float32Array | undefined;
  const cName = node.inputs[2] ?? '';
  if (cName !== '' && a.beta !== 0) {
    const ct = constant(constants, cName, 'C');
    const c = asFloat32(ct, 'C');
    const perColumn = c.length === n && (ct.shape.length <= 1 || sizeOf(ct.shape.slice(0, -1)) === 1);
    if (c.length !== 1 && !perColumn) {
      throw new RangeError(`C of shape ${formatShape(ct.shape)} varies along M; the GPU float path takes a C that broadcasts along M`);
    }
    bias = Float32Array.from({ length: n }, (_, j) => a.beta * c[c.length === 1 ? 0 : j]!);
  }
  return { ...dense(node.name, node.inputs[0]!, node.outputs[0]!, m, k, weights, n, bias, a.clamp), outputShape: [m, n] };
}

/** MatMul of an activation [..., K] by a constant 2-D B [K, N] (or 1-D [K]), as numpy does. */
export function matmulF32Kernel(node: NodeOf<'MatMul'>, inputShape: readonly number[], constants: ReadonlyMap<string, Tensor>): PlannedKernel {
  const bt = constant(constants, node.inputs[1], 'B');
  if (bt.shape.length !== 1 && bt.shape.length !== 2) {
    throw new RangeError(`B of shape ${formatShape(bt.shape)}: the GPU float path takes a constant 1-D or 2-D B`);
  }
  if (inputShape.length === 0) throw new RangeError('MatMul needs an A of rank ≥ 1');
  const k = inputShape[inputShape.length - 1]!;
  const n = bt.shape.length === 2 ? bt.shape[1]! : 1;
  if (bt.shape[0] !== k) throw new RangeError(`shapes ${formatShape(inputShape)} and ${formatShape(bt.shape)} do not chain`);
  const rows = sizeOf(inputShape.slice(0, -1));
  const planned = dense(node.name, node.inputs[0]!, node.outputs[0]!, rows, k, transposed(asFloat32(bt, 'B'), k, n, 1), n, undefined, null);
  const lead = inputShape.slice(0, -1);
  return { ...planned, outputShape: bt.shape.length === 2 ? [...lead, n] : lead };
}
