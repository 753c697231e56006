// Elementwise float32 nodes → kernels: Add / Sub / Mul / Div with numpy broadcasting (binary_f32;
// either operand may be a constant, uploaded as data), and every float function of one tensor
// (unary_f32, the op chosen by the OP override from the UNARY_OPS table).

import type { Node } from '../../ir/graph.ts';
import { sizeOf, type Tensor } from '../../ir/tensor.ts';
import { broadcastShapes } from '../../ref/float/broadcast.ts';
import type { PlannedKernel } from '../conv.ts';
import { innermostFirst } from '../packed-shape.ts';
import { dispatchFor, WORKGROUP_SIZE, type KernelSpec, type StorageBinding } from '../spec.ts';
import { uniformStruct } from '../uniforms.ts';
import { boundBits, broadcastStrides, collapseAxes, floatBits, operandBinding, rowElements, scalarInput } from './common.ts';

/** The binary_f32 OP code of each op (the table is in shaders/binary_f32.wgsl); Mod picks fmod by attribute. */
export const BINARY_OPS = {
  Add: 0, Sub: 1, Mul: 2, Div: 3, Pow: 4, Max: 5, Min: 6, Mod: 7, PRelu: 9, Equal: 10, Less: 11, LessOrEqual: 12,
  Greater: 13, GreaterOrEqual: 14, And: 15, Or: 16, Xor: 17, Sum: 0, Mean: 0,
  // Chains of the codes above and below (binaryChainKernels).
  Where: -1, BatchNormalization: -1,
} as const;
export type BinaryOpType = keyof typeof BINARY_OPS;
/** Output elements a binary_f32 invocation computes (SwiftShader's cost is mostly per invocation). */
const BINARY_ELEMENTS = 4;
const FMOD = 8;
const MEAN_STEP = 18;
const INTEGER_POW = 19;
const WHERE_TRUE = 20;
const WHERE_FALSE = 21;

/** The shader's BROADCAST mode: 0 one to one, 1 strided broadcasting, 2 b is one element, 3 a is. */
function binaryIndexing(aShape: readonly number[], bShape: readonly number[], outputShape: readonly number[]): number {
  const full = (s: readonly number[]) => s.length === outputShape.length && s.every((d, i) => d === outputShape[i]);
  if (full(aShape) && full(bShape)) return 0;
  if (full(aShape) && sizeOf(bShape) === 1) return 2;
  if (full(bShape) && sizeOf(aShape) === 1) return 3;
  return 1;
}

/** One operand of a dispatch: a tensor (activation or constant) and its shape. */
interface Operand {
  binding: StorageBinding;
  shape: readonly number[];
}

/**
 * One binary_f32 dispatch. Uniforms (28 words): total, dispatch width, rank, scale (f32 bits) |
 * output dims ×8 (innermost first, 1-padded) | a element strides ×8 | b element strides ×8 (0
 * along broadcast axes). Overrides: OP (BINARY_OPS), BROADCAST (binaryIndexing), ELEMENTS.
 */
function binarySpec(label: string, op: number, a: Operand, b: Operand, output: string, scale = 1): { spec: KernelSpec; outputShape: number[] } {
  const outputShape = broadcastShapes(a.shape, b.shape);
  const what = `"${label}"`;
  const total = sizeOf(outputShape);
  const broadcast = binaryIndexing(a.shape, b.shape, outputShape);
  const walk = collapseAxes(outputShape, [broadcastStrides(a.shape, outputShape), broadcastStrides(b.shape, outputShape)]);
  // Broadcasting, an invocation's elements share an innermost row (the shader steps them by the
  // innermost strides).
  const elements = broadcast === 1 ? rowElements(walk.shape.at(-1) ?? 1) : BINARY_ELEMENTS;
  const { workgroups, width } = dispatchFor(Math.ceil(total / elements));
  return {
    spec: {
      label,
      shader: 'binary_f32',
      constants: { WORKGROUP_SIZE, OP: op, BROADCAST: broadcast, ELEMENTS: elements },
      uniforms: uniformStruct({
        total, dispatch_width: width, rank: walk.shape.length, scale: floatBits(scale),
        out_shape: innermostFirst(walk.shape, 1, what),
        a_strides: innermostFirst(walk.strides[0]!, 0, what),
        b_strides: innermostFirst(walk.strides[1]!, 0, what),
      }),
      storage: [a.binding, b.binding, { tensor: output, write: true }],
      workgroups,
    },
    outputShape,
  };
}

