// Elementwise float32 nodes → kernels: Add / Sub / Mul / Div with numpy broadcasting (binary_f32;
// either operand may be a constant, uploaded as data), and every float function of one tensor
// (unary_f32, the op chosen by the OP override from the UNARY_OPS table).

import type { Node } from '../../ir/graph.ts';
import { sizeOf, type Tensor } from '../../ir/tensor.ts';
import { broadcastShapes } from '../../ref/float/broadcast.ts';
import type { PlannedKernel } from '../conv.ts';
import { innermostFirst } from '../packed-shape.ts';
import { dispatchFor, uniformWords, WORKGROUP_SIZE } from '../spec.ts';
import { boundBits, broadcastStrides, floatBits, operandBinding, scalarInput } from './common.ts';

export const BINARY_OPS = { Add: 0, Sub: 1, Mul: 2, Div: 3 } as const;
export type BinaryOpType = keyof typeof BINARY_OPS;

/** The shader's BROADCAST mode: 0 one to one, 1 strided broadcasting, 2 b is one element, 3 a is. */
function binaryIndexing(aShape: readonly number[], bShape: readonly number[], outputShape: readonly number[]): number {
  const full = (s: readonly number[]) => s.length === outputShape.length && s.every((d, i) => d === outputShape[i]);
  if (full(aShape) && full(bShape)) return 0;
  if (full(aShape) && sizeOf(bShape) === 1) return 2;
  if (full(bShape) && sizeOf(aShape) === 1) return 3;
  return 1;
}

/**
 * Uniforms (28 words): total, dispatch width, rank, 0 | output dims ×8 (innermost first,
 * 1-padded) | a element strides ×8 | b element strides ×8 (0 along broadcast axes).
 * Overrides: OP (0 Add, 1 Sub, 2 Mul, 3 Div), BROADCAST (binaryIndexing).
 */
export function binaryF32Kernel(
  node: Extract<Node, { op: BinaryOpType }>,
  aShape: readonly number[],
  bShape: readonly number[],
  constants: ReadonlyMap<string, Tensor>,
): PlannedKernel {
  const outputShape = broadcastShapes(aShape, bShape);
  const what = `${node.op} "${node.name}"`;
  const total = sizeOf(outputShape);
  const { workgroups, width } = dispatchFor(total);
  return {
    spec: {
      label: node.name,
      shader: 'binary_f32',
      constants: { WORKGROUP_SIZE, OP: BINARY_OPS[node.op], BROADCAST: binaryIndexing(aShape, bShape, outputShape) },
      uniforms: uniformWords([
        total, width, outputShape.length, 0,
        ...innermostFirst(outputShape, 1, what),
        ...innermostFirst(broadcastStrides(aShape, outputShape), 0, what),
        ...innermostFirst(broadcastStrides(bShape, outputShape), 0, what),
      ]),
      storage: [operandBinding(node, 0, constants), operandBinding(node, 1, constants), { tensor: node.outputs[0]!, write: true }],
      workgroups,
    },
    outputShape,
  };
}

/** The unary_f32 OP code of each op (the table is in shaders/unary_f32.wgsl). Gelu and Cast pick theirs by attribute. */
export const UNARY_OPS = {
  Relu: 0, Clip: 1, Sigmoid: 2, HardSwish: 3, HardSigmoid: 4, LeakyRelu: 5, Abs: 6, Neg: 7, Exp: 8, Log: 9, Sqrt: 10,
  Reciprocal: 11, Floor: 12, Ceil: 13, Round: 14, Sign: 15, Erf: 16, Tanh: 17, Sin: 18, Cos: 19, Tan: 20, Asin: 21,
  Acos: 22, Atan: 23, Sinh: 24, Cosh: 25, Asinh: 26, Acosh: 27, Atanh: 28, Softplus: 29, Softsign: 30, Mish: 31,
  Elu: 32, Selu: 33, Celu: 34, ThresholdedRelu: 35, Gelu: 36, Shrink: 38, Cast: 39,
} as const;
export type UnaryOpType = keyof typeof UNARY_OPS;
const GELU_TANH = 37;

/** alpha, beta of the unary kernel's uniforms, as the op reads them. */
function unaryParams(node: Node, constants: ReadonlyMap<string, Tensor>): [number, number] {
  switch (node.op) {
    case 'Clip':
      return [boundBits(scalarInput(node, 1, constants, -Infinity)), boundBits(scalarInput(node, 2, constants, Infinity))];
    case 'HardSigmoid':
      return [floatBits(node.attrs.alpha), floatBits(node.attrs.beta)];
    case 'LeakyRelu':
    case 'Elu':
    case 'Celu':
    case 'ThresholdedRelu':
      return [floatBits(node.attrs.alpha), 0];
    case 'Selu':
      return [floatBits(node.attrs.alpha), floatBits(node.attrs.gamma)];
    case 'Shrink':
      return [floatBits(node.attrs.lambd), floatBits(node.attrs.bias)];
    default:
      return [0, 0];
  }
}

/**
 * Uniforms (4 words): total, dispatch width, alpha, beta (f32 bits: Clip's min and max,
 * HardSigmoid's alpha and beta, LeakyRelu's alpha). Override OP (see UNARY_OPS).
 */
export function unaryF32Kernel(node: Extract<Node, { op: UnaryOpType }>, inputShape: readonly number[], constants: ReadonlyMap<string, Tensor>): PlannedKernel {
  const total = sizeOf(inputShape);
  const { workgroups, width } = dispatchFor(total);
  return {
    spec: {
      label: node.name,
      shader: 'unary_f32',
      constants: { WORKGROUP_SIZE, OP: node.op === 'Gelu' && node.attrs.approximate === 'tanh' ? GELU_TANH : UNARY_OPS[node.op] },
      uniforms: uniformWords([total, width, ...unaryParams(node, constants)]),
      storage: [{ tensor: node.inputs[0]! }, { tensor: node.outputs[0]!, write: true }],
      workgroups,
    },
    outputShape: [...inputShape],
  };
}
