// Node → fp32 kernels, for the float plan (src/plan/float-plan.ts) and the float steps of an int8
// plan. Which kernel an op gets is its gpu trait (src/ir/op-traits.ts). A node becomes one or more
// dispatches, or (an op that keeps the element order) an alias of its input.

import type { Node } from '../../ir/graph.ts';
import { nodeWith, OP_TRAITS, unhandledTrait } from '../../ir/op-traits.ts';
import type { Tensor } from '../../ir/tensor.ts';
import type { FloatStep } from '../../quant/program.ts';
import type { PlannedKernel } from '../conv.ts';
import { softmaxKernel } from '../elementwise.ts';
import type { PlannedStep } from '../registry.ts';
import { concatF32Kernels } from './concat.ts';
import { convF32Kernel, gemmF32Kernel, matmulF32Kernel } from './conv.ts';
import { binaryChainKernels, binaryF32Kernels, unaryF32Kernel } from './elementwise.ts';
import { isFloatTransposeAlias, padF32Kernel, transposeF32Kernel, transposeShape } from './layout.ts';
import { gatherF32Kernel, splitF32Kernels } from './indexing.ts';
import { gridSampleF32Kernel } from './grid-sample.ts';
import { dynamicConvKernels, dynamicMatmulKernels, type DynamicMath } from './dynamic.ts';
import { lossF32Kernels } from './loss.ts';
import { generalMatmulF32Kernel } from './matmul.ts';
import { normF32Kernels } from './norm.ts';
import { globalPoolF32Kernel, poolF32Kernel } from './pool.ts';
import { reduceF32Kernel, softmaxF32Kernel } from './reduce.ts';
import { resizeF32Kernels } from './resize.ts';

const one = ({ spec, outputShape }: PlannedKernel): PlannedStep => ({ specs: [spec], outputShape });

/** The dense kernel, or where it refuses the form (a C varying along M ...), the strided product. */
function denseOr(dense: () => PlannedKernel, general: () => PlannedKernel): PlannedKernel {
  try {
    return dense();
  } catch (e) {
    if (!(e instanceof RangeError)) throw e;
    return general();
  }
}

/** A planned node (PlannedStep: its temporaries and extra outputs, which the plan gives memory). */
export type FloatPlannedStep = PlannedStep;

