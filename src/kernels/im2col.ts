// The model's input quantized straight into the im2col form of the first conv
// (shaders/quantize_im2col.wgsl), which then runs as a 1×1 conv: a plan-level fusion, the program
// (.q8) and the CPU reference are unchanged, and the sums are the same integers.
//
// Why: a conv with Cin 1 or 3 packs one pixel's channels into a word that is mostly padding,
// so it spends 4× (Cin 1) or 4/3× (Cin 3) the dot products it needs, through the windowed
// kernel. Packed along (ky, kx, c) instead, 3×3×1 is 3 words, not 9; 3×3×3 is 7, not 9; 5×5×3
// is 19, not 25; and the conv becomes the plain GEMM the pointwise kernels are best at. The
// Quantize (and a Transpose between it and the conv, as ONNX models have) is the same dispatch.

import { sizeOf, stridesOf } from '../ir/tensor.ts';
import type { ConvStep, QuantizeStep } from '../quant/program.ts';
import { inverseScale, type QParams } from '../quant/qparams.ts';
import { convKind } from './conv-variants.ts';
import { convShape } from './conv-common.ts';
import type { PlannedKernel } from './conv.ts';
import { wordsFor } from './pack.ts';
import { f32Bits } from './packed-shape.ts';
import { dispatchFor, WORKGROUP_SIZE } from './spec.ts';
import { uniformStruct } from './uniforms.ts';

/** Quantize → (Transpose →) conv, planned as one im2col quantize and a 1×1 conv. */
export interface InputIm2col {
  quantize: QuantizeStep;
  /** The permutation of a Transpose from the quantized tensor to the conv's NHWC input, if there is one. */
  perm?: number[];
  conv: ConvStep;
}

/** The im2col words per output pixel, and what the windowed kernel reads per pixel. */
function packedWords(conv: ConvStep): { im2col: number; windowed: number } {
  const [, kh, kw, cin] = conv.weightShape;
  return { im2col: wordsFor(kh * kw * cin), windowed: kh * kw * wordsFor(cin) };
}

/**
 * The im2col may hold at most this many times the float input's bytes: windows overlap, so it
 * grows with KH·KW / (stride_y·stride_x) (BlazeFace's 5×5 stride 2 over 3 channels: 1.6×; a 7×7
 * stride 1 would be 12×, more activation memory than the dot products it saves are worth).
 */
const MAX_GROWTH = 4;

/**
 * Worth it for a dense conv whose windows pack into fewer words (Cin not a multiple of 4, window
 * above 1×1), with an im2col of at most MAX_GROWTH times its float input (`convInput`, NHWC).
 */
export function im2colSaves(conv: ConvStep, convInput: readonly number[]): boolean {
  const words = packedWords(conv);
  if (convKind(conv) !== 'dense' || words.im2col >= words.windowed) return false;
  const s = convShape(conv, convInput);
  // im2col bytes (one per value, 4 a word) against float input bytes (4 a value).
  return s.n * s.oh * s.ow * words.im2col <= MAX_GROWTH * sizeOf(convInput);
}

/** The conv's NHWC input shape, from the shape of the float input the Quantize reads. */
export const convInputShape = ({ perm }: InputIm2col, floatShape: readonly number[]): number[] => (perm ? perm.map((axis) => floatShape[axis]!) : [...floatShape]);

/** The conv's input dims (N, H, W, C) as element strides into the float input. */
function floatStrides({ perm }: InputIm2col, floatShape: readonly number[]): number[] {
  const strides = stridesOf(floatShape);
  return perm ? perm.map((axis) => strides[axis]!) : strides;
}

/** The conv as a 1×1 over the im2col tensor `input`: the OHWI weights are already [Cout, K] in (ky, kx, c) order. */
export function pointwiseOverIm2col(conv: ConvStep, input: string): ConvStep {
  const [cout, kh, kw, cin] = conv.weightShape;
  return {
    ...conv,
    input,
    weightShape: [cout, 1, 1, kh * kw * cin],
    geometry: { strides: [1, 1], pads: [0, 0, 0, 0], autoPad: 'NOTSET', dilations: [1, 1], group: 1 },
  };
}

/**
 * The im2col quantize: `floatShape` is the Quantize's input, `qparams` the quantized tensor's.
 * Output [N, OH, OW, K] int8, written to `output`.
 *
 * Uniforms (24 words): pixels, K, ceil(K/4), dispatch width | OH, OW, H, W | KW, Cin, strides |
 * dilations, pads top/left | float strides of N, H, W, C | inverse scale (f32 bits), z, 0, 0.
 */
export function im2colKernel(fusion: InputIm2col, floatShape: readonly number[], qparams: QParams, output: string): PlannedKernel {
  const { quantize, conv } = fusion;
  if (qparams.zeroPoint !== conv.inputZeroPoint) {
    throw new Error(`conv "${conv.name}": input zero point ${conv.inputZeroPoint} is not its input tensor's ${qparams.zeroPoint}`);
  }
  const s = convShape(conv, convInputShape(fusion, floatShape));
  const { strides, dilations } = conv.geometry;
  const k = s.kh * s.kw * s.c;
  const pixels = s.n * s.oh * s.ow;
  const { workgroups, width } = dispatchFor(pixels * wordsFor(k));
  const [nStride, yStride, xStride, cStride] = floatStrides(fusion, floatShape);
  return {
    spec: {
      label: quantize.name,
      shader: 'quantize_im2col',
      constants: { WORKGROUP_SIZE },
      uniforms: uniformStruct({
        pixels, k, words: wordsFor(k), dispatch_width: width,
        oh: s.oh, ow: s.ow, h: s.h, w: s.w,
        kw: s.kw, cin: s.c, stride_y: strides[0], stride_x: strides[1],
        dilation_y: dilations[0], dilation_x: dilations[1], pad_top: s.padTop, pad_left: s.padLeft,
        n_stride: nStride!, y_stride: yStride!, x_stride: xStride!, c_stride: cStride!,
        inverse_scale: f32Bits(inverseScale(qparams)), zero_point: qparams.zeroPoint, _pad0: 0, _pad1: 0,
      }),
      storage: [{ tensor: quantize.input }, { tensor: output, write: true }],
      workgroups,
    },
    outputShape: [s.n, s.oh, s.ow, k],
  };
}
