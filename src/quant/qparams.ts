// Quantization parameters, as docs/quantization.md (Q2)–(Q4), (Q12), (Q14), (Q15) define them.
// Scales are float32 values (what the GPU holds); offline arithmetic on them is in doubles.

import type { Clamp } from '../ir/graph.ts';

export interface QParams {
  /** float32 */
  scale: number;
  zeroPoint: number;
}

export interface Range {
  min: number;
  max: number;
}

export const roundHalfAwayFromZero = (x: number): number => Math.sign(x) * Math.round(Math.abs(x));

/** Round half to even, as ONNX QuantizeLinear and WGSL round() do. */
export function roundHalfEven(x: number): number {
  const r = Math.round(x);
  return r - x === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

const clampInt = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);

/** (Q2): asymmetric int8 (or symmetric with z = 0) from a calibrated range. */
export function activationQParams(range: Range, symmetric = false): QParams {
  const lo = Math.min(range.min, 0);
  const hi = Math.max(range.max, 0);
  if (!Number.isFinite(lo) || !Number.isFinite(hi)) throw new RangeError(`range [${range.min}, ${range.max}] is not finite`);
  if (symmetric) {
    const bound = Math.max(-lo, hi);
    return bound === 0 ? { scale: 1, zeroPoint: 0 } : { scale: Math.fround(bound / 127), zeroPoint: 0 };
  }
  if (hi === lo) return { scale: 1, zeroPoint: 0 };
  const scale = Math.fround((hi - lo) / 255);
  return { scale, zeroPoint: clampInt(roundHalfAwayFromZero(-128 - lo / scale), -128, 127) };
}

export interface QuantizedWeights {
  /** Same shape as the float weights; output channels on axis 0. */
  values: Int8Array;
  /** float32 scale per output channel (all equal with perTensor). */
  scales: Float32Array;
}

/** (Q3): symmetric int8 in [−127, 127], one scale per output channel (axis 0) or per tensor. */
/**
 * (Q3). `minScales[c]`, when given, is the smallest scale channel c may take (so that its bias
 * fits int32, (Q4)).
 */
export function quantizeWeights(w: ArrayLike<number>, channels: number, perTensor = false, minScales?: ArrayLike<number>): QuantizedWeights {
  const inner = w.length / channels;
  const maxAbs = new Float64Array(channels);
  for (let i = 0; i < w.length; i++) {
    const c = Math.floor(i / inner);
    maxAbs[c] = Math.max(maxAbs[c]!, Math.abs(w[i]!));
  }
  if (perTensor) maxAbs.fill(Math.max(...maxAbs));
  const scales = Float32Array.from(maxAbs, (m, c) => {
    const floor = minScales?.[c] ?? 0;
    return m === 0 && floor === 0 ? 1 : Math.max(m / 127, floor);
  });
  const values = new Int8Array(w.length);
  for (let i = 0; i < w.length; i++) {
    values[i] = clampInt(roundHalfAwayFromZero(w[i]! / scales[Math.floor(i / inner)]!), -127, 127);
  }
  return { values, scales };
}

/** (Q4): the largest |q_b| the quantizer makes, half of int32: the other half is for Σ q_x · q_w (Q19). */
export const BIAS_LIMIT = 2 ** 30;

/** (Q4): each channel's smallest weight scale that keeps its int32 bias within BIAS_LIMIT. */
export function biasScaleFloors(b: ArrayLike<number> | undefined, inputScale: number, channels: number): Float64Array {
  return Float64Array.from({ length: channels }, (_, c) => (b ? Math.abs(b[c]!) / (inputScale * BIAS_LIMIT) : 0));
}

/** (Q4): int32 bias at scale s_in · s_w[c]. */
export function quantizeBias(b: ArrayLike<number> | undefined, inputScale: number, weightScales: Float32Array): Float64Array {
  return Float64Array.from(weightScales, (sw, c) => (b ? roundHalfAwayFromZero(b[c]! / (inputScale * sw)) : 0));
}

/** (Q12): the int8 clamp bounds of a fused activation. */
export function clampBounds(clamp: Clamp | null, q: QParams): [number, number] {
  if (!clamp) return [-128, 127];
  const lo = clamp.min === -Infinity ? -128 : Math.max(-128, q.zeroPoint + roundHalfAwayFromZero(clamp.min / q.scale));
  const hi = clamp.max === Infinity ? 127 : Math.min(127, q.zeroPoint + roundHalfAwayFromZero(clamp.max / q.scale));
  return [lo, Math.max(lo, hi)];
}

/** (Q12b): the int8 upper bound of each channel of a clamp with per-channel bounds, in [lo, hi]. */
export function channelUpperBounds(clamp: Clamp | null, q: QParams, [lo, hi]: [number, number]): Int32Array | undefined {
  if (!clamp?.channelMax) return undefined;
  return Int32Array.from(clamp.channelMax, (max) => Math.min(hi, Math.max(lo, q.zeroPoint + roundHalfAwayFromZero(max / q.scale))));
}

/** (Q14): 1/s rounded to float32 once, so that quantizing is a correctly rounded f32 multiply (an f32 division is not), the same on the CPU and in every GPU kernel that quantizes. */
export const inverseScale = (q: QParams): number => Math.fround(1 / q.scale);

/** (Q14): float → int8 as x · (1/s) in float32, rounded half to even; NaN → z, ±∞ saturate. */
export function quantizeValue(x: number, q: QParams, inverse = inverseScale(q)): number {
  if (Number.isNaN(x)) return q.zeroPoint;
  return clampInt(roundHalfEven(Math.fround(x * inverse)) + q.zeroPoint, -128, 127);
}

/** (Q15): int8 → float32. */
export const dequantizeValue = (v: number, q: QParams): number => Math.fround(q.scale * (v - q.zeroPoint));
