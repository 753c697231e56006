// Any int8 conv → shaders/conv2d_int8.wgsl: one packed output word per invocation, any group.
// The fallback of every conv kind in the variant table (src/kernels/conv-variants.ts).

import type { ConvStep } from '../quant/program.ts';
import { convParams, convUniforms, type ConvShape } from './conv-common.ts';
import { packRows, wordsFor } from './pack.ts';
import { dispatchFor, WORKGROUP_SIZE, type KernelSpec } from './spec.ts';

export function referenceConvKernel(step: ConvStep, s: ConvShape): KernelSpec {
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
