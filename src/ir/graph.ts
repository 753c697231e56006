// The graph: plain data that every stage reads and the passes rewrite.
// Ops follow ONNX semantics (NCHW unless a node says `layout: 'NHWC'`); attributes are resolved
// at import into the typed records below, so no later stage parses ONNX attributes again.

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
}

/** The kernel size is not an attribute: it is read from the weights' shape. */
export interface ConvAttrs {
  strides: [number, number];
  /** [top, left, bottom, right]; ignored unless autoPad is NOTSET. */
  pads: [number, number, number, number];
  autoPad: AutoPad;
  dilations: [number, number];
  group: number;
  layout: Layout;
  clamp: Clamp | null;
}

export interface PoolAttrs {
  kernel: [number, number];
  strides: [number, number];
  pads: [number, number, number, number];
  autoPad: AutoPad;
  dilations: [number, number];
  ceilMode: boolean;
  layout: Layout;
}

export interface AttrsByOp {
  Conv: ConvAttrs;
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
  MaxPool: PoolAttrs;
  AveragePool: PoolAttrs & { countIncludePad: boolean };
  GlobalAveragePool: { layout: Layout };
  GlobalMaxPool: { layout: Layout };
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
  /** TF's DepthToSpace is DCR: output channel c of block (i, j) reads input channel (i·b + j)·C_out + c. */
  DepthToSpace: { blocksize: number; mode: 'DCR' | 'CRD'; layout: Layout };
  /**
   * 2-D resize of the spatial axes; input 1 holds the output [height, width] (not ONNX's
   * roi/scales/sizes form). `coordinates` maps an output pixel to the input as ONNX's
   * coordinate_transformation_mode does (TF: align_corners → 'align_corners',
   * half_pixel_centers → 'half_pixel', neither → 'asymmetric').
   */
  Resize: { mode: 'linear'; coordinates: 'half_pixel' | 'align_corners' | 'asymmetric'; layout: Layout };
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
