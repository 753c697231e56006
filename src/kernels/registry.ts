// Step → kernels: the one table the scheduler consults. A step becomes one or more dispatches,
// or (a reshape that leaves the packed bytes as they are) an alias of its input's buffer.

import { nodeWith, OP_TRAITS } from '../ir/op-traits.ts';
import { inferNode } from '../ir/shapes.ts';
import type { ConvStep, GemmStep, QuantizedModel, Step } from '../quant/program.ts';
import type { QParams } from '../quant/qparams.ts';
import { concatKernels } from './concat.ts';
import { convKernel, type PlannedKernel } from './conv.ts';
import type { ConvVariant } from './conv-variants.ts';
import { binaryKernel, clampKernel, dequantizeKernel, lutKernel, quantizeKernel } from './elementwise.ts';
import type { DynamicMath } from './float/dynamic.ts';
import type { TempTensor } from './float/elementwise.ts';
import { planFloatNode } from './float/registry.ts';
import { gemmKernel } from './gemm.ts';
import { isLayoutAlias, layoutKernel, transposePerm, viewKernel } from './layout.ts';
import { viewOf } from './float/indexing.ts';
import { padKernel } from './pad.ts';
import { resizeKernel } from './resize.ts';
import { globalPoolKernel, poolKernel } from './pool.ts';
import type { KernelSpec } from './spec.ts';

/**
 * A planned step. `temps`: tensors its dispatches pass between them, which the plan gives
 * memory; `outputShapes`: the shape of every output of a node with several (Split,
 * LayerNormalization), which the plan gives memory too.
 */
export type PlannedStep =
  | { specs: KernelSpec[]; outputShape: number[]; temps?: TempTensor[]; outputShapes?: number[][] }
  | { alias: string; outputShape: number[] };

/**
 * What a planned node writes besides its first output, for the plan to give memory: its
 * temporaries, and the outputs past the first that its kernels give shapes to. An output they
 * leave unwritten must be one nothing reads (`read`); `op` names the node's op in that error.
 */
export function extraTensors(planned: PlannedStep, outputs: readonly string[], op: string, read: (name: string) => boolean): { temps: TempTensor[]; outputs: TempTensor[] } {
  if (!('specs' in planned)) return { temps: [], outputs: [] };
  const written = outputs.flatMap((name, i) => {
    if (i === 0 || name === '') return [];
    const shape = planned.outputShapes?.[i];
    if (shape) return [{ name, shape }];
    if (read(name)) throw new RangeError(`its output "${name}" (only the first output of a ${op} runs on the GPU float path)`);
    return [];
  });
  return { temps: planned.temps ?? [], outputs: written };
}

type StepOf<Op extends Step['op']> = Extract<Step, { op: Op }>;
type Planner<Op extends Step['op']> = (step: StepOf<Op>, inputShapes: number[][], model: QuantizedModel, options: StepOptions) => PlannedStep;

/** Choices the planner leaves to its caller. */
export interface StepOptions {
  /** The kernel variant of each int8 conv (and gemm, a 1×1 conv); default 'reference'. */
  convVariant?: (step: ConvStep | GemmStep, inputShape: readonly number[]) => ConvVariant;
  /** The arithmetic of the dynamic products among the float steps (default 'dp4a'). */
  dynamicMath?: DynamicMath;
}

const one = ({ spec, outputShape }: PlannedKernel): PlannedStep => ({ specs: [spec], outputShape });

function qparams(model: QuantizedModel, name: string): QParams {
  const info = model.tensors.get(name);
  if (info?.dtype !== 'int8') throw new Error(`tensor "${name}" is not int8`);
  return info.qparams;
}

/**
 * The shape of each node input: a constant's own shape, else the next of `inputShapes` (the
 * shapes of the step's non-constant inputs, in order); undefined for an omitted input.
 */