export interface FloatNodeOptions {
  /** Whether the caller gives memory to `temps` and extra outputs (both plans do; kernel tests may not). */
  allowTemps?: boolean;
  /** Whether a tensor is read (by a node or as a graph output): outputs nothing reads get no dispatch. */
  read?: (name: string) => boolean;
  /** The dynamic products' arithmetic (default 'dp4a'). */
  dynamicMath?: DynamicMath;
}

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
  options: FloatNodeOptions = {},
): FloatPlannedStep {
  const { allowTemps = false, read = () => true, dynamicMath = 'dp4a' } = options;
  const shape = (i: number): number[] => {
    const s = inputShapes[i];
    if (!s) throw new RangeError(`input ${i} is required`);
    return [...s];
  };
  // Which kernel is the op's gpu trait (src/ir/op-traits.ts). Only the binary ops and Concat bind
  // constants as data; every other op reads activations.
  const kernel = OP_TRAITS[node.op].gpu;
  // A Gather of run-time indices (token ids) reads a constant table (the embedding) as data.
  const embedding = node.op === 'Gather' && !constants.has(node.inputs[1] ?? '');
  if (kernel !== 'binary' && kernel !== 'concat' && !embedding && constants.has(node.inputs[0] ?? '')) {
    throw new RangeError(`its data input "${node.inputs[0]}" is a constant (fold constants first)`);
  }
  switch (kernel) {
    case 'alias':
      // The output is the input's elements in the same order: an alias, never a dispatch.
      if (!inferred) throw new RangeError('its output shape is not static');
      return { alias: node.inputs[0]!, outputShape: [...inferred] };
    case 'conv':
      return one(convF32Kernel(nodeWith(node, 'gpu', kernel), shape(0), constants));
    // A constant B in the dense kernel's forms: the tiled dense kernel; any other product (B an
    // activation, transA, a C varying along M, batched B): matmul_f32 through strides.
    case 'gemm': {
      const g = nodeWith(node, 'gpu', kernel);
      const dense = constants.has(g.inputs[1] ?? '') && !g.attrs.transA && inputShapes[0]?.length === 2;
      return one(dense ? denseOr(() => gemmF32Kernel(g, shape(0), constants), () => generalMatmulF32Kernel(g, inputShapes, constants)) : generalMatmulF32Kernel(g, inputShapes, constants));
    }
    case 'matmul': {
      const mm = nodeWith(node, 'gpu', kernel);
      const b = constants.get(mm.inputs[1] ?? '');
      const dense = b !== undefined && (b.shape.length === 1 || b.shape.length === 2) && (inputShapes[0]?.length ?? 0) > 0;
      return one(dense ? denseOr(() => matmulF32Kernel(mm, shape(0), constants), () => generalMatmulF32Kernel(mm, inputShapes, constants)) : generalMatmulF32Kernel(mm, inputShapes, constants));
    }
    case 'pool':
      return one(poolF32Kernel(nodeWith(node, 'gpu', kernel), shape(0)));
    case 'global-pool':
      return one(globalPoolF32Kernel(nodeWith(node, 'gpu', kernel), shape(0)));
    case 'binary':
      return binaryF32Kernels(nodeWith(node, 'gpu', kernel), node.inputs.map((_, i) => shape(i)), constants, allowTemps);
    case 'unary': {
      const u = nodeWith(node, 'gpu', kernel);
      if (u.op === 'Clip' && [1, 2].some((i) => (u.inputs[i] ?? '') !== '' && !constants.has(u.inputs[i]!))) {
        if (!allowTemps) throw new RangeError('a Clip with bounds that are not constants (a chain of dispatches through temporaries, which this caller gives no memory)');
        return binaryChainKernels(u, inputShapes, constants);
      }
      if (u.op === 'Cast') {
        // Every GPU tensor is f32 (bools 0/1, integers exact below 2^24): a Cast to a float type
        // of f32 width or more keeps the values, so it is an alias; to float16 it rounds.
        const to = u.attrs.to ?? constants.get(u.inputs[1] ?? '')?.dtype;
        if (to === 'float32' || to === 'float64') return { alias: u.inputs[0]!, outputShape: shape(0) };
        // To bool: 0 / 1, as bools are carried. To an integer type it would need the plan to track dtypes.
        if (to !== 'float16' && to !== 'bool') throw new RangeError(`a Cast to ${to ?? 'the run-time type of a non-constant input 1'} (the GPU float path casts to float types and bool only)`);
      }
      return one(unaryF32Kernel(u, shape(0), constants));
    }
    case 'concat':
      return concatF32Kernels(nodeWith(node, 'gpu', kernel), node.inputs.map((_, i) => shape(i)), constants);
    case 'transpose': {
      const t = nodeWith(node, 'gpu', kernel);
      const x = shape(0);
      const { perm, outputShape } = transposeShape(t, x);
      return isFloatTransposeAlias(x, perm) ? { alias: node.inputs[0]!, outputShape } : one(transposeF32Kernel(t, x));
    }
    case 'pad': {
      if (!inferred) throw new RangeError('its output shape is not static');
      return one(padF32Kernel(nodeWith(node, 'gpu', kernel), shape(0), inferred, constants));
    }
    case 'softmax': {
      const s = nodeWith(node, 'gpu', kernel);
      if (s.op === 'Softmax') {
        const step: FloatStep = { op: 'float', name: node.name, node: s };
        return one(softmaxKernel(step, shape(0)));
      }
      return one(softmaxF32Kernel(s, shape(0)));
    }
    case 'reduce': {
      const r = reduceF32Kernel(nodeWith(node, 'gpu', kernel), shape(0), constants);
      return 'alias' in r ? r : one(r);
    }
    case 'gather': {
      const g = nodeWith(node, 'gpu', kernel);
      if (g.op !== 'Split') return one(gatherF32Kernel(g, shape(0), constants, inferred, g.op === 'Gather' ? inputShapes[1] : undefined));
      if (!allowTemps) throw new RangeError('a Split (several outputs, which this caller gives no memory)');
      return splitF32Kernels(g, shape(0), constants, read);
    }
    case 'grid-sample':
      return one(gridSampleF32Kernel(nodeWith(node, 'gpu', kernel), shape(0), constants));
    case 'resize':
      return resizeF32Kernels(nodeWith(node, 'gpu', kernel), shape(0), constants, allowTemps);
    case 'loss':
      if (!allowTemps) throw new RangeError('a loss (temporaries and several outputs, which this caller gives no memory)');
      return lossF32Kernels(nodeWith(node, 'gpu', kernel), inputShapes, constants, read);
    case 'norm': {
      const n = nodeWith(node, 'gpu', kernel);
      if (!allowTemps && n.outputs.length > 1) throw new RangeError('a LayerNormalization with its statistics outputs (several outputs, which this caller gives no memory)');
      return normF32Kernels(n, inputShapes, constants);
    }
    case 'dynamic-int8': {
      if (!allowTemps) throw new RangeError('a dynamic product (dispatches through temporaries, which this caller gives no memory)');
      const d = nodeWith(node, 'gpu', kernel);
      return d.op === 'MatMulDynamicInt8' ? dynamicMatmulKernels(d, shape(0), constants, dynamicMath) : dynamicConvKernels(d, shape(0), constants);
    }
    case 'none':
      // An If left after the passes branches on a graph input: fixing that input folds it.
      // passes/convtranspose-to-conv rewrites a ConvTranspose of constant weights and static shapes.
      if (node.op === 'ConvTranspose' && !constants.has(node.inputs[1] ?? '')) throw new RangeError(`its weights input "${node.inputs[1]}" is not a constant (a ConvTranspose of constant weights becomes a Conv)`);
      if (node.op === 'If') throw new RangeError(`an If on "${node.inputs[0]}", which no constant or static shape decides: fix the graph input it depends on (fixedInputs / --fix-input) so it folds away`);
      throw new RangeError('no GPU float kernel for this op');
    default:
      return unhandledTrait(kernel, 'gpu');
  }
}
