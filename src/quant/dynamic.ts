// Dynamic quantization's arithmetic (docs/quantization.md, D1–D5), defined so that a GPU computes
// every bit of it: the activation's range, scale and zero point are found at run time, from the
// data, by the shader; only f32 operations WGSL rounds correctly (+, −, ×, min, max, round) and
// integer operations are used. The three divisions (the scale, the zero point and the scale's
// inverse) are done on the float's bits by integer long division (divideRounded), since WGSL's
// f32 division may be off by 2.5 ULP.

import type { IntegerConvAttrs } from '../ir/ops/quantize.ts';
import { tensor } from '../ir/tensor.ts';
import { convInteger } from '../ref/float/quantize-integer.ts';
import { roundHalfEven } from '../ref/float/quantize-linear.ts';

/** One activation row's quantization: q = clamp(round(x · inverse) + zeroPoint, 0, 255) (D3). */
export interface DynamicQParams {
  scale: number;
  /** 0 … 255: the uint8 code of 0.0. */
  zeroPoint: number;
  /** divideRounded(1, scale): the element loop multiplies, never divides. */
  inverse: number;
}

const f32Bits = new Float32Array(1);
const u32View = new Uint32Array(f32Bits.buffer);
const bitsOf = (v: number): number => ((f32Bits[0] = v), u32View[0]!);
const fromBits = (b: number): number => ((u32View[0] = b >>> 0), f32Bits[0]!);

/** A finite non-negative float32's significand (implicit bit set for normals) and unbiased exponent, normalised so the significand is in [2^23, 2^24). */
function unpack(bits: number): { m: number; e: number } {
  let e = (bits >>> 23) & 0xff;
  let m = bits & 0x7fffff;
  if (e === 0) {
    // Subnormal: shift the significand up to normal form, counting the exponent down.
    e = 1;
    while (m < 0x800000) {
      m *= 2;
      e--;
    }
  } else m |= 0x800000;
  return { m, e: e - 127 };
}

/**
 * a / b for float32 a ≥ 0 and b > 0, both finite, rounded to nearest even, from integers only:
 * the WGSL twin in shaders/lib/dynamic.wgsl does the same steps on u32. Results below the
 * normal range are 0 and above it +∞ (never reached by D2's quotients: the scale of a tensor's
 * range divided by 255, and 1 or the range's low end divided by that scale).
 */
export function divideRounded(a: number, b: number): number {
  const ab = bitsOf(a);
  if ((ab & 0x7fffffff) === 0) return 0;
  const x = unpack(ab);
  const y = unpack(bitsOf(b));
  let r = x.m;
  let e = x.e - y.e;
  if (r < y.m) {
    r *= 2;
    e--;
  }
  // 26 quotient bits: the leading 1, 23 fraction bits, then a guard and a round bit.
  let q = 0;
  for (let i = 0; i < 26; i++) {
    q *= 2;
    if (r >= y.m) {
      r -= y.m;
      q += 1;
    }
    r *= 2;
  }
  const sticky = r !== 0;
  const guard = Math.floor(q / 2) % 2;
  const roundBit = q % 2;
  let m = Math.floor(q / 4);
  if (guard === 1 && (roundBit === 1 || sticky || m % 2 === 1)) m++;
  if (m === 0x1000000) {
    m /= 2;
    e++;
  }
  const biased = e + 127;
  if (biased <= 0) return 0;
  if (biased >= 255) return Infinity;
  return fromBits((biased << 23) | (m & 0x7fffff));
}

/** (D2) The uint8 quantization of a row whose values span [min, max] (0 joined to the span first, as DynamicQuantizeLinear does). */
export function dynamicQParams(min: number, max: number): DynamicQParams {
  const lo = Math.min(0, min);
  const hi = Math.max(0, max);
  const span = hi === lo ? 1 : Math.fround(hi - lo);
  const scale = divideRounded(span, 255);
  const zeroPoint = Math.min(255, Math.max(0, roundHalfEven(divideRounded(-lo, scale))));
  return { scale, zeroPoint, inverse: divideRounded(1, scale) };
}

