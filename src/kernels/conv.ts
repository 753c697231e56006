// ConvStep + NHWC input shape → one int8 conv kernel: the entry of its kind's table
// (src/kernels/conv-variants.ts) for the chosen variant. All entries share one uniform layout (the
// Conv struct of shaders/conv2d_int8*.wgsl) and the params layout; they differ in weight packing
// and blocking.

import type { ConvStep } from '../quant/program.ts';
import { entryFor, type ConvVariant } from './conv-variants.ts';
import { convShape, type FusedResidual } from './conv-common.ts';
import type { KernelSpec } from './spec.ts';

export type { ConvShape, FusedResidual } from './conv-common.ts';

export interface PlannedKernel {
  spec: KernelSpec;
  outputShape: number[];
}

/** Whether the kernel `variant` gives this conv can take a residual Add in its epilogue. */
export const canFuseResidual = (step: ConvStep, variant: ConvVariant = 'reference'): boolean => entryFor(step, variant).fusesResidual;

/** `residual`: an Add fused into the epilogue (only where canFuseResidual); the kernel then writes the Add's output. */
export function convKernel(step: ConvStep, inputShape: readonly number[], variant: ConvVariant = 'reference', residual?: FusedResidual): PlannedKernel {
  const s = convShape(step, inputShape);
  const entry = entryFor(step, variant);
  if (residual && !entry.fusesResidual) throw new Error(`conv "${step.name}": the ${entry.variant} kernel (${entry.shader}) cannot fuse a residual Add`);
  return { spec: entry.build(step, s, residual), outputShape: [s.n, s.oh, s.ow, s.cout] };
}
