// ConvStep + NHWC input shape → one int8 conv kernel of the chosen variant
// (src/kernels/conv-variants.ts). All variants share one uniform layout (the Conv struct of
// shaders/conv2d_int8*.wgsl) and the params layout; they differ in weight packing and blocking.

import type { ConvStep } from '../quant/program.ts';
import { blockedConvKernel } from './conv-blocked.ts';
import { depthwiseConvKernel } from './conv-dw.ts';
import { convKind, variantFor, type ConvVariant } from './conv-variants.ts';
import { convParams, convShape, convUniforms, type ConvShape } from './conv-common.ts';
import { packRows, wordsFor } from './pack.ts';
import { dispatchFor, WORKGROUP_SIZE, type KernelSpec } from './spec.ts';

export type { ConvShape } from './conv-common.ts';

export interface PlannedKernel {
  spec: KernelSpec;
  outputShape: number[];
}

export function convKernel(step: ConvStep, inputShape: readonly number[], variant: ConvVariant = 'reference'): PlannedKernel {
  const s = convShape(step, inputShape);
  const outputShape = [s.n, s.oh, s.ow, s.cout];
  const kind = convKind(step);
  const chosen = variantFor(kind, variant);
  if (chosen !== 'reference') {
    const spec = kind === 'depthwise' ? depthwiseConvKernel(step, s, chosen) : blockedConvKernel(step, s, chosen);
    return { spec, outputShape };
  }
  return { spec: referenceConvKernel(step, s), outputShape };
}

/** shaders/conv2d_int8.wgsl: one packed output word per invocation, any group. */
function referenceConvKernel(step: ConvStep, s: ConvShape): KernelSpec {
  const { group } = step.geometry;
  const { workgroups, width } = dispatchFor(s.n * s.oh * s.ow * wordsFor(s.cout));
  return {
    label: step.name,
    shader: 'conv2d_int8',
    constants: { WORKGROUP_SIZE, ALIGNED: group === 1 || s.cinPerGroup % 4 === 0 ? 1 : 0 },
    uniforms: convUniforms(step, s, width),
    storage: [
      { tensor: step.input },
      { data: packRows(step.weights, s.cinPerGroup), label: `${step.name}/weights` },
      { data: convParams(step), label: `${step.name}/params` },
      { tensor: step.output, write: true },
    ],
    workgroups,
  };
}