/** (D3) One value's uint8 code; NaN becomes the zero point, as in the static quantizer (Q14). */
export function dynamicCode(x: number, p: DynamicQParams): number {
  if (Number.isNaN(x)) return p.zeroPoint;
  const r = Math.min(1024, Math.max(-1024, roundHalfEven(Math.fround(x * p.inverse))));
  return Math.min(255, Math.max(0, r + p.zeroPoint));
}

/** Weights of a dynamic product: [N, K] int8 codes with a scale and zero point per output column. */
export interface DynamicWeights {
  codes: Int8Array;
  n: number;
  k: number;
  scale: Float32Array;
  zeroPoint: Int32Array;
}

/**
 * (D4, D5) y[m, n] = fl(fl(fl(acc) · fl(s_x · s_w[n])) + bias[n]), acc = Σ_k (q_x − z_x)(q_w − z_w[n])
 * exactly. `rows` × K float activations in, rows × N out; `perRow`: a (D2) quantization per row,
 * else one for the whole tensor.
 */
export function dynamicMatmul(x: Float32Array, rows: number, w: DynamicWeights, bias: Float32Array | undefined, perRow: boolean): Float32Array {
  const { k, n } = w;
  if (x.length !== rows * k) throw new RangeError(`dynamic MatMul: ${x.length} activations are not ${rows} rows of ${k}`);
  const params = rowParams(x, rows, k, perRow);
  const out = new Float32Array(rows * n);
  const codes = new Int32Array(k);
  for (let m = 0; m < rows; m++) {
    const p = params[perRow ? m : 0]!;
    for (let i = 0; i < k; i++) codes[i] = dynamicCode(x[m * k + i]!, p) - p.zeroPoint;
    for (let j = 0; j < n; j++) {
      const zw = w.zeroPoint[j]!;
      let acc = 0;
      for (let i = 0; i < k; i++) acc += codes[i]! * (w.codes[j * k + i]! - zw);
      out[m * n + j] = epilogue(acc, p.scale, w.scale[j]!, bias?.[j]);
    }
  }
  return out;
}

/** (D5) One output: fl(fl(acc) · fl(s_x · s_w)), plus the bias when there is one. */
const epilogue = (acc: number, scale: number, wScale: number, bias: number | undefined): number => {
  const product = Math.fround(Math.fround(acc) * Math.fround(scale * wScale));
  return bias === undefined ? product : Math.fround(product + bias);
};

/**
 * (D6) A 2-D convolution, group 1, of NCHW float x [images, C, H, W] quantized as one tensor:
 * weight codes [N, C, kh, kw] with a scale and zero point per output channel; NCHW float out.
 */
export function dynamicConv(
  x: Float32Array,
  xShape: readonly number[],
  w: { codes: Int8Array; shape: readonly number[]; scale: Float32Array; zeroPoint: Int32Array },
  bias: Float32Array | undefined,
  attrs: IntegerConvAttrs,
): { data: Float32Array; shape: number[] } {
  const [p] = rowParams(x, 1, x.length, false);
  const codes = tensor('int32', [...xShape], Array.from(x, (v) => dynamicCode(v, p!)));
  const acc = convInteger(codes, tensor('int8', [...w.shape], w.codes), tensor('int32', [], [p!.zeroPoint]), tensor('int32', [w.shape[0]!], w.zeroPoint), attrs);
  const n = w.shape[0]!;
  const plane = acc.data.length / (acc.shape[0]! * n);
  const out = new Float32Array(acc.data.length);
  for (let i = 0; i < out.length; i++) {
    const c = Math.floor(i / plane) % n;
    out[i] = epilogue(acc.data[i]!, p!.scale, w.scale[c]!, bias?.[c]);
  }
  return { data: out, shape: acc.shape };
}

/** (D1, D2) for each row, or once over all of x. */
export function rowParams(x: Float32Array, rows: number, k: number, perRow: boolean): DynamicQParams[] {
  const spans = perRow ? rows : 1;
  const length = perRow ? k : rows * k;
  return Array.from({ length: spans }, (_, r) => {
    let min = 0;
    let max = 0;
    for (let i = r * length; i < (r + 1) * length; i++) {
      const v = x[i]!;
      if (v < min) min = v;
      if (v > max) max = v;
    }
    return dynamicQParams(min, max);
  });
}
