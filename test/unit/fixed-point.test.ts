// The fixed-point output stage against a literal BigInt transcription of gemmlowp/TFLite,
// on hand-made edge cases and random values.
import { describe, expect, it } from 'vitest';
import { MultiplierRangeError, multiplyByQuantizedMultiplier, OutputStageTable, quantizeMultiplier, rdbpot, requantize, srdhm } from '../../src/quant/fixed-point.ts';
import { uniform } from '../helpers/random.ts';

const INT32_MIN = -(2 ** 31);
const INT32_MAX = 2 ** 31 - 1;

/** TFLite SaturatingRoundingDoublingHighMul, with int64 as BigInt and C's truncating division. */
function srdhmBig(a: number, b: number): number {
  if (a === INT32_MIN && b === INT32_MIN) return INT32_MAX;
  const ab = BigInt(a) * BigInt(b);
  const nudge = ab >= 0n ? 1n << 30n : 1n - (1n << 30n);
  return Number((ab + nudge) / (1n << 31n)); // BigInt division truncates toward zero, like C
}

/** gemmlowp RoundingDivideByPOT, on BigInt. */
function rdbpotBig(x: number, n: number): number {
  const mask = (1n << BigInt(n)) - 1n;
  const big = BigInt(x);
  const remainder = big & mask;
  const threshold = (mask >> 1n) + (big < 0n ? 1n : 0n);
  return Number((big >> BigInt(n)) + (remainder > threshold ? 1n : 0n));
}

describe('SRDHM (Q10)', () => {
  const edges = [0, 1, -1, 2, -2, 3, INT32_MAX, INT32_MIN, INT32_MIN + 1, 2 ** 30, -(2 ** 30), 2 ** 16, 65535, -65537, 123456789, -987654321];
  it('matches the int64 definition on edge values, including the saturating case', () => {
    expect(srdhm(INT32_MIN, INT32_MIN)).toBe(INT32_MAX);
    for (const a of edges) for (const b of edges) expect(srdhm(a, b), `${a}·${b}`).toBe(srdhmBig(a, b));
  });

  it('matches on ties: products exactly halfway, positive and negative', () => {
    // a·b = ±2^30 is exactly 0.5 after the doubling high multiply.
    expect(srdhm(2 ** 15, 2 ** 15)).toBe(srdhmBig(2 ** 15, 2 ** 15));
    expect(srdhm(2 ** 15, 2 ** 15)).toBe(1); // +0.5 rounds up
    expect(srdhm(-(2 ** 15), 2 ** 15)).toBe(0); // −0.5 rounds up too (toward zero), as in gemmlowp
    expect(srdhm(-(2 ** 15), 2 ** 15)).toBe(srdhmBig(-(2 ** 15), 2 ** 15));
    expect(srdhm(3 * 2 ** 14, 2 ** 15)).toBe(srdhmBig(3 * 2 ** 14, 2 ** 15));
  });

  it('matches on 20,000 random pairs (a any int32, b a Q31 multiplier)', () => {
    const next = uniform(5);
    for (let i = 0; i < 20_000; i++) {
      const a = Math.floor(next() * 2 ** 32) - 2 ** 31;
      const b = i % 2 ? 2 ** 30 + Math.floor(next() * 2 ** 30) : Math.floor(next() * 2 ** 32) - 2 ** 31;
      expect(srdhm(a, b)).toBe(srdhmBig(a, b));
    }
  });
});

describe('RDBPOT (Q11)', () => {
  it('rounds half away from zero, and is the identity at shift 0', () => {
    expect([5, -5, 6, -6, 7, -7].map((x) => rdbpot(x, 1))).toEqual([3, -3, 3, -3, 4, -4]);
    expect([1, -1, 2, -2, 3, -3].map((x) => rdbpot(x, 2))).toEqual([0, 0, 1, -1, 1, -1]);
    expect(rdbpot(12345, 0)).toBe(12345);
    expect(rdbpot(-12345, 0)).toBe(-12345);
  });

  it('matches the BigInt transcription for every shift 0..31 on random values', () => {
    const next = uniform(6);
    for (let n = 0; n <= 31; n++) {
      for (let i = 0; i < 300; i++) {
        const x = Math.floor(next() * 2 ** 32) - 2 ** 31;
        expect(rdbpot(x, n), `${x} >> ${n}`).toBe(rdbpotBig(x, n));
      }
      for (const x of [INT32_MIN, INT32_MAX, 0, -1]) expect(rdbpot(x, n)).toBe(rdbpotBig(x, n));
    }
  });
});