/**
 * A 1-D PRelu slope that does not broadcast numpy's way but matches exactly one of X's dims is
 * that axis's (opset < 7's per-channel slope), as the reference's alignSlope takes it.
 */
function preluSlopeShape(xShape: readonly number[], slope: readonly number[]): readonly number[] {
  if (slope.length !== 1) return slope;
  const d = slope[0]!;
  if (d === 1 || d === xShape[xShape.length - 1]) return slope;
  const axes = xShape.flatMap((n, i) => (n === d ? [i] : []));
  return axes.length === 1 ? xShape.map((n, i) => (i === axes[0] ? n : 1)) : slope;
}

/** A temporary tensor a multi-dispatch node writes between its dispatches (the plan gives it memory). */
export interface TempTensor {
  name: string;
  shape: number[];
}

/**
 * Elementwise ops of two tensors, numpy broadcasting, either operand possibly a constant; and the
 * variadic Sum / Mean / Max / Min as a chain of dispatches through temporaries (one input: an
 * alias). Comparisons and logic write bools as f32 0 / 1.
 */
export function binaryF32Kernels(
  node: Extract<Node, { op: BinaryOpType }>,
  shapes: readonly (readonly number[])[],
  constants: ReadonlyMap<string, Tensor>,
  allowTemps: boolean,
): { specs: KernelSpec[]; outputShape: number[]; temps: TempTensor[] } | { alias: string; outputShape: number[] } {
  if (node.op === 'Where' || node.op === 'BatchNormalization') {
    if (!allowTemps) throw new RangeError('a chain of dispatches through temporaries, which this caller gives no memory');
    return binaryChainKernels(node, shapes, constants);
  }
  const operands: Operand[] = node.inputs.map((_, i) => ({ binding: operandBinding(node, i, constants), shape: shapes[i]! }));
  if (operands.length === 1) return { alias: node.inputs[0]!, outputShape: [...shapes[0]!] };
  if (operands.length < 2) throw new RangeError('it has no inputs');
  if (operands.length > 2 && !allowTemps) throw new RangeError(`${operands.length} inputs (a chain of dispatches through temporaries, which this caller gives no memory)`);
  const output = node.outputs[0]!;
  if (node.op === 'PRelu') operands[1] = { ...operands[1]!, shape: preluSlopeShape(operands[0]!.shape, operands[1]!.shape) };
  // Pow's output has its base's type: an integer base (a constant: the GPU computes no integer
  // tensor Pow could take) makes the power an integer.
  const base = constants.get(node.inputs[0] ?? '');
  const integerPow = node.op === 'Pow' && base !== undefined && base.dtype !== 'float32' && base.dtype !== 'float64';
  const op = node.op === 'Mod' && node.attrs.fmod ? FMOD : integerPow ? INTEGER_POW : BINARY_OPS[node.op];
  const specs: KernelSpec[] = [];
  const temps: TempTensor[] = [];
  let acc = operands[0]!;
  for (let i = 1; i < operands.length; i++) {
    const last = i === operands.length - 1;
    const mean = node.op === 'Mean' && last;
    const target = last ? output : `${output}#${i}`;
    const made = binarySpec(operands.length > 2 ? `${node.name}#${i}` : node.name, mean ? MEAN_STEP : op, acc, operands[i]!, target, mean ? 1 / operands.length : 1);
    specs.push(made.spec);
    if (!last) temps.push({ name: target, shape: made.outputShape });
    acc = { binding: { tensor: target }, shape: made.outputShape };
  }
  if (node.op === 'PRelu' && acc.shape.join() !== shapes[0]!.join()) throw new RangeError(`its slope [${shapes[1]}] does not broadcast to X [${shapes[0]}]`);
  return { specs, outputShape: [...acc.shape], temps };
}

/**
 * Ops as chains of binary_f32 dispatches through temporaries:
 *  - Where(c, x, y) = (c ? x : 0) + (c ? 0 : y): selects, never arithmetic on the unselected
 *    side (an Inf or NaN there stays out); bools are f32 0 / 1, nonzero true.
 *  - BatchNormalization (inference) = (x − mean) / (var + ε)^½ · scale + bias, the per-channel
 *    operands [C] broadcast as [C, 1, …] along axis 1.
 *  - Clip(x, min, max) with bounds that are not constants = Min(Max(x, min), max).
 */
