// Dense (group 1) int8 convs → shaders/conv2d_int8_blocked.wgsl (dot4) and
// conv2d_int8_blocked_f32.wgsl (f32 arithmetic): each invocation a block of output pixels
// (blockedPixels) × OCW packed output words, weights re-packed so one tap word of a block is OCW
// vec4 loads; and conv2d_int8_tiled.wgsl (dot4 in workgroup-memory tiles of 64 × 64 outputs).

import type { ConvStep } from '../quant/program.ts';
import { convUniforms, convWordParams, residualBinding, type ConvShape, type FusedResidual } from './conv-common.ts';
import { packRows, wordsFor } from './pack.ts';
import type { ShaderId } from './shaders.ts';
import { dispatchFor, WORKGROUP_SIZE, type KernelSpec } from './spec.ts';

/** The blocking written out in the shaders: pixels per invocation by variant, and output words. */
export const blockedPixels = (variant: 'dp4a' | 'f32'): number => (variant === 'f32' ? 8 : 4);
export const BLOCKED_OCW = 2;

/**
 * OHWI weights packed along I ([Cout, taps, tapWords] u32) → [ceil(Cout/(4·ocw)), taps, tapWords,
 * 4·ocw] u32: the 4·ocw output channels of a block side by side for each tap word; zero words
 * for channels past Cout.
 */
export function blockWeights(packed: Uint32Array, cout: number, tapWordsTotal: number, ocw: number): Uint32Array {
  const ocb = 4 * ocw;
  const blocks = Math.ceil(cout / ocb);
  const out = new Uint32Array(blocks * tapWordsTotal * ocb);
  for (let oc = 0; oc < cout; oc++) {
    const block = Math.floor(oc / ocb);
    const j = oc % ocb;
    for (let k = 0; k < tapWordsTotal; k++) out[(block * tapWordsTotal + k) * ocb + j] = packed[oc * tapWordsTotal + k]!;
  }
  return out;
}

export function blockedConvKernel(step: ConvStep, s: ConvShape, variant: 'dp4a' | 'f32', residual?: FusedResidual): KernelSpec {
  const pixels = s.n * s.oh * s.ow;
  const pixelBlocks = Math.ceil(pixels / blockedPixels(variant));
  const ocBlocks = Math.ceil(wordsFor(s.cout) / BLOCKED_OCW);
  const { workgroups, width } = dispatchFor(pixelBlocks * ocBlocks);
  const shader: ShaderId = variant === 'f32' ? 'conv2d_int8_blocked_f32' : 'conv2d_int8_blocked';
  return {
    label: step.name,
    shader,
    constants: { WORKGROUP_SIZE, POINTWISE: isPointwise(step, s) ? 1 : 0, RESIDUAL: residual ? 1 : 0 },
    uniforms: convUniforms(step, s, width, { pixelBlocks, pixels, residual }),
    storage: blockedStorage(step, s, BLOCKED_OCW, residual),
    workgroups,
  };
}

/** 1×1, stride 1, no padding: output pixel p reads input pixel p (the shaders' POINTWISE). */
function isPointwise(step: ConvStep, s: ConvShape): boolean {
  const { strides } = step.geometry;
  return s.kh === 1 && s.kw === 1 && strides[0] === 1 && strides[1] === 1 && s.padTop === 0 && s.padLeft === 0 && s.oh === s.h && s.ow === s.w;
}

/** The bindings of lib/conv_blocked.wgsl's kernels: input, weights in blocks of 4·ocw channels, params, output, residual. */
function blockedStorage(step: ConvStep, s: ConvShape, ocw: number, residual: FusedResidual | undefined): KernelSpec['storage'] {
  const tapWordsTotal = s.kh * s.kw * wordsFor(s.cinPerGroup);
  return [
    { tensor: step.input },
    { data: blockWeights(packRows(step.weights, s.cinPerGroup), s.cout, tapWordsTotal, ocw), label: `${step.name}/weights` },
    { data: convWordParams(step), label: `${step.name}/params` },
    { tensor: residual ? residual.add.output : step.output, write: true },
    residualBinding(step, residual),
  ];
}

/** conv2d_int8_tiled's tile: 64 output pixels × 64 output channels (16 packed words) a workgroup of 64. */
export const TILE_PIXELS = 64;
const TILE_OCW = 16;

/** The workgroup-memory tiled dp4a kernel (conv2d_int8_tiled.wgsl): a 2-D grid of 64 × 64 output tiles. */
export function tiledConvKernel(step: ConvStep, s: ConvShape, residual?: FusedResidual): KernelSpec {
  if (WORKGROUP_SIZE !== 64) throw new Error('conv2d_int8_tiled is written for workgroups of 64');
  const pixels = s.n * s.oh * s.ow;
  const tiles = Math.ceil(pixels / TILE_PIXELS);
  return {
    label: step.name,
    shader: 'conv2d_int8_tiled',
    constants: { WORKGROUP_SIZE, POINTWISE: isPointwise(step, s) ? 1 : 0, RESIDUAL: residual ? 1 : 0 },
    uniforms: convUniforms(step, s, 0, { pixelBlocks: tiles, pixels, residual }),
    storage: blockedStorage(step, s, TILE_OCW, residual),
    workgroups: [tiles, Math.ceil(wordsFor(s.cout) / TILE_OCW), 1],
  };
}
