// MSE calibration: the range whose asymmetric 8-bit quantization (256 levels, scale =
// (max − min)/255, zero point round(−min/scale), values clamped to the 256 representable values)
// has the smallest mean squared error over the values seen, estimated from a signed histogram.
//
// Error of a bin: count · the mean of (x − fakeQuant(x))² for x uniform over the bin. This is
// computed exactly (closed form of the integral of the squared sawtooth / clipping error), so
// unlike count·(centre − fakeQuant(centre))² it does not alias when the quantization step is
// close to the bin width (a step that happens to land on the bin centres would otherwise score ~0).
// For bins entirely outside the representable range it is count·((centre − edge)² + w²/12), summed
// in O(1) through prefix sums; only the bins inside are visited one by one. A histogram with a
// single value v (all counts at one point) has the exact answer [min(v, 0), max(v, 0)] (0 error).
//
// Candidates: with L = min(observedMin, 0) and H = max(observedMax, 0), ranges [a·L, b·H] with a, b
// in (0, 1], so 0 is always inside. Search:
// 1. the single factor a = b = α over 1.00, 0.99, ..., 0.01 (100 steps);
// 2. then each end on its own over the same 100 steps (a with b fixed, b with a fixed), alternately
//    until neither moves: an outlier on one side must not force clipping the other side by the
//    same factor (coordinate descent, ~10× cheaper than the full 100×100 grid);
// 3. then likewise on a 0.001 grid within ±0.01 of the best point.
// Ties go to the candidate found first (the wider range).

import { Histogram } from './histogram.ts';
import { DEFAULT_BINS, includeZero, notObserved, type Observer, type Range } from './observer.ts';

const LEVELS = 255; // steps between the 256 representable values
const STEPS = 100;
const MAX_ROUNDS = 6;

export class MseObserver implements Observer {
  readonly histogram: Histogram;

  constructor(bins: number = DEFAULT_BINS) {
    this.histogram = new Histogram(bins, 'signed');
  }

  observe(values: Float32Array): void {
    this.histogram.add(values);
  }

  range(): Range {
    const h = this.histogram;
    if (h.empty) throw notObserved('mse');
    const lo = Math.min(h.min, 0);
    const hi = Math.max(h.max, 0);
    if (h.binWidth === 0 || lo === hi) return includeZero(h.min, h.max);
    const error = quantizationError(h);

    // Candidate [a·lo, b·hi]; a (resp. b) stays 1 when lo (resp. hi) is 0.
    let a = 1;
    let b = 1;
    let best = error(lo, hi);
    const tryAt = (na: number, nb: number) => {
      if (!(na > 0 && na <= 1 && nb > 0 && nb <= 1)) return;
      const e = error(na * lo, nb * hi);
      if (e < best) {
        best = e;
        a = na;
        b = nb;
      }
    };
    const scanA = (centre: number, step: number, from: number, to: number) => {
      const bb = b;
      if (lo < 0) for (let k = to; k >= from; k--) tryAt(centre + k * step, bb); // widest first
    };
    const scanB = (centre: number, step: number, from: number, to: number) => {
      const aa = a;
      if (hi > 0) for (let k = to; k >= from; k--) tryAt(aa, centre + k * step);
    };
    // 1. The same factor on both ends: [α·lo, α·hi], α = 1.00, 0.99, ..., 0.01.
    for (let k = 1; k < STEPS; k++) {
      const alpha = 1 - k / STEPS;
      tryAt(lo < 0 ? alpha : 1, hi > 0 ? alpha : 1);
    }
    // 2. Each end on its own, on the same 0.01 grid, alternately until neither moves.
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const [a0, b0] = [a, b];
      scanA(0, 1 / STEPS, 1, STEPS);
      scanB(0, 1 / STEPS, 1, STEPS);
      if (a === a0 && b === b0) break;
    }
    // 3. Refinement on a 0.001 grid within ±0.01 of the best point, likewise.
    const fine = 1 / (10 * STEPS);
    for (let round = 0; round < MAX_ROUNDS; round++) {
      const [a0, b0] = [a, b];
      scanA(a0, fine, -10, 10);
      scanB(b0, fine, -10, 10);
      if (a === a0 && b === b0) break;
    }
    return includeZero(a * lo, b * hi);
  }
}

/**
 * Returns error(min, max): the summed squared error (in count·value² units) of quantizing the
 * histogram's values with the asymmetric 8-bit quantizer of range [min, max] (min <= 0 <= max, min < max).
 */
export function quantizationError(h: Histogram): (min: number, max: number) => number {
  const { bins, counts, lo: hLo } = h;
  const w = h.binWidth;
  const within = (w * w) / 12; // variance of a value uniform over a bin
  // Prefix sums over bins [0, j): counts, count·centre, count·(centre² + w²/12).
  const s0 = new Float64Array(bins + 1);
  const s1 = new Float64Array(bins + 1);
  const s2 = new Float64Array(bins + 1);
  for (let j = 0; j < bins; j++) {
    const c = counts[j]!;
    const x = hLo + (j + 0.5) * w;
    s0[j + 1] = s0[j]! + c;
    s1[j + 1] = s1[j]! + c * x;
    s2[j + 1] = s2[j]! + c * (x * x + within);
  }
  // Σ over bins [from, to) of count·((centre − v)² + w²/12).
  const clipped = (from: number, to: number, v: number) =>
    s2[to]! - s2[from]! - 2 * v * (s1[to]! - s1[from]!) + v * v * (s0[to]! - s0[from]!);

  return (min, max) => {
    const s = (max - min) / LEVELS;
    const zp = Math.min(LEVELS, Math.max(0, Math.round(-min / s)));
    const g0 = -zp * s; // smallest representable value
    const gN = (LEVELS - zp) * s; // largest
    const s3 = s * s * s;
    // ∫ from g0 to x of (t − fakeQuant(t))² dt.
    const integral = (x: number): number => {
      const u = (x - g0) / s;
      if (u <= 0) {
        const d = g0 - x;
        return (-d * d * d) / 3;
      }
      if (u >= LEVELS) {
        const d = x - gN;
        return (s3 * LEVELS) / 12 + (d * d * d) / 3;
      }
      const n = Math.floor(u);
      const f = u - n;
      const part = f <= 0.5 ? (f * f * f) / 3 : 1 / 12 - ((1 - f) * (1 - f) * (1 - f)) / 3;
      return s3 * (n / 12 + part);
    };

    // Bins entirely below g0 are [0, jLo); entirely above gN are [jHi, bins).
    const jLo = Math.min(bins, Math.max(0, Math.floor((g0 - hLo) / w)));
    const jHi = Math.min(bins, Math.max(jLo, Math.ceil((gN - hLo) / w)));
    let err = clipped(0, jLo, g0) + clipped(jHi, bins, gN);
    let left = integral(hLo + jLo * w);
    for (let j = jLo; j < jHi; j++) {
      const right = integral(hLo + (j + 1) * w);
      const c = counts[j]!;
      if (c !== 0) err += (c * (right - left)) / w;
      left = right;
    }
    return err;
  };
}
