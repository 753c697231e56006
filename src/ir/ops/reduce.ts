// The reduce op family: reductions, arg-reductions, normalizations over axes, scans (CumSum) and TopK.
// Attributes, traits and shape rules (see graph.ts AttrsByOp for where else an op goes).

import { isNum, normAxis, UNKNOWN, type ShapeRule, type ShapeRules } from '../dims.ts';
import type { Dim } from '../graph.ts';
import { CPU_FLOAT, type OpTraits } from '../op-kinds.ts';

/** Axes are input 1 (the opset 13 / 18 form; older attribute axes become a constant at import). */
export interface AxesReduceAttrs {
  keepdims: boolean;
  /** With no axes (input omitted or empty): true passes the input through, false reduces every axis. */
  noopWithEmptyAxes: boolean;
}

export interface ArgReduceAttrs {
  axis: number;
  keepdims: boolean;
  /** Of equal extremes, the last one's index instead of the first's. */
  selectLastIndex: boolean;
}

/** `coerce2d`: opset < 13 semantics, over all dims from `axis` on, flattened (as the core Softmax). */
export interface AxisSoftmaxAttrs {
  axis: number;
  coerce2d: boolean;
}

/**
 * Inputs scores [N, C, d1..dk], int target [N, d1..dk], weight [C]?. `ignoreIndex` null: no target
 * is ignored. The mean divides by the summed weights of the targets not ignored.
 */
export interface LossAttrs {
  reduction: 'none' | 'sum' | 'mean';
  ignoreIndex: number | null;
}

export interface ReduceAttrs {
  ReduceSum: AxesReduceAttrs;
  ReduceMean: AxesReduceAttrs;
  ReduceMax: AxesReduceAttrs;
  ReduceMin: AxesReduceAttrs;
  ReduceProd: AxesReduceAttrs;
  ReduceL1: AxesReduceAttrs;
  ReduceL2: AxesReduceAttrs;
  ReduceLogSum: AxesReduceAttrs;
  ReduceLogSumExp: AxesReduceAttrs;
  ReduceSumSquare: AxesReduceAttrs;
  ArgMax: ArgReduceAttrs;
  ArgMin: ArgReduceAttrs;
  LogSoftmax: AxisSoftmaxAttrs;
  Hardmax: AxisSoftmaxAttrs;
  /** Inputs X, Scale, B?; outputs Y, Mean?, InvStdDev? (statistics over dims axis…end, in float32). */
  LayerNormalization: { axis: number; epsilon: number };
  InstanceNormalization: { epsilon: number };
  /** Scale and bias hold one value per group (opset 18) or per channel (opset 21). */
  GroupNormalization: { epsilon: number; numGroups: number; affinePer: 'group' | 'channel' };
  LpNormalization: { axis: number; p: 1 | 2 };
  MeanVarianceNormalization: { axes: number[] };
  LRN: { size: number; alpha: number; beta: number; bias: number };
  /** The axis is input 1. */
  CumSum: { exclusive: boolean; reverse: boolean };
  /**
   * k is input 1 (the opset 10 form); outputs values and int64 indices, ties in index order.
   * Always sorted: sorted=0 leaves the order to the runtime.
   */
  TopK: { axis: number; largest: boolean };
  Det: Record<string, never>;
  NegativeLogLikelihoodLoss: LossAttrs;
  /** Outputs loss and log_prob? (the log-softmax of the scores over C, input 0's shape). */
  SoftmaxCrossEntropyLoss: LossAttrs;
}

// On the fp32 GPU path: reduce_f32 (NCHW: an NHWC input is transposed back first).
const GPU_REDUCE = { ...CPU_FLOAT, gpu: 'reduce' } as const;

