// The int8 conv kernel variants and which layers each can run. Every variant computes the same
// int32 sums as the CPU reference (src/ref/int8/conv.ts), so the choice between them is speed
// only: made per layer by the autotune (src/gpu/autotune.ts) or forced by SessionOptions.
//
//   reference  shaders/conv2d_int8.wgsl: one packed output word per invocation; any conv.
//   dp4a       dense convs (group 1): conv2d_int8_blocked, register-blocked dot4I8Packed;
//              depthwise: conv2d_int8_dw, lane-wise vec4<i32> multiply-adds.
//   f32        the same kernels with int8 storage and f32 arithmetic: conv2d_int8_blocked_f32,
//              conv2d_int8_dw_f32. Only for convs whose f32 sums are exact (f32Exact). Wins
//              where f32 outruns dp4a (SwiftShader); dp4a wins on GPUs with native packed dot
//              products.

import type { ConvStep, GemmStep } from '../quant/program.ts';

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

// Integers of magnitude up to 2^24 are exact in f32, so is every sum of them that stays there.
const F32_EXACT_LIMIT = 2 ** 24;
const exactness = new WeakMap<Int8Array, boolean>();

/**
 * Whether every partial sum of int8 products this layer computes is below 2^24 in magnitude,
 * whatever the input: |x| <= 128, so each output channel's partial sums are bounded by 128 times
 * the sum of its |w|. Then an f32 sum of its products is the exact integer, in any order.
 * Weights are rows of output channels ([Cout, kh, kw, Cin/group] or a gemm's [N, K]).
 */
export function f32Exact(step: Pick<ConvStep | GemmStep, 'weights' | 'weightShape'>): boolean {
  const known = exactness.get(step.weights);
  if (known !== undefined) return known;
  const rowLength = step.weights.length / step.weightShape[0];
  let largest = 0;
  for (let row = 0; row < step.weightShape[0]; row++) {
    let sum = 0;
    for (let i = row * rowLength; i < (row + 1) * rowLength; i++) sum += Math.abs(step.weights[i]!);
    largest = Math.max(largest, sum);
  }
  const exact = 128 * largest < F32_EXACT_LIMIT;
  exactness.set(step.weights, exact);
  return exact;
}

/** The variants this conv (or gemm, as a dense conv) can run; the first is the default without timing. */
export function candidatesFor(step: ConvStep | GemmStep, preferF32: boolean): ConvVariant[] {
  const kind = step.op === 'conv' ? convKind(step) : 'dense';
  if (kind === 'grouped') return ['reference'];
  const fast: ConvVariant[] = preferF32 ? ['f32', 'dp4a'] : ['dp4a', 'f32'];
  return [...fast.filter((v) => v !== 'f32' || f32Exact(step)), 'reference'];
}

/** `wanted` if this conv can run it, else the first it can (dp4a where f32 would not be exact; the reference kernel for grouped convs). */
export function variantFor(step: ConvStep | GemmStep, wanted: ConvVariant): ConvVariant {
  const candidates = candidatesFor(step, false);
  return candidates.includes(wanted) ? wanted : candidates[0]!;
}