export function binaryChainKernels(
  node: Extract<Node, { op: 'Where' | 'BatchNormalization' | 'Clip' }>,
  shapes: readonly (readonly number[] | undefined)[],
  constants: ReadonlyMap<string, Tensor>,
): { specs: KernelSpec[]; outputShape: number[]; temps: TempTensor[] } {
  const output = node.outputs[0]!;
  const input = (i: number, shape?: readonly number[]): Operand => {
    const s = shapes[i];
    if (!s) throw new RangeError(`input ${i} is required`);
    return { binding: operandBinding(node, i, constants), shape: shape ?? s };
  };
  const scalar = (v: number, label: string): Operand => ({ binding: { data: new Float32Array([v]), label: `${node.name}/${label}` }, shape: [] });
  // Each step: op, a, b; an operand given as a number is the result of that earlier step.
  const run = (plan: [op: number, a: Operand | number, b: Operand | number][]) => {
    const specs: KernelSpec[] = [];
    const temps: TempTensor[] = [];
    const results: Operand[] = [];
    const at = (o: Operand | number) => (typeof o === 'number' ? results[o]! : o);
    let outputShape: number[] = [];
    plan.forEach(([op, a, b], k) => {
      const last = k === plan.length - 1;
      const target = last ? output : `${output}#${k}`;
      const made = binarySpec(`${node.name}#${k}`, op, at(a), at(b), target);
      specs.push(made.spec);
      if (!last) temps.push({ name: target, shape: made.outputShape });
      results.push({ binding: { tensor: target }, shape: made.outputShape });
      outputShape = made.outputShape;
    });
    return { specs, outputShape, temps };
  };
  switch (node.op) {
    case 'Where':
      return run([[WHERE_TRUE, input(0), input(1)], [WHERE_FALSE, input(0), input(2)], [BINARY_OPS.Add, 0, 1]]);
    case 'BatchNormalization': {
      const x = shapes[0];
      if (!x || x.length < 2) throw new RangeError('its input has no channel axis');
      const perChannel = [x[1]!, ...new Array<number>(x.length - 2).fill(1)];
      const channel = (i: number): Operand => {
        const s = shapes[i];
        if (!s || sizeOf(s) !== x[1]) throw new RangeError(`input ${i} must hold ${x[1]} values (one per channel)`);
        return input(i, perChannel);
      };
      return run([
        [BINARY_OPS.Sub, input(0), channel(3)],
        [BINARY_OPS.Add, channel(4), scalar(node.attrs.epsilon, 'epsilon')],
        [BINARY_OPS.Pow, 1, scalar(0.5, 'half')],
        [BINARY_OPS.Div, 0, 2],
        [BINARY_OPS.Mul, 3, channel(1)],
        [BINARY_OPS.Add, 4, channel(2)],
      ]);
    }
    case 'Clip': {
      const plan: [number, Operand | number, Operand | number][] = [];
      if ((node.inputs[1] ?? '') !== '') plan.push([BINARY_OPS.Max, input(0), input(1)]);
      if ((node.inputs[2] ?? '') !== '') plan.push([BINARY_OPS.Min, plan.length > 0 ? 0 : input(0), input(2)]);
      if (plan.length === 0) throw new RangeError('a Clip with no bounds (an identity the optimizer removes)');
      return run(plan);
    }
  }
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
const CAST_TO_BOOL = 40;

/** The OP override of a unary node: its op's code, or the variant its attributes (CastLike: input 1's dtype) pick. */
function unaryOp(node: Extract<Node, { op: UnaryOpType }>, constants: ReadonlyMap<string, Tensor>): number {
  if (node.op === 'Gelu' && node.attrs.approximate === 'tanh') return GELU_TANH;
  if (node.op === 'Cast' && (node.attrs.to ?? constants.get(node.inputs[1] ?? '')?.dtype) === 'bool') return CAST_TO_BOOL;
  return UNARY_OPS[node.op];
}

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
  const [alpha, beta] = unaryParams(node, constants);
  return {
    spec: {
      label: node.name,
      shader: 'unary_f32',
      constants: { WORKGROUP_SIZE, OP: unaryOp(node, constants) },
      uniforms: uniformStruct({ total, dispatch_width: width, alpha, beta }),
      storage: [{ tensor: node.inputs[0]! }, { tensor: node.outputs[0]!, write: true }],
      workgroups,
    },
    outputShape: [...inputShape],
  };
}
