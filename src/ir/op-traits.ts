// What each IR op is to the stages that treat ops by kind: the NHWC pass, calibration, the int8
// quantizer, QDQ import and the fp32 GPU planner. One row per op, and `satisfies Record<OpType, …>`
// makes a new OpType without a row a compile error; the stages switch over these values
// exhaustively, so a new op (or a new kind) cannot fall silently into someone's default.

import type { Node, OpType } from './graph.ts';
import { FLOAT_ONLY, LAYOUT, LUT, type OpTraits } from './op-kinds.ts';
import { CONTROL_TRAITS } from './ops/control.ts';
import { ELEMENTWISE_TRAITS } from './ops/elementwise.ts';
import { INDEXING_TRAITS } from './ops/indexing.ts';
import { REDUCE_TRAITS } from './ops/reduce.ts';
import { RECURRENT_TRAITS } from './ops/recurrent.ts';
import { QUANTIZE_TRAITS } from './ops/quantize.ts';
import { SIGNAL_TRAITS } from './ops/signal.ts';
import { SPATIAL_TRAITS } from './ops/spatial.ts';

export type { FloatGpu, Int8Form, NhwcRole, OpTraits } from './op-kinds.ts';

export const OP_TRAITS = {
  BatchNormalization: { nhwc: 'nchw', ...FLOAT_ONLY, gpu: 'binary' },
  Relu: { nhwc: 'elementwise', int8: 'clamp', givenSameQParams: true, valuesFromInput: true, showsInputs: 'none', gpu: 'unary' },
  LeakyRelu: { nhwc: 'elementwise', ...LUT, gpu: 'unary' },
  Sigmoid: { nhwc: 'elementwise', ...LUT, showsInputs: 'first', gpu: 'unary' },
  HardSigmoid: { nhwc: 'elementwise', ...LUT, gpu: 'unary' },
  HardSwish: { nhwc: 'elementwise', ...LUT, gpu: 'unary' },
  Clip: { nhwc: 'elementwise', int8: 'clamp', givenSameQParams: true, valuesFromInput: true, showsInputs: 'none', gpu: 'unary' },
  Add: { nhwc: 'broadcast', int8: 'add', givenSameQParams: false, valuesFromInput: false, showsInputs: 'none', gpu: 'binary' },
  // x − c, x / c: tables (Q20); of two activations, float.
  Sub: { nhwc: 'broadcast', ...LUT, gpu: 'binary' },
  Mul: { nhwc: 'broadcast', int8: 'mul', givenSameQParams: false, valuesFromInput: false, showsInputs: 'none', gpu: 'binary' },
  Div: { nhwc: 'broadcast', ...LUT, gpu: 'binary' },
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
  Gather: { nhwc: 'nchw', ...FLOAT_ONLY, gpu: 'gather' },
  ...ELEMENTWISE_TRAITS,
  ...REDUCE_TRAITS,
  ...INDEXING_TRAITS,
  ...SPATIAL_TRAITS,
  ...RECURRENT_TRAITS,
  ...CONTROL_TRAITS,
  ...SIGNAL_TRAITS,
  ...QUANTIZE_TRAITS,
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