function nodeInputShapes(step: StepOf<'layout' | 'float'>, inputShapes: number[][], model: QuantizedModel): (number[] | undefined)[] {
  let next = 0;
  return step.node.inputs.map((name) => (name === '' ? undefined : (model.constants.get(name)?.shape ?? inputShapes[next++])));
}

/** The output shape of a layout or float step, from the IR's shape inference. */
function nodeOutputShape(step: StepOf<'layout' | 'float'>, inputShapes: number[][], model: QuantizedModel): number[] {
  const all = nodeInputShapes(step, inputShapes, model);
  // An omitted input ('') has no shape: giving it one would read as a computed input (Resize's sizes).
  const shapes = new Map(step.node.inputs.flatMap((name, i) => (name === '' ? [] : [[name, all[i] ?? []] as const])));
  const [out] = inferNode(step.node, shapes, model.constants);
  if (!out || !out.every((d): d is number => typeof d === 'number')) throw new Error(`${step.node.op} step "${step.name}": its output shape is not static`);
  return out;
}

const PLANNERS: { [Op in Step['op']]: Planner<Op> } = {
  conv: (step, [x], _, o) => one(convKernel(step, x!, o.convVariant?.(step, x!))),
  gemm: (step, [x], _, o) => one(gemmKernel(step, x!, o.convVariant?.(step, x!))),
  add: (step, [a, b]) => one(binaryKernel(step, a!, b!)),
  mul: (step, [a, b]) => one(binaryKernel(step, a!, b!)),
  concat: (step, shapes) => concatKernels(step, shapes),
  maxpool: (step, [x]) => one(poolKernel(step, x!)),
  avgpool: (step, [x]) => one(poolKernel(step, x!)),
  globalavgpool: (step, [x]) => one(globalPoolKernel(step, x!)),
  globalmaxpool: (step, [x]) => one(globalPoolKernel(step, x!)),
  clamp: (step, [x]) => one(clampKernel(step, x!)),
  lut: (step, [x]) => one(lutKernel(step, x!)),
  quantize: (step, [x], model) => one(quantizeKernel(step, x!, qparams(model, step.output))),
  dequantize: (step, [x], model) => one(dequantizeKernel(step, x!, qparams(model, step.input))),
  layout: (step, shapes, model) => {
    const outputShape = nodeOutputShape(step, shapes, model);
    if (step.node.op === 'Pad') return one(padKernel(step, shapes[0]!, outputShape, model.constants));
    if (step.node.op === 'Resize') return one(resizeKernel(step, shapes[0]!, outputShape, model.constants));
    // A layout op the fp32 path gathers (Slice, Expand, Tile, DepthToSpace, SpaceToDepth) reads the same view in int8.
    if (OP_TRAITS[step.node.op].gpu === 'gather') return one(viewKernel(step, shapes[0]!, outputShape, viewOf(nodeWith(step.node, 'gpu', 'gather'), shapes[0]!, model.constants)));
    const perm = step.node.op === 'Transpose' ? transposePerm(step.node.attrs.perm, shapes[0]!.length) : undefined;
    if (isLayoutAlias(shapes[0]!, outputShape, perm)) return { alias: step.node.inputs[0]!, outputShape };
    return one(layoutKernel(step, shapes[0]!, outputShape));
  },
  // A node with no int8 form runs on the fp32 kernels, between dequantize and quantize steps.
  float: (step, shapes, model, o) => {
    try {
      const options = { allowTemps: true, dynamicMath: o.dynamicMath };
      return planFloatNode(step.node, nodeInputShapes(step, shapes, model), model.constants, nodeOutputShape(step, shapes, model), options);
    } catch (e) {
      throw new Error(`float step "${step.name}" (${step.node.op}): ${(e as Error).message}`);
    }
  },
};

/** `inputShapes`: the shapes of the step's non-constant inputs, in order. */
export function planStep(step: Step, inputShapes: number[][], model: QuantizedModel, options: StepOptions = {}): PlannedStep {
  return (PLANNERS[step.op] as Planner<Step['op']>)(step, inputShapes, model, options);
}
