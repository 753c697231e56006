// Step → kernels: the one table the scheduler consults. A step becomes one or more dispatches,
// or (a reshape that leaves the packed bytes as they are) an alias of its input's buffer.

import { inferNode } from '../ir/shapes.ts';
import type { QuantizedModel, Step } from '../quant/program.ts';
import type { QParams } from '../quant/qparams.ts';
import { concatKernels } from './concat.ts';
import { convKernel, type PlannedKernel } from './conv.ts';
import { addKernel, clampKernel, dequantizeKernel, quantizeKernel, softmaxKernel } from './elementwise.ts';
import { gemmKernel } from './gemm.ts';
import { isLayoutAlias, layoutKernel, transposePerm } from './layout.ts';
import { globalPoolKernel, poolKernel } from './pool.ts';
import type { KernelSpec } from './spec.ts';

export type PlannedStep = { specs: KernelSpec[]; outputShape: number[] } | { alias: string; outputShape: number[] };

type StepOf<Op extends Step['op']> = Extract<Step, { op: Op }>;
type Planner<Op extends Step['op']> = (step: StepOf<Op>, inputShapes: number[][], model: QuantizedModel) => PlannedStep;

const one = ({ spec, outputShape }: PlannedKernel): PlannedStep => ({ specs: [spec], outputShape });

function qparams(model: QuantizedModel, name: string): QParams {
  const info = model.tensors.get(name);
  if (info?.dtype !== 'int8') throw new Error(`tensor "${name}" is not int8`);
  return info.qparams;
}

/** The output shape of a layout or float step, from the IR's shape inference. */
function nodeOutputShape(step: StepOf<'layout' | 'float'>, inputShapes: number[][], model: QuantizedModel): number[] {
  const shapes = new Map(step.node.inputs.map((name, i) => [name, inputShapes[i] ?? model.constants.get(name)?.shape ?? []]));
  const [out] = inferNode(step.node, shapes, model.constants);
  if (!out || !out.every((d): d is number => typeof d === 'number')) throw new Error(`${step.node.op} step "${step.name}": its output shape is not static`);
  return out;
}

const PLANNERS: { [Op in Step['op']]: Planner<Op> } = {
  conv: (step, [x]) => one(convKernel(step, x!)),
  gemm: (step, [x]) => one(gemmKernel(step, x!)),
  add: (step, [a, b]) => one(addKernel(step, a!, b!)),
  concat: (step, shapes) => concatKernels(step, shapes),
  maxpool: (step, [x]) => one(poolKernel(step, x!)),
  avgpool: (step, [x]) => one(poolKernel(step, x!)),
  globalavgpool: (step, [x]) => one(globalPoolKernel(step, x!)),
  globalmaxpool: (step, [x]) => one(globalPoolKernel(step, x!)),
  clamp: (step, [x]) => one(clampKernel(step, x!)),
  quantize: (step, [x], model) => one(quantizeKernel(step, x!, qparams(model, step.output))),
  dequantize: (step, [x], model) => one(dequantizeKernel(step, x!, qparams(model, step.input))),
  layout: (step, shapes, model) => {
    const outputShape = nodeOutputShape(step, shapes, model);
    const perm = step.node.op === 'Transpose' ? transposePerm(step.node.attrs.perm, shapes[0]!.length) : undefined;
    if (isLayoutAlias(shapes[0]!, outputShape, perm)) return { alias: step.node.inputs[0]!, outputShape };
    return one(layoutKernel(step, shapes[0]!, outputShape));
  },
  float: (step, shapes) => {
    if (step.node.op !== 'Softmax') throw new Error(`float step "${step.name}" (${step.node.op}) has no GPU kernel`);
    return one(softmaxKernel(step, shapes[0]!));
  },
};

/** `inputShapes`: the shapes of the step's non-constant inputs, in order. */
export function planStep(step: Step, inputShapes: number[][], model: QuantizedModel): PlannedStep {
  return (PLANNERS[step.op] as Planner<Step['op']>)(step, inputShapes, model);
}