describe('quantizeMultiplier (Q8)', () => {
  it('puts M0 in [2^30, 2^31) and reproduces the real multiplier to 2^-31 relative', () => {
    const next = uniform(7);
    for (let i = 0; i < 5000; i++) {
      const real = 2 ** (next() * 40 - 30);
      const { m0, exponent } = quantizeMultiplier(real);
      expect(m0).toBeGreaterThanOrEqual(2 ** 30);
      expect(m0).toBeLessThan(2 ** 31);
      expect(Math.abs(m0 * 2 ** (exponent - 31) - real) / real).toBeLessThanOrEqual(2 ** -31);
    }
  });

  it('handles exact powers of two, mantissa rounding up to 2^31, zero and underflow', () => {
    expect(quantizeMultiplier(0.5)).toEqual({ m0: 2 ** 30, exponent: 0 });
    expect(quantizeMultiplier(1)).toEqual({ m0: 2 ** 30, exponent: 1 });
    expect(quantizeMultiplier(0.25)).toEqual({ m0: 2 ** 30, exponent: -1 });
    expect(quantizeMultiplier(1 - 2 ** -40)).toEqual({ m0: 2 ** 30, exponent: 1 }); // rounds up to 1.0
    expect(quantizeMultiplier(0)).toEqual({ m0: 0, exponent: 0 });
    expect(quantizeMultiplier(2 ** -40)).toEqual({ m0: 0, exponent: 0 });
    expect(() => quantizeMultiplier(-1)).toThrow(RangeError);
    expect(() => quantizeMultiplier(NaN)).toThrow(RangeError);
  });

  it('refuses multipliers of 2^16 or more, which a .q8 cannot hold', () => {
    expect(quantizeMultiplier(65535)).toEqual({ m0: Math.round((65535 / 65536) * 2 ** 31), exponent: 16 });
    expect(() => quantizeMultiplier(65536)).toThrow(MultiplierRangeError);
    expect(() => quantizeMultiplier(1e12)).toThrow(/requantization multiplier 1.00e\+12 is 2\^16 or more/);
  });
});

describe('the output stage (Q9)', () => {
  it('approximates acc · M with at most one unit of rounding error, for right and left shifts', () => {
    const next = uniform(8);
    for (let i = 0; i < 5000; i++) {
      const real = 2 ** (next() * 14 - 12); // 2^-12 .. 4
      const acc = Math.floor((next() * 2 - 1) * 2 ** 20);
      const got = multiplyByQuantizedMultiplier(acc, quantizeMultiplier(real));
      expect(Math.abs(got - acc * real)).toBeLessThanOrEqual(1);
    }
  });

  it('adds the zero point and saturates at both ends of the clamp', () => {
    const m = quantizeMultiplier(0.01);
    expect(requantize(1_000_000, m, 5, -128, 127)).toBe(127);
    expect(requantize(-1_000_000, m, 5, -128, 127)).toBe(-128);
    expect(requantize(1000, m, 5, -128, 127)).toBe(15);
    expect(requantize(1000, m, 5, 0, 12)).toBe(12); // a fused ReLU6-style upper bound
    expect(requantize(-1000, m, 5, 5, 127)).toBe(5); // a fused ReLU's lower bound at z_out
    expect(requantize(-50, m, 0, -128, 127)).toBe(-1); // −0.5 rounds away from zero
    expect(requantize(50, m, 0, -128, 127)).toBe(1);
  });
});

describe('OutputStageTable', () => {
  it('computes exactly what requantize() does, per channel, for large and small accumulators', () => {
    const next = uniform(9);
    const multipliers = Array.from({ length: 16 }, (_, c) => quantizeMultiplier(2 ** (next() * 16 - 14) * (c === 3 ? 600 : 1)));
    const table = new OutputStageTable(multipliers.map((m) => m.m0), multipliers.map((m) => m.exponent), -7, -100, 90);
    for (let i = 0; i < 20_000; i++) {
      const c = i % 16;
      const acc = Math.floor((next() * 2 - 1) * (i % 3 === 0 ? 2 ** 31 : 2 ** 20));
      expect(table.apply(acc, c)).toBe(requantize(acc, multipliers[c]!, -7, -100, 90));
    }
  });
});
