// What each IR op is to the stages that treat ops by kind: the NHWC pass, calibration, the int8
// quantizer, QDQ import and the fp32 GPU planner. One row per op, and `satisfies Record<OpType, …>`
// makes a new OpType without a row a compile error; the stages switch over these values
// exhaustively, so a new op (or a new kind) cannot fall silently into someone's default.

import type { Node, OpType } from './graph.ts';

/** What assignNhwcLayout (passes/to-nhwc.ts) does with the op. */
export type NhwcRole =
  /** Runs NHWC on 4-D input (Conv weights become [Cout, kh, kw, Cin/group]). */
  | 'spatial'
  /** Follows its data input into NHWC: elementwise on one tensor (other inputs are scalars). */
  | 'elementwise'
  /** Follows an NHWC operand; constant operands are re-laid out to broadcast the same way. */
  | 'broadcast'
  /** Follows when every input is NHWC; the axis is remapped. */
  | 'concat'
  /** Flatten(axis 1) of a global pool's output: the NHWC twin flattens to the same [N, C]. */
  | 'flatten-pooled'
  /** Stays NCHW: NHWC inputs are transposed back for it. */
  | 'nchw';

/** What quantizeNode (quant/quantize-graph.ts) makes of the op: its int8 step, or float. */
export type Int8Form =
  /** NHWC Conv with constant weights → a conv step (Q5–Q12). */
  | 'conv'
  /** 2-D Gemm / MatMul with constant weights → a gemm step. */
  | 'gemm'
  /** Two activations → an add step (Q13). */
  | 'add'
  /** Activations → a concat step, requantizing inputs that differ (Q16). */
  | 'concat'
  /** NHWC window pool → a maxpool / avgpool step with the input's (s, z) (Q17). */
  | 'pool'
  /** NHWC global pool → a globalavgpool / globalmaxpool step with the input's (s, z) (Q17). */
  | 'global-pool'
  /** Relu / Clip with constant bounds on int8 data → a clamp step, or the preceding Add's bounds (Q18). */
  | 'clamp'
  /** Moves int8 values with constant other inputs → a layout step with the input's (s, z) (Q18). */
  | 'layout'
  /** No int8 form: always a float step between dequantize and quantize (Q14, Q15). */
  | 'float-only';

/** The op's fp32 GPU kernel (kernels/float/registry.ts). */
export type FloatGpu =
  /** Keeps the element order: its output is its input's buffer, no dispatch. */
  | 'alias'
  | 'conv'
  | 'gemm'
  | 'matmul'
  | 'pool'
  | 'global-pool'
  | 'binary'
  | 'unary'
  | 'concat'
  /** A dispatch, or an alias where the permutation keeps the element order. */
  | 'transpose'
  | 'pad'
  | 'softmax'
  /** The GPU float path refuses it (the CPU reference runs it). */
  | 'none';

export interface OpTraits {
  nhwc: NhwcRole;
  int8: Int8Form;
  /**
   * A QDQ model's node runs in int8 where the model gives its input and its output the same
   * (s, z) (quant/qdq-import.ts, givenCovers). Only for the int8 forms that keep (s, z): pool,
   * global-pool, clamp, layout. (Conv/Gemm/MatMul need given weights, Add/Concat given tensors:
   * their rule follows from `int8` alone.)
   */
  givenSameQParams: boolean;
  /**
   * Every value of its float output is a value of its data input (selected, moved, or at a clamp
   * bound), so an output the QDQ model leaves unquantized takes the input's (s, z)
   * (import/onnx-qdq.ts). Averages are not: AveragePool makes new values.
   */
  valuesFromInput: boolean;
  /**
   * Which inputs' values its output still shows, as they are or in order (a monotonic Sigmoid or
   * Softmax): tensors a model output shows through it are calibrated min/max, never clipped
   * (calibrate/calibrator.ts, outputFacingTensors). 'first': the data input; 'all': every input.
   */
  showsInputs: 'none' | 'first' | 'all';
  gpu: FloatGpu;
}

// Shared rows for the ops that are nothing but a move of their input's elements.
const LAYOUT = { int8: 'layout', givenSameQParams: true, valuesFromInput: true, showsInputs: 'first' } as const;
const FLOAT_ONLY = { int8: 'float-only', givenSameQParams: false, valuesFromInput: false, showsInputs: 'none' } as const;

