// Node → fp32 kernels: the one table the float plan consults (src/plan/float-plan.ts). A node
// becomes one or more dispatches, or (an op that keeps the element order) an alias of its input.

import type { Node } from '../../ir/graph.ts';
import type { Tensor } from '../../ir/tensor.ts';
import type { FloatStep } from '../../quant/program.ts';
import type { PlannedKernel } from '../conv.ts';
import { softmaxKernel } from '../elementwise.ts';
import type { PlannedStep } from '../registry.ts';
import { concatF32Kernels } from './concat.ts';
import { convF32Kernel, gemmF32Kernel, matmulF32Kernel } from './conv.ts';
import { binaryF32Kernel, unaryF32Kernel } from './elementwise.ts';
import { isFloatTransposeAlias, padF32Kernel, transposeF32Kernel, transposeShape } from './layout.ts';
import { globalPoolF32Kernel, poolF32Kernel } from './pool.ts';

/** Ops whose output is their input's elements in the same order: aliases, never dispatches. */
export const FLOAT_ALIAS_OPS: ReadonlySet<string> = new Set(['Reshape', 'Flatten', 'Squeeze', 'Unsqueeze', 'Identity', 'Dropout']);

/** Every op the GPU float path runs. */
export const FLOAT_GPU_OPS: ReadonlySet<string> = new Set([
  ...FLOAT_ALIAS_OPS,
  'Conv', 'Gemm', 'MatMul', 'MaxPool', 'AveragePool', 'GlobalAveragePool', 'GlobalMaxPool',
  'Add', 'Sub', 'Mul', 'Div', 'Relu', 'Clip', 'Sigmoid', 'HardSwish', 'HardSigmoid', 'LeakyRelu',
  'Concat', 'Transpose', 'Softmax', 'Pad',
]);

const one = ({ spec, outputShape }: PlannedKernel): PlannedStep => ({ specs: [spec], outputShape });

/**
 * `inputShapes[i]`: the static shape of node input i (constants included; undefined for an
 * omitted input). `inferred`: the output shape from the IR's shape inference, which the alias
 * ops take as theirs. Throws (without naming the node: the plan adds that) when the node's use
 * of its op has no GPU float kernel.
 */
export function planFloatNode(
  node: Node,
  inputShapes: readonly (readonly number[] | undefined)[],
  constants: ReadonlyMap<string, Tensor>,
  inferred: readonly number[] | undefined,
): PlannedStep {
  const shape = (i: number): number[] => {
    const s = inputShapes[i];
    if (!s) throw new RangeError(`input ${i} is required`);
    return [...s];
  };
  // Only the binary ops and Concat bind constants as data; every other op reads activations.
  if (!['Add', 'Sub', 'Mul', 'Div', 'Concat'].includes(node.op) && constants.has(node.inputs[0] ?? '')) {
    throw new RangeError(`its data input "${node.inputs[0]}" is a constant (fold constants first)`);
  }
  if (FLOAT_ALIAS_OPS.has(node.op)) {
    if (!inferred) throw new RangeError('its output shape is not static');
    return { alias: node.inputs[0]!, outputShape: [...inferred] };
  }
  switch (node.op) {
    case 'Conv':
      return one(convF32Kernel(node, shape(0), constants));
    case 'Gemm':
      return one(gemmF32Kernel(node, shape(0), constants));
    case 'MatMul':
      return one(matmulF32Kernel(node, shape(0), constants));
    case 'MaxPool':
    case 'AveragePool':
      return one(poolF32Kernel(node, shape(0)));
    case 'GlobalAveragePool':
    case 'GlobalMaxPool':
      return one(globalPoolF32Kernel(node, shape(0)));
    case 'Add':
    case 'Sub':
    case 'Mul':
    case 'Div':
      return one(binaryF32Kernel(node, shape(0), shape(1), constants));
    case 'Relu':
    case 'Clip':
    case 'Sigmoid':
    case 'HardSwish':
    case 'HardSigmoid':
    case 'LeakyRelu':
      return one(unaryF32Kernel(node, shape(0), constants));
    case 'Concat':
      return concatF32Kernels(node, node.inputs.map((_, i) => shape(i)), constants);
    case 'Transpose': {
      const x = shape(0);
      const { perm, outputShape } = transposeShape(node, x);
      return isFloatTransposeAlias(x, perm) ? { alias: node.inputs[0]!, outputShape } : one(transposeF32Kernel(node, x));
    }
    case 'Pad': {
      if (!inferred) throw new RangeError('its output shape is not static');
      return one(padF32Kernel(node, shape(0), inferred, constants));
    }
    case 'Softmax': {
      const step: FloatStep = { op: 'float', name: node.name, node };
      return one(softmaxKernel(step, shape(0)));
    }
    default:
      throw new RangeError('no GPU float kernel for this op');
  }
}
