// Depthwise int8 convs (one input channel per group, any channel multiplier) →
// shaders/conv2d_int8_dw.wgsl: one packed output word at PX pixels of a row per invocation,
// lane-wise products with per-channel weights packed four channels per word.

import type { ConvStep } from '../quant/program.ts';
import { convUniforms, convWordParams, residualBinding, type ConvShape, type FusedResidual } from './conv-common.ts';
import type { ConvVariant } from './conv-variants.ts';
import { wordsFor } from './pack.ts';
import { dispatchFor, WORKGROUP_SIZE, type KernelSpec } from './spec.ts';

/** The pixels per invocation compiled into the shader (src/kernels/shaders.ts preludes). */
export const DW_PX = 4;

/** [Cout, kh, kw, 1] int8 → [kh, kw, ceil(Cout/4)] u32, lane l of word k = channel 4k + l. */
export function depthwiseWeights(weights: Int8Array, cout: number, taps: number): Uint32Array {
  const words = wordsFor(cout);
  const out = new Uint32Array(taps * words);
  for (let oc = 0; oc < cout; oc++) {
    for (let t = 0; t < taps; t++) {
      const i = t * words + (oc >> 2);
      out[i] = (out[i]! | ((weights[oc * taps + t]! & 0xff) << (8 * (oc & 3)))) >>> 0;
    }
  }
  return out;
}

/** 1 or 2 where rows are 3 taps of dilation 1 at that stride (the shader's shared-column path), else 0. */
function row3Stride(step: ConvStep, s: ConvShape): number {
  const [, strideX] = step.geometry.strides;
  const [, dilationX] = step.geometry.dilations;
  return s.kw === 3 && dilationX === 1 && (strideX === 1 || strideX === 2) ? strideX : 0;
}

export function depthwiseConvKernel(step: ConvStep, s: ConvShape, variant: Exclude<ConvVariant, 'reference'>, residual?: FusedResidual): KernelSpec {
  const pixelBlocks = s.n * s.oh * Math.ceil(s.ow / DW_PX);
  const { workgroups, width } = dispatchFor(pixelBlocks * wordsFor(s.cout));
  // f32 arithmetic only reaches here for convs whose f32 sums are exact (the table's f32Exact).
  const f32 = variant === 'f32';
  return {
    label: step.name,
    shader: f32 ? 'conv2d_int8_dw_f32' : 'conv2d_int8_dw',
    constants: { WORKGROUP_SIZE, SAME_CHANNELS: s.cout === s.c ? 1 : 0, RESIDUAL: residual ? 1 : 0, ROW3_STRIDE: row3Stride(step, s), KH3: s.kh === 3 ? 1 : 0 },
    uniforms: convUniforms(step, s, width, { pixelBlocks, pixels: s.n * s.oh * s.ow, residual }),
    storage: [
      { tensor: step.input },
      { data: depthwiseWeights(step.weights, s.cout, s.kh * s.kw), label: `${step.name}/weights` },
      { data: convWordParams(step), label: `${step.name}/params` },
      { tensor: residual ? residual.add.output : step.output, write: true },
      residualBinding(step, residual),
    ],
    workgroups,
  };
}
