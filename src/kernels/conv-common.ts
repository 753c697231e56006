// What every int8 conv variant shares: the resolved shape, the Conv uniform struct of
// shaders/conv2d_int8*.wgsl, and the per-channel params.

import { planAxis } from '../ir/spatial.ts';
import type { AddStep, ConvStep } from '../quant/program.ts';
import { packedZero, wordsFor } from './pack.ts';
import { uniformStruct } from './uniforms.ts';

/** A conv's resolved shape: what every variant's builder needs. */
export interface ConvShape {
  n: number;
  h: number;
  w: number;
  c: number;
  oh: number;
  ow: number;
  cout: number;
  kh: number;
  kw: number;
  cinPerGroup: number;
  padTop: number;
  padLeft: number;
}

export function convShape(step: ConvStep, inputShape: readonly number[]): ConvShape {
  const [n, h, w, c] = inputShape as [number, number, number, number];
  const [cout, kh, kw, cinPerGroup] = step.weightShape;
  const window = { ...step.geometry, kernel: [kh, kw] as [number, number] };
  const py = planAxis(window, 0, h);
  const px = planAxis(window, 1, w);
  return { n, h, w, c, oh: py.out, ow: px.out, cout, kh, kw, cinPerGroup, padTop: py.padBefore, padLeft: px.padBefore };
}

/**
 * A residual Add fused into a conv's epilogue (src/plan/plan.ts): the Add step, the tensor it adds
 * to the conv's output, and which of its operands the conv's output is.
 */
export interface FusedResidual {
  add: AddStep;
  tensor: string;
  convOperand: 0 | 1;
}

/** The specialised kernels' uniform tail: the fused Add's (Q13) parameters, conv operand first; zeros without one. */
function residualMembers(r: FusedResidual | undefined): Record<string, number> {
  const a = r?.convOperand ?? 0;
  const b = 1 - a;
  const add = r?.add;
  return {
    res_zero_a: add?.zeroPoints[a] ?? 0, res_zero_b: add?.zeroPoints[b] ?? 0, res_m0_a: add?.multipliers[a]!.m0 ?? 0, res_exp_a: add?.multipliers[a]!.exponent ?? 0,
    res_m0_b: add?.multipliers[b]!.m0 ?? 0, res_exp_b: add?.multipliers[b]!.exponent ?? 0, res_m0_out: add?.outMultiplier.m0 ?? 0, res_exp_out: add?.outMultiplier.exponent ?? 0,
    res_zero_out: add?.zeroPoint ?? 0, res_lo: add?.lo ?? 0, res_hi: add?.hi ?? 0, _pad1: 0,
  };
}

/** The specialised kernels' residual binding: the added tensor, or a dummy. */
export const residualBinding = (step: ConvStep, r: FusedResidual | undefined) =>
  r ? { tensor: r.tensor } : { data: new Uint32Array(4), label: `${step.name}/no-residual` };

/** The Conv uniform struct: the reference kernel's 28 words; the specialised kernels' 40 (`specialised` set). */
export function convUniforms(step: ConvStep, s: ConvShape, width: number, specialised?: { pixelBlocks: number; pixels: number; residual: FusedResidual | undefined }): ArrayBuffer {
  const { strides, dilations, group } = step.geometry;
  const shared = {
    n: s.n, h: s.h, w: s.w, in_words: wordsFor(s.c),
    oh: s.oh, ow: s.ow, cout: s.cout, out_words: wordsFor(s.cout),
    kh: s.kh, kw: s.kw, stride_y: strides[0], stride_x: strides[1],
    dilation_y: dilations[0], dilation_x: dilations[1], pad_top: s.padTop, pad_left: s.padLeft,
    cin_per_group: s.cinPerGroup, cout_per_group: s.cout / group, tap_words: wordsFor(s.cinPerGroup), input_zero_packed: packedZero(step.inputZeroPoint),
    input_zero: step.inputZeroPoint, output_zero: step.out.zeroPoint, lo: step.out.lo, hi: step.out.hi,
    dispatch_width: width,
  };
  if (!specialised) return uniformStruct({ ...shared, _pad0: 0, _pad1: 0, _pad2: 0 });
  return uniformStruct({ ...shared, pixel_blocks: specialised.pixelBlocks, pixels: specialised.pixels, _pad0: 0, ...residualMembers(specialised.residual) });
}

/** Output channel oc's upper clamp bound (Q12b): its own, or the step's. */
const channelHi = (step: ConvStep, oc: number): number => step.out.channelHi?.[oc] ?? step.out.hi;

/** params[oc] = (folded bias, M0, exponent, upper clamp bound), as the reference conv reads them. */
export function convParams(step: ConvStep): Int32Array {
  const cout = step.weightShape[0];
  const params = new Int32Array(cout * 4);
  for (let oc = 0; oc < cout; oc++) params.set([step.bias[oc]!, step.out.m0[oc]!, step.out.exponent[oc]!, channelHi(step, oc)], oc * 4);
  return params;
}


/**
 * The specialised kernels' params, four channels per entry: [ceil(Cout/4)] × (bias vec4, M0
 * vec4, exponent vec4, upper clamp bound vec4) as i32, zero past Cout; one output word's stage
 * is four vec4 loads.
 */
export function convWordParams(step: ConvStep): Int32Array {
  const cout = step.weightShape[0];
  const params = new Int32Array(Math.ceil(cout / 4) * 16);
  for (let oc = 0; oc < cout; oc++) {
    const base = (oc >> 2) * 16 + (oc & 3);
    params[base] = step.bias[oc]!;
    params[base + 4] = step.out.m0[oc]!;
    params[base + 8] = step.out.exponent[oc]!;
    params[base + 12] = channelHi(step, oc);
  }
  return params;
}
