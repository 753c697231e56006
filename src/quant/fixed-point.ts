// Fixed-point requantization, exactly as docs/quantization.md (Q8)–(Q11) define it.
// quantizeMultiplier() is the single source of (M0, e) for both the CPU reference and the GPU
// upload; the integer functions are the reference the WGSL output stage must match bit for bit.

const TWO_31 = 2 ** 31;
const TWO_32 = 2 ** 32;
const INT32_MAX = 0x7fffffff;
const INT32_MIN = -0x80000000;

/**
 * The largest exponent a .q8 holds (src/quant/q8-check.ts): a multiplier of 2^16 or more turns
 * every non-zero accumulator into a saturated output, and its left shift would wrap.
 */
export const MAX_EXPONENT = 16;

/** A real multiplier of 2^MAX_EXPONENT or more: the quantizer names the node it came from. */
export class MultiplierRangeError extends RangeError {}

export interface QuantizedMultiplier {
  /** Q31 mantissa in [2^30, 2^31), or 0 for a multiplier too small to represent. */
  m0: number;
  /** Power-of-two exponent: M = m0 · 2^(exponent − 31); positive means a left shift. */
  exponent: number;
}

/** (Q8): frexp, round half away from zero to Q31, renormalise on overflow, flush tiny values; refuse ≥ 2^MAX_EXPONENT. */
export function quantizeMultiplier(real: number): QuantizedMultiplier {
  if (!(real > 0) || !Number.isFinite(real)) {
    if (real === 0) return { m0: 0, exponent: 0 };
    throw new RangeError(`requantization multiplier must be a finite number ≥ 0, got ${real}`);
  }
  let exponent = Math.floor(Math.log2(real)) + 1;
  let fraction = real / 2 ** exponent;
  // log2 can be off by one ulp at exact powers of two; put the fraction back in [0.5, 1).
  if (fraction >= 1) (fraction /= 2), exponent++;
  if (fraction < 0.5) (fraction *= 2), exponent--;
  let m0 = Math.round(fraction * TWO_31);
  if (m0 === TWO_31) (m0 /= 2), exponent++;
  if (exponent < -31) return { m0: 0, exponent: 0 };
  if (exponent > MAX_EXPONENT) throw new MultiplierRangeError(`requantization multiplier ${real.toPrecision(3)} is 2^${MAX_EXPONENT} or more, beyond int8 fixed point`);
  return { m0, exponent };
}

/**
 * (Q10) SaturatingRoundingDoublingHighMul(a, b) for int32 a, b, with the 64-bit product formed
 * exactly from 16-bit halves (every partial sum stays below 2^53).
 */
export function srdhm(a: number, b: number): number {
  if (a < 4194304 && a > -4194304) {
    // |a| < 2^22 and |b| ≤ 2^31 keep a·b below 2^53: the double product, the nudge and the
    // division by 2^31 are all exact, so this is (Q10) literally (the common case, and fast).
    const p = a * b;
    return Math.trunc((p + (p >= 0 ? 2 ** 30 : 1 - 2 ** 30)) / TWO_31) | 0;
  }
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const negative = a < 0 !== b < 0 && a !== 0 && b !== 0;
  const [hi, lo] = mulU32(Math.abs(a), Math.abs(b));
  // Positive products round with +2^30; negative ones truncate toward zero after adding 1 − 2^30,
  // i.e. their magnitude rounds with +(2^30 − 1).
  const nudge = negative ? 2 ** 30 - 1 : 2 ** 30;
  const magnitude = 2 * hi + Math.floor((lo + nudge) / TWO_31);
  return negative ? -magnitude | 0 : magnitude;
}

/** Exact unsigned product of two values < 2^32, as [high 32 bits, low 32 bits]. */
function mulU32(x: number, y: number): [number, number] {
  const x1 = Math.floor(x / 65536);
  const x0 = x % 65536;
  const y1 = Math.floor(y / 65536);
  const y0 = y % 65536;
  const mid = x1 * y0 + x0 * y1;
  const low = x0 * y0 + (mid % 65536) * 65536;
  const hi = x1 * y1 + Math.floor(mid / 65536) + Math.floor(low / TWO_32);
  return [hi, low % TWO_32];
}

/** (Q11) RoundingDivideByPOT: x / 2^n rounded half away from zero, for 0 ≤ n ≤ 31. */
export function rdbpot(x: number, n: number): number {
  if (n === 0) return x;
  const mask = n === 31 ? 0x7fffffff : (1 << n) - 1;
  const remainder = x & mask;
  const threshold = (mask >> 1) + (x < 0 ? 1 : 0);
  return (x >> n) + (remainder > threshold ? 1 : 0);
}

/** (Q9) without offset and clamp: x · M for M = m0 · 2^(exponent − 31). */
export function multiplyByQuantizedMultiplier(x: number, q: QuantizedMultiplier): number {
  const left = Math.max(q.exponent, 0);
  const right = Math.max(-q.exponent, 0);
  return rdbpot(srdhm((x * 2 ** left) | 0, q.m0), right);
}

/** (Q9): the whole output stage for one int32 accumulator. */
export function requantize(acc: number, q: QuantizedMultiplier, zeroPoint: number, lo: number, hi: number): number {
  // int32 addition, wrapping as the GPU's does (reachable only with a multiplier near 1 and an
  // accumulator near 2^31, which (Q19) rules out for real layers).
  const y = (zeroPoint + multiplyByQuantizedMultiplier(acc, q)) | 0;
  return y < lo ? lo : y > hi ? hi : y;
}

/**
 * (Q9) for many channels at once, precomputed into flat arrays so the per-element work in the
 * reference kernels is a few number operations. Computes exactly what requantize() does.
 */
export class OutputStageTable {
  private readonly m0: Float64Array;
  private readonly leftScale: Float64Array;
  private readonly rightShift: Int32Array;

  private readonly hi: Int32Array;

  /** `hi`: one upper bound for every channel, or each channel's own (Q12b). */
  constructor(m0: ArrayLike<number>, exponent: ArrayLike<number>, private readonly zeroPoint: number, private readonly lo: number, hi: number | Int32Array) {
    this.m0 = Float64Array.from(m0);
    this.hi = typeof hi === 'number' ? new Int32Array(this.m0.length).fill(hi) : hi;
    this.leftScale = Float64Array.from(exponent, (e) => 2 ** Math.max(e, 0));
    this.rightShift = Int32Array.from(exponent, (e) => Math.max(-e, 0));
  }

  apply(acc: number, channel: number): number {
    const y = (this.zeroPoint + rdbpot(srdhm((acc * this.leftScale[channel]!) | 0, this.m0[channel]!), this.rightShift[channel]!)) | 0;
    const hi = this.hi[channel]!;
    return y < this.lo ? this.lo : y > hi ? hi : y;
  }
}
