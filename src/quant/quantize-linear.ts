// Conv and Gemm/MatMul → int8 steps: per-channel weights (Q3), folded bias (Q4, Q6), multipliers
// (Q8) and clamp bounds (Q12), with the accumulator range checked (Q19).

import { LimitError } from '../errors.ts';
import type { Clamp, Node, NodeOf } from '../ir/graph.ts';
import type { Tensor } from '../ir/tensor.ts';
import { quantizeMultiplier } from './fixed-point.ts';
import type { ConvStep, GemmStep, OutputStage } from './program.ts';
import { biasScaleFloors, channelUpperBounds, clampBounds, quantizeBias, quantizeWeights, type QParams } from './qparams.ts';
import type { QuantizerState } from './quantize-graph.ts';
import { givenLinearWeights } from './qdq-import.ts';

const INT32_LIMIT = 2 ** 31;

interface Linear {
  /** Weights with output channels on axis 0, float. */
  weights: ArrayLike<number>;
  channels: number;
  bias: ArrayLike<number> | undefined;
  clamp: Clamp | null;
}

interface QuantizedLinear {
  input: string;
  weights: Int8Array;
  bias: Int32Array;
  inputZeroPoint: number;
  out: OutputStage;
  output: string;
}

function quantizeLinear(s: QuantizerState, node: Node, l: Linear): QuantizedLinear {
  const x = node.inputs[0]!;
  const input = s.asInt8(x);
  const inQ = s.int8Info(x);
  const outQ: QParams = s.qparamsFor(node.outputs[0]!);
  // A QDQ model's own int8 weights and int32 bias where it gives them; otherwise (Q3), (Q4).
  const given = s.options.given && givenLinearWeights(s.options.given, node, l.weights, l.channels, l.bias, inQ.scale);
  const w = given ? given.weights : quantizeWeights(l.weights, l.channels, s.options.perTensorWeights, biasScaleFloors(l.bias, inQ.scale, l.channels));
  const qb = given ? given.bias : quantizeBias(l.bias, inQ.scale, w.scales);
  const k = w.values.length / l.channels;
  const bias = new Int32Array(l.channels);
  for (let c = 0; c < l.channels; c++) {
    let sum = 0;
    let magnitude = 0;
    for (let i = c * k; i < (c + 1) * k; i++) {
      sum += w.values[i]!;
      magnitude += Math.abs(w.values[i]!);
    }
    // (Q6): the input zero point folded into the bias.
    const folded = qb[c]! - inQ.zeroPoint * sum;
    // (Q19): the kernels add raw int8 inputs (|q_x| ≤ 128) times weights to the folded bias, in
    // any order: every partial sum is bounded by |folded| + 128 · Σ|q_w|, which must fit int32.
    const bound = Math.abs(folded) + 128 * magnitude;
    if (bound >= INT32_LIMIT) {
      throw new LimitError(
        `${node.op} node "${node.name}": output channel ${c} can overflow the int32 accumulator ` +
          `(|bias| ${Math.abs(folded)} + 128 · Σ|w| ${magnitude} over K = ${k} inputs reaches ${bound} ≥ 2^31); ` +
          `split the layer's reduction into smaller layers, or check its bias for an outlier`,
      );
    }
    bias[c] = folded;
  }
  const multipliers = Array.from(w.scales, (sw) => quantizeMultiplier((inQ.scale * sw) / outQ.scale));
  const bounds = clampBounds(l.clamp, outQ);
  const [lo, hi] = bounds;
  const channelHi = channelUpperBounds(l.clamp, outQ, bounds);
  return {
    input,
    weights: w.values,
    bias,
    inputZeroPoint: inQ.zeroPoint,
    out: {
      m0: Int32Array.from(multipliers, (m) => m.m0),
      exponent: Int32Array.from(multipliers, (m) => m.exponent),
      zeroPoint: outQ.zeroPoint,
      lo,
      hi,
      ...(channelHi ? { channelHi } : {}),
    },
    output: s.markInt8(node.outputs[0]!, outQ),
  };
}

export function convStep(s: QuantizerState, node: NodeOf<'Conv'>): ConvStep | undefined {
  const w = s.constant(node.inputs[1]!);
  const b = node.inputs[2] ? s.constant(node.inputs[2]) : undefined;
  if (node.attrs.layout !== 'NHWC' || !w || w.shape.length !== 4 || (node.inputs[2] && !b)) return undefined;
  const q = quantizeLinear(s, node, { weights: w.data, channels: w.shape[0]!, bias: b?.data, clamp: node.attrs.clamp });
  const { strides, pads, autoPad, dilations, group } = node.attrs;
  return {
    op: 'conv',
    name: node.name,
    ...q,
    weightShape: w.shape as [number, number, number, number],
    geometry: { strides, pads, autoPad, dilations, group },
  };
}

/** [K, N] → [N, K]. */
function transpose2d(t: Tensor): Float32Array {
  const [k, n] = t.shape as [number, number];
  const out = new Float32Array(k * n);
  for (let i = 0; i < k; i++) for (let j = 0; j < n; j++) out[j * k + i] = t.data[i * n + j]!;
  return out;
}

/** Gemm (transA = 0, constant B and C) or MatMul with a constant 2-D right operand. */
export function gemmStep(s: QuantizerState, node: NodeOf<'Gemm'> | NodeOf<'MatMul'>): GemmStep | undefined {
  const b = s.constant(node.inputs[1]!);
  if (!b || b.shape.length !== 2) return undefined;
  const gemm = node.op === 'Gemm' ? node.attrs : { transA: false, transB: false, alpha: 1, beta: 1, clamp: null };
  const c = node.inputs[2] ? s.constant(node.inputs[2]) : undefined;
  if (gemm.transA || (node.inputs[2] && !c)) return undefined;
  const weights = gemm.transB ? Float32Array.from(b.data) : transpose2d(b);
  const [n, k] = gemm.transB ? (b.shape as [number, number]) : [b.shape[1]!, b.shape[0]!];
  if (c && c.data.length !== 1 && c.data.length !== n) return undefined;
  if (gemm.alpha !== 1) for (let i = 0; i < weights.length; i++) weights[i]! *= gemm.alpha;
  const bias = c ? Float64Array.from({ length: n }, (_, j) => gemm.beta * c.data[c.data.length === 1 ? 0 : j]!) : undefined;
  const q = quantizeLinear(s, node, { weights, channels: n, bias, clamp: gemm.clamp });
  return { op: 'gemm', name: node.name, ...q, weightShape: [n, k] };
}