export const REDUCE_TRAITS = {
  ReduceSum: GPU_REDUCE,
  ReduceMean: GPU_REDUCE,
  ReduceMax: GPU_REDUCE,
  ReduceMin: GPU_REDUCE,
  ReduceProd: GPU_REDUCE,
  ReduceL1: GPU_REDUCE,
  ReduceL2: GPU_REDUCE,
  ReduceLogSum: GPU_REDUCE,
  ReduceLogSumExp: GPU_REDUCE,
  ReduceSumSquare: GPU_REDUCE,
  ArgMax: GPU_REDUCE,
  ArgMin: GPU_REDUCE,
  LogSoftmax: { ...CPU_FLOAT, gpu: 'softmax' },
  Hardmax: { ...CPU_FLOAT, gpu: 'softmax' },
  LayerNormalization: { ...CPU_FLOAT, gpu: 'norm' },
  InstanceNormalization: { ...CPU_FLOAT, gpu: 'norm' },
  GroupNormalization: { ...CPU_FLOAT, gpu: 'norm' },
  LpNormalization: CPU_FLOAT,
  MeanVarianceNormalization: CPU_FLOAT,
  LRN: CPU_FLOAT,
  CumSum: CPU_FLOAT,
  TopK: CPU_FLOAT,
  Det: CPU_FLOAT,
  NegativeLogLikelihoodLoss: { ...CPU_FLOAT, gpu: 'loss' },
  SoftmaxCrossEntropyLoss: { ...CPU_FLOAT, gpu: 'loss' },
} as const satisfies Record<keyof ReduceAttrs, OpTraits>;

/**
 * The axes a reduction runs over, normalized and sorted; null where the node passes its input
 * through (no axes and noop_with_empty_axes). Shared by the shape rule and the float kernel.
 */
export function reducedAxes(axes: readonly number[], rank: number, noopWithEmptyAxes: boolean): number[] | null {
  if (axes.length === 0) return noopWithEmptyAxes ? null : Array.from({ length: rank }, (_, i) => i);
  const out = [...new Set(axes.map((a) => normAxis(a, rank)))].sort((a, b) => a - b);
  if (out.some((a) => a < 0 || a >= rank)) throw new RangeError(`axes [${axes}] out of range for rank ${rank}`);
  return out;
}

/** The output dims once `axes` are reduced: kept as 1s, or dropped. */
export function reducedDims<D>(x: readonly D[], axes: readonly number[], keepdims: boolean, one: D): D[] {
  return keepdims ? x.map((d, i) => (axes.includes(i) ? one : d)) : x.filter((_, i) => !axes.includes(i));
}

export type AxesReduceOp =
  | 'ReduceSum'
  | 'ReduceMean'
  | 'ReduceMax'
  | 'ReduceMin'
  | 'ReduceProd'
  | 'ReduceL1'
  | 'ReduceL2'
  | 'ReduceLogSum'
  | 'ReduceLogSumExp'
  | 'ReduceSumSquare';

const axesReduce: ShapeRule<AxesReduceOp> = (node, x, inputs) => {
  const given = node.inputs[1] ? inputs.values(1) : [];
  // Axes that data decides: the rank is known only when it is kept.
  if (!given) return [node.attrs.keepdims ? x.map(() => UNKNOWN) : undefined];
  const axes = reducedAxes(given, x.length, node.attrs.noopWithEmptyAxes);
  return [axes ? reducedDims<Dim>(x, axes, node.attrs.keepdims, 1) : x];
};

/** The loss per target ([N, d1..dk]) without reduction, else a scalar; log_prob is the scores' shape. */
const loss: ShapeRule<'NegativeLogLikelihoodLoss' | 'SoftmaxCrossEntropyLoss'> = (node, x) => [
  node.attrs.reduction === 'none' ? [x[0]!, ...x.slice(2)] : [],
  x,
];

const argReduce: ShapeRule<'ArgMax' | 'ArgMin'> = (node, x) => [reducedDims<Dim>(x, [normAxis(node.attrs.axis, x.length)], node.attrs.keepdims, 1)];

export const REDUCE_SHAPES: ShapeRules<keyof ReduceAttrs> = {
  ReduceSum: axesReduce,
  ReduceMean: axesReduce,
  ReduceMax: axesReduce,
  ReduceMin: axesReduce,
  ReduceProd: axesReduce,
  ReduceL1: axesReduce,
  ReduceL2: axesReduce,
  ReduceLogSum: axesReduce,
  ReduceLogSumExp: axesReduce,
  ReduceSumSquare: axesReduce,
  ArgMax: argReduce,
  ArgMin: argReduce,
  LayerNormalization: (node, x) => {
    const axis = normAxis(node.attrs.axis, x.length);
    const stats = x.map((d, i) => (i < axis ? d : 1));
    return [x, stats, stats];
  },
  TopK: (node, x, inputs) => {
    const k = inputs.values(1)?.[0];
    const out = [...x];
    out[normAxis(node.attrs.axis, x.length)] = isNum(k) ? k : UNKNOWN;
    return [out, out];
  },
  Det: (_node, x) => [x.slice(0, -2)],
  NegativeLogLikelihoodLoss: loss,
  SoftmaxCrossEntropyLoss: loss,
};
