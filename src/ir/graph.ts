// The graph: plain data that every stage reads and the passes rewrite.
// Ops follow ONNX semantics (NCHW unless a node says `layout: 'NHWC'`); attributes are resolved
// at import into the typed records below, so no later stage parses ONNX attributes again.

import type { ControlAttrs } from './ops/control.ts';
import type { ElementwiseAttrs } from './ops/elementwise.ts';
import type { IndexingAttrs } from './ops/indexing.ts';
import type { RecurrentAttrs } from './ops/recurrent.ts';
import type { ReduceAttrs } from './ops/reduce.ts';
import type { QuantizeAttrs } from './ops/quantize.ts';
import type { SignalAttrs } from './ops/signal.ts';
import type { SpatialAttrs } from './ops/spatial.ts';
import type { DType, Tensor } from './tensor.ts';

/** A symbolic dimension (e.g. "batch") is kept as its name. */
export type Dim = number | string;

export interface ValueInfo {
  name: string;
  dtype: DType;
  shape: Dim[];
}

export type Layout = 'NCHW' | 'NHWC';
export type AutoPad = 'NOTSET' | 'SAME_UPPER' | 'SAME_LOWER' | 'VALID';

/** Fused output activation of a Conv or Gemm: the result is clamped to [min, max]. */
export interface Clamp {
  min: number;
  max: number;
  /**
   * Per-output-channel upper bounds, in place of `max` (which is then their maximum): a ReLU6
   * whose channels cross-layer equalization rescaled (src/passes/equalize.ts, (E1)).
   */
  channelMax?: Float32Array;
}

/** The upper bound of output channel `c` under a clamp. */
export const channelUpperBound = (clamp: Clamp, c: number): number => clamp.channelMax?.[c] ?? clamp.max;

export type { ConvAttrs, PoolAttrs } from './ops/spatial.ts';

/**
 * Every IR op's attributes. The op families (ir/ops/*.ts) each give theirs: an op is added in its
 * family's files (attributes, traits, shape rule here in ir/ops; converter in import/onnx-*.ts;
 * float kernel in ref/float/*-ops.ts), and the compiler finds every table that lacks it.
 */
export interface AttrsByOp extends ControlAttrs, ElementwiseAttrs, ReduceAttrs, IndexingAttrs, SpatialAttrs, RecurrentAttrs, SignalAttrs, QuantizeAttrs {
  BatchNormalization: { epsilon: number };
  Relu: Record<string, never>;
  LeakyRelu: { alpha: number };
  Sigmoid: Record<string, never>;
  HardSigmoid: { alpha: number; beta: number };
  HardSwish: Record<string, never>;
  /** min and max are inputs 1 and 2 (ONNX 11+), '' when omitted. */
  Clip: Record<string, never>;
  Add: Record<string, never>;
  Sub: Record<string, never>;
  Mul: Record<string, never>;
  Div: Record<string, never>;
  Gemm: { transA: boolean; transB: boolean; alpha: number; beta: number; clamp: Clamp | null };
  MatMul: Record<string, never>;
  Flatten: { axis: number };
  Reshape: { allowZero: boolean };
  Transpose: { perm: number[] | null };
  Concat: { axis: number };
  /** `coerce2d`: opset < 13 semantics, softmax over all dims from `axis` on, flattened. */
  Softmax: { axis: number; coerce2d: boolean };
  Identity: Record<string, never>;
  Dropout: Record<string, never>;
  /** Inputs: data, pads, constant value?, axes? (the ONNX 18 form). */
  Pad: { mode: 'constant' | 'reflect' | 'edge' };
  /** Axes are input 1 (ONNX 13 form; opset 11 attributes become constants at import). */
  Squeeze: Record<string, never>;
  Unsqueeze: Record<string, never>;
  Shape: { start: number; end: number | null };
  Gather: { axis: number };
}

export type OpType = keyof AttrsByOp;

export interface NodeOf<Op extends OpType> {
  op: Op;
  name: string;
  /** Tensor names; '' marks an omitted optional input, as in ONNX. */
  inputs: string[];
  outputs: string[];
  attrs: AttrsByOp[Op];
}

export type Node = { [Op in OpType]: NodeOf<Op> }[OpType];

export interface Graph {
  name: string;
  inputs: ValueInfo[];
  outputs: ValueInfo[];
  /** Constant tensors: weights, biases and folded constants. */
  initializers: Map<string, Tensor>;
  /** Topologically ordered. */
  nodes: Node[];
}

export function isOp<Op extends OpType>(node: Node, op: Op): node is Extract<Node, { op: Op }> {
  return node.op === op;
}