export const OP_TRAITS = {
  Conv: { nhwc: 'spatial', int8: 'conv', givenSameQParams: false, valuesFromInput: false, showsInputs: 'none', gpu: 'conv' },
  BatchNormalization: { nhwc: 'nchw', ...FLOAT_ONLY, gpu: 'none' },
  Relu: { nhwc: 'elementwise', int8: 'clamp', givenSameQParams: true, valuesFromInput: true, showsInputs: 'none', gpu: 'unary' },
  LeakyRelu: { nhwc: 'elementwise', ...FLOAT_ONLY, gpu: 'unary' },
  Sigmoid: { nhwc: 'elementwise', ...FLOAT_ONLY, showsInputs: 'first', gpu: 'unary' },
  HardSigmoid: { nhwc: 'elementwise', ...FLOAT_ONLY, gpu: 'unary' },
  HardSwish: { nhwc: 'elementwise', ...FLOAT_ONLY, gpu: 'unary' },
  Clip: { nhwc: 'elementwise', int8: 'clamp', givenSameQParams: true, valuesFromInput: true, showsInputs: 'none', gpu: 'unary' },
  Add: { nhwc: 'broadcast', int8: 'add', givenSameQParams: false, valuesFromInput: false, showsInputs: 'none', gpu: 'binary' },
  Sub: { nhwc: 'broadcast', ...FLOAT_ONLY, gpu: 'binary' },
  Mul: { nhwc: 'broadcast', ...FLOAT_ONLY, gpu: 'binary' },
  Div: { nhwc: 'broadcast', ...FLOAT_ONLY, gpu: 'binary' },
  MaxPool: { nhwc: 'spatial', int8: 'pool', givenSameQParams: true, valuesFromInput: true, showsInputs: 'none', gpu: 'pool' },
  AveragePool: { nhwc: 'spatial', int8: 'pool', givenSameQParams: true, valuesFromInput: false, showsInputs: 'none', gpu: 'pool' },
  GlobalAveragePool: { nhwc: 'spatial', int8: 'global-pool', givenSameQParams: true, valuesFromInput: false, showsInputs: 'none', gpu: 'global-pool' },
  GlobalMaxPool: { nhwc: 'spatial', int8: 'global-pool', givenSameQParams: true, valuesFromInput: true, showsInputs: 'none', gpu: 'global-pool' },
  Gemm: { nhwc: 'nchw', int8: 'gemm', givenSameQParams: false, valuesFromInput: false, showsInputs: 'none', gpu: 'gemm' },
  MatMul: { nhwc: 'nchw', int8: 'gemm', givenSameQParams: false, valuesFromInput: false, showsInputs: 'none', gpu: 'matmul' },
  Flatten: { nhwc: 'flatten-pooled', ...LAYOUT, gpu: 'alias' },
  Reshape: { nhwc: 'nchw', ...LAYOUT, gpu: 'alias' },
  Transpose: { nhwc: 'nchw', ...LAYOUT, gpu: 'transpose' },
  Concat: { nhwc: 'concat', int8: 'concat', givenSameQParams: false, valuesFromInput: false, showsInputs: 'all', gpu: 'concat' },
  Softmax: { nhwc: 'nchw', ...FLOAT_ONLY, showsInputs: 'first', gpu: 'softmax' },
  // Identity and Dropout are removed by the optimizer (passes/remove-identities.ts) unless they
  // must stay to name a graph output; where they stay, they are moves like the layout ops.
  Identity: { nhwc: 'elementwise', ...LAYOUT, gpu: 'alias' },
  // Dropout does not show its input to calibration, unlike Identity: so it was before the table
  // (the calibrator's list lacked it). It matters only for a Dropout the optimizer keeps, which
  // names a graph output: its input is then calibrated by the method, not min/max.
  Dropout: { nhwc: 'elementwise', ...LAYOUT, showsInputs: 'none', gpu: 'alias' },
  // A constant Pad's int8 step keeps (s, z) and fills with the quantized value (Q18). QDQ import
  // does not admit it (givenSameQParams false: a QDQ model's Pad runs in float), and a pad value
  // is not one of the input's values in general (valuesFromInput false).
  Pad: { nhwc: 'nchw', ...LAYOUT, givenSameQParams: false, valuesFromInput: false, showsInputs: 'none', gpu: 'pad' },
  Squeeze: { nhwc: 'nchw', ...LAYOUT, gpu: 'alias' },
  Unsqueeze: { nhwc: 'nchw', ...LAYOUT, gpu: 'alias' },
  Shape: { nhwc: 'nchw', ...FLOAT_ONLY, gpu: 'none' },
  Gather: { nhwc: 'nchw', ...FLOAT_ONLY, gpu: 'none' },
  DepthToSpace: { nhwc: 'nchw', ...FLOAT_ONLY, gpu: 'none' },
  Resize: { nhwc: 'nchw', ...FLOAT_ONLY, gpu: 'none' },
} as const satisfies Record<OpType, OpTraits>;

type Table = typeof OP_TRAITS;

export const OP_TYPES = Object.keys(OP_TRAITS) as OpType[];

/** Whether `name` (e.g. an ONNX op type) is an IR op. */
export const isOpType = (name: string): name is OpType => Object.hasOwn(OP_TRAITS, name);

/** The ops whose trait `F` is `V` (or one of a union V), as a type. */
export type OpsWith<F extends keyof OpTraits, V extends OpTraits[F]> = { [O in OpType]: Table[O][F] extends V ? O : never }[OpType];

/** The nodes of those ops. */
export type NodeWith<F extends keyof OpTraits, V extends OpTraits[F]> = Extract<Node, { op: OpsWith<F, V> }>;

/**
 * `node` typed as a node of the ops whose trait `field` is `value`: for a switch over
 * OP_TRAITS[node.op][field], where each case hands its handler the node with its ops' types.
 */
export function nodeWith<F extends keyof OpTraits, V extends OpTraits[F]>(node: Node, field: F, value: V): NodeWith<F, V> {
  if (OP_TRAITS[node.op][field] !== value) throw new Error(`${node.op} node "${node.name}": its ${field} trait is ${String(OP_TRAITS[node.op][field])}, not ${String(value)}`);
  return node as NodeWith<F, V>;
}

/** The ops whose traits satisfy `test`, in table order. */
export const opsWhere = (test: (t: OpTraits) => boolean): OpType[] => OP_TYPES.filter((op) => test(OP_TRAITS[op]));

/** A switch over a trait reached a value it has no case for (a compile error first: `value` is never). */
export function unhandledTrait(value: never, field: keyof OpTraits): never {
  throw new Error(`unhandled ${field} trait ${String(value)}`);
}
