// The int8 conv kernel variants and which layers each can run. Every variant computes the same
// int32 sums as the CPU reference (src/ref/int8/conv.ts), so the choice between them is speed
// only: made per layer by the autotune (src/gpu/autotune.ts) or forced by SessionOptions.
//
//   reference  shaders/conv2d_int8.wgsl: one packed output word per invocation; any conv.
//   dp4a       dense convs (group 1): conv2d_int8_blocked, register-blocked dot4I8Packed;
//              depthwise: conv2d_int8_dw, lane-wise vec4<i32> multiply-adds.
//   f32        the same kernels with int8 storage and f32 arithmetic (exact in chunks):
//              conv2d_int8_blocked_f32, conv2d_int8_dw_f32. Wins where f32 outruns dp4a
//              (SwiftShader); dp4a wins on GPUs with native packed dot products.

import type { ConvStep } from '../quant/program.ts';

export const CONV_VARIANTS = ['reference', 'dp4a', 'f32'] as const;
export type ConvVariant = (typeof CONV_VARIANTS)[number];

/** What SessionOptions.convVariant takes: a variant for every conv that can run it, or 'auto'. */
export type ConvVariantOption = 'auto' | ConvVariant;

export type ConvKind = 'dense' | 'depthwise' | 'grouped';

export function convKind(step: Pick<ConvStep, 'weightShape' | 'geometry'>): ConvKind {
  const [cout, , , cinPerGroup] = step.weightShape;
  const { group } = step.geometry;
  if (group === 1) return 'dense';
  if (cinPerGroup === 1 && cout % group === 0) return 'depthwise';
  return 'grouped';
}

/** The variants a conv of this kind can run; the first is the default without timing. */
export function candidatesFor(kind: ConvKind, preferF32: boolean): ConvVariant[] {
  if (kind === 'grouped') return ['reference'];
  return preferF32 ? ['f32', 'dp4a', 'reference'] : ['dp4a', 'f32', 'reference'];
}

/** `wanted` if this kind of conv can run it, else the reference kernel (which runs any conv). */
export function variantFor(kind: ConvKind, wanted: ConvVariant): ConvVariant {
  return candidatesFor(kind, false).includes(wanted) ? wanted : 'reference';
}
