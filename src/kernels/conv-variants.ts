// The int8 conv kernels, as a table per conv kind: each entry names the public variant it answers
// to (SessionOptions.convVariant, the CLI's --variant), the shader it runs, which convs of its
// kind it supports, whether it takes a fused residual Add, and how it builds its kernel. Every
// entry computes the same int32 sums as the CPU reference (src/ref/int8/conv.ts), so the choice
// between them is speed only: made per layer by the autotune (src/gpu/autotune.ts) or forced.
//
//   dense      (group 1; a gemm is planned as a 1×1 dense conv, src/kernels/gemm.ts, and the
//              pointwise form is a constant of the same shaders, not a kind of its own):
//              dp4a conv2d_int8_blocked, f32 conv2d_int8_blocked_f32, tiled conv2d_int8_tiled,
//              reference conv2d_int8.
//   depthwise  (one input channel per group, any channel multiplier):
//              dp4a conv2d_int8_dw, f32 conv2d_int8_dw_f32, reference conv2d_int8.
//   grouped    (anything else): reference conv2d_int8 only.
//
// The variant names are the arithmetic: reference (one output word per invocation), dp4a
// (dot4I8Packed or lane-wise i32 multiply-adds), f32 (int8 storage, f32 arithmetic; only where
// the f32 sums are exact, f32Exact), tiled (dot4 through workgroup-memory tiles of 64 × 64
// outputs: GPU-class). f32 wins where it outruns dp4a (SwiftShader); dp4a or tiled on GPUs with
// native packed dot products, as the autotune measures.

import type { ConvStep, GemmStep } from '../quant/program.ts';
import { blockedConvKernel, tiledConvKernel } from './conv-blocked.ts';
import type { ConvShape, FusedResidual } from './conv-common.ts';
import { depthwiseConvKernel } from './conv-dw.ts';
import { referenceConvKernel } from './conv-reference.ts';
import type { ShaderId } from './shaders.ts';
import type { KernelSpec } from './spec.ts';

export const CONV_VARIANTS = ['reference', 'dp4a', 'f32', 'tiled'] as const;
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

/** One kernel of a conv kind's table. */
export interface ConvKernelEntry {
  /** The public name (SessionOptions.convVariant) this entry answers to. */
  variant: ConvVariant;
  shader: ShaderId;
  /** Whether it runs this conv of its kind (a gemm is asked as its [N, K] rows). */
  supports: (step: ConvStep | GemmStep) => boolean;
  /** Whether its epilogue can take a residual Add (the kernel then writes the Add's output). */
  fusesResidual: boolean;
  /**
   * Built on workgroup memory and barriers, which software adapters run slowly: never a
   * candidate there (SwiftShader, every dense conv forced tiled: MobileNetV2's 2241 ms vs dp4a's
   * 939 and f32's 759; BlazeFace's 330 vs 91 and 82), only when forced.
   */
  workgroupTiles?: true;
  build: (step: ConvStep, s: ConvShape, residual?: FusedResidual) => KernelSpec;
}

const any = () => true;

const REFERENCE: ConvKernelEntry = { variant: 'reference', shader: 'conv2d_int8', supports: any, fusesResidual: false, build: (step, s) => referenceConvKernel(step, s) };

/**
 * Per conv kind, its kernels in the order tried without timing on a hardware GPU (the first
 * supported one is the default; the reference kernel, last, supports everything).
 */
export const CONV_KERNELS: { readonly [K in ConvKind]: readonly ConvKernelEntry[] } = {
  dense: [
    { variant: 'dp4a', shader: 'conv2d_int8_blocked', supports: any, fusesResidual: true, build: (step, s, r) => blockedConvKernel(step, s, 'dp4a', r) },
    { variant: 'f32', shader: 'conv2d_int8_blocked_f32', supports: f32Exact, fusesResidual: true, build: (step, s, r) => blockedConvKernel(step, s, 'f32', r) },
    { variant: 'tiled', shader: 'conv2d_int8_tiled', supports: any, fusesResidual: true, workgroupTiles: true, build: (step, s, r) => tiledConvKernel(step, s, r) },
    REFERENCE,
  ],
  depthwise: [
    { variant: 'dp4a', shader: 'conv2d_int8_dw', supports: any, fusesResidual: true, build: (step, s, r) => depthwiseConvKernel(step, s, 'dp4a', r) },
    { variant: 'f32', shader: 'conv2d_int8_dw_f32', supports: f32Exact, fusesResidual: true, build: (step, s, r) => depthwiseConvKernel(step, s, 'f32', r) },
    REFERENCE,
  ],
  grouped: [REFERENCE],
};

/** A conv's kind; a gemm runs as a dense 1×1 conv. */
export const kindOf = (step: ConvStep | GemmStep): ConvKind => (step.op === 'conv' ? convKind(step) : 'dense');

/**
 * The entries that can run this conv (or gemm), in the order tried without timing: the table's,
 * with f32 arithmetic first and no workgroup-tiled kernel where `preferF32` (software adapters,
 * where f32 outruns dp4a and barriers are slow).
 */
export function entriesFor(step: ConvStep | GemmStep, preferF32: boolean): ConvKernelEntry[] {
  const supported = CONV_KERNELS[kindOf(step)].filter((e) => e.supports(step) && !(preferF32 && e.workgroupTiles));
  // A stable sort: only the f32 entries move, and the reference kernel stays last.
  return preferF32 ? [...supported].sort((a, b) => Number(b.variant === 'f32') - Number(a.variant === 'f32')) : supported;
}

/** The variants this conv (or gemm, as a dense conv) can run; the first is the default without timing. */
export function candidatesFor(step: ConvStep | GemmStep, preferF32: boolean): ConvVariant[] {
  return entriesFor(step, preferF32).map((e) => e.variant);
}

/** The entry for `wanted` if this conv can run it, else the first it can (dp4a where f32 would not be exact; the reference kernel for grouped convs). */
export function entryFor(step: ConvStep | GemmStep, wanted: ConvVariant): ConvKernelEntry {
  const entries = entriesFor(step, false);
  return entries.find((e) => e.variant === wanted) ?? entries[0]!;
}

/** `wanted` if this conv can run it, else the first it can (see entryFor). */
export const variantFor = (step: ConvStep | GemmStep, wanted: ConvVariant): ConvVariant => entryFor(step, wanted).variant;
