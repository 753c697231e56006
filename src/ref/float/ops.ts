// The float reference's kernel table: one entry per IR op, each a pure function of its inputs.
// The op families' kernels are in ./*-ops.ts; the ops here are the original core set.

import type { OpType } from '../../ir/graph.ts';
import { scalarValues, type Tensor } from '../../ir/tensor.ts';
import { controlKernels } from './control-ops.ts';
import { elementwiseKernels } from './elementwise-ops.ts';
import { binary, clip, hardSigmoid, hardSwish, leakyRelu, mapUnary, relu, sigmoid } from './elementwise.ts';
import { indexingKernels } from './indexing-ops.ts';
import { need, values, type Inputs, type Kernel } from './kernel.ts';
import { gemm, matmul } from './matmul.ts';
import { batchNorm, softmax } from './norm.ts';
import { recurrentKernels } from './recurrent-ops.ts';
import { reduceKernels } from './reduce-ops.ts';
import { concat, flatten, gather, pad, reshape, shapeOf, squeeze, transpose, unsqueeze } from './shape-ops.ts';
import { quantizeKernels } from './quantize-ops.ts';
import { signalKernels } from './signal-ops.ts';
import { spatialKernels } from './spatial-ops.ts';

const unary = (f: (v: number) => number) => (inputs: Inputs): Tensor[] => [mapUnary(need(inputs, 0), f)];

export const floatKernels: { [Op in OpType]: Kernel<Op> } = {
  BatchNormalization: (i, a) => [batchNorm(need(i, 0), need(i, 1), need(i, 2), need(i, 3), need(i, 4), a.epsilon)],
  Relu: unary(relu),
  LeakyRelu: (i, a) => [mapUnary(need(i, 0), leakyRelu(a.alpha))],
  Sigmoid: unary(sigmoid),
  HardSigmoid: (i, a) => [mapUnary(need(i, 0), hardSigmoid(a.alpha, a.beta))],
  HardSwish: unary(hardSwish),
  Clip: (i) => [mapUnary(need(i, 0), clip(i[1]?.data[0] ?? -Infinity, i[2]?.data[0] ?? Infinity))],
  Add: (i) => [binary('Add', need(i, 0), need(i, 1))],
  Sub: (i) => [binary('Sub', need(i, 0), need(i, 1))],
  Mul: (i) => [binary('Mul', need(i, 0), need(i, 1))],
  Div: (i) => [binary('Div', need(i, 0), need(i, 1))],
  Gemm: (i, a) => [gemm(need(i, 0), need(i, 1), i[2], a)],
  MatMul: (i) => [matmul(need(i, 0), need(i, 1))],
  Flatten: (i, a) => [flatten(need(i, 0), a.axis)],
  Reshape: (i, a) => [reshape(need(i, 0), scalarValues(need(i, 1)), a.allowZero)],
  Transpose: (i, a) => [transpose(need(i, 0), a.perm)],
  Concat: (i, a) => [concat(i.filter((t): t is Tensor => t !== undefined), a.axis)],
  Softmax: (i, a) => [softmax(need(i, 0), a.axis, a.coerce2d)],
  Identity: (i) => [need(i, 0)],
  Dropout: (i) => [need(i, 0)],
  Pad: (i, a) => [pad(need(i, 0), scalarValues(need(i, 1)), i[2]?.data[0] ?? 0, a.mode, values(i[3]))],
  Squeeze: (i) => [squeeze(need(i, 0), values(i[1]))],
  Unsqueeze: (i) => [unsqueeze(need(i, 0), scalarValues(need(i, 1)))],
  Shape: (i, a) => [shapeOf(need(i, 0), a.start, a.end)],
  Gather: (i, a) => [gather(need(i, 0), need(i, 1), a.axis)],
  ...spatialKernels,
  ...elementwiseKernels,
  ...reduceKernels,
  ...indexingKernels,
  ...recurrentKernels,
  ...controlKernels,
  ...signalKernels,
  ...quantizeKernels,
};
