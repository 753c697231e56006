// ConvStep + NHWC input shape → one int8 conv kernel of the chosen variant
// (src/kernels/conv-variants.ts). All variants share one uniform layout (the Conv struct of
// shaders/conv2d_int8*.wgsl) and the params layout; they differ in weight packing and blocking.

import type { ConvStep } from '../quant/program.ts';
import { blockedConvKernel } from './conv-blocked.ts';
import { depthwiseConvKernel } from './conv-dw.ts';
import { convKind, variantFor, type ConvVariant } from './conv-variants.ts';
import { convParams, convShape, convUniforms, type ConvShape, type FusedResidual } from './conv-common.ts';
import { packRows, wordsFor } from './pack.ts';
import { dispatchFor, WORKGROUP_SIZE, type KernelSpec } from './spec.ts';

export type { ConvShape, FusedResidual } from './conv-common.ts';

export interface PlannedKernel {
  spec: KernelSpec;
  outputShape: number[];
}

/** Whether the kernel `variant` gives this conv can take a residual Add in its epilogue. */
export const canFuseResidual = (step: ConvStep, variant: ConvVariant = 'reference'): boolean => variantFor(step, variant) !== 'reference';

/** `residual`: an Add fused into the epilogue (only where canFuseResidual); the kernel then writes the Add's output. */
export function convKernel(step: ConvStep, inputShape: readonly number[], variant: ConvVariant = 'reference', residual?: FusedResidual): PlannedKernel {
  const s = convShape(step, inputShape);
  const outputShape = [s.n, s.oh, s.ow, s.cout];
  const kind = convKind(step);
  const chosen = variantFor(step, variant);
  if (chosen !== 'reference') {
    const spec = kind === 'depthwise' ? depthwiseConvKernel(step, s, chosen, residual) : blockedConvKernel(step, s, chosen, residual);
    return { spec, outputShape };
  }
  if (residual) throw new Error(`conv "${step.name}": the reference kernel cannot fuse a residual Add`);
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
