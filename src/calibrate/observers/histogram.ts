// A fixed-bin-count histogram whose range grows as samples arrive, so that any number of samples
// fits in bounded memory.
//
// Two forms:
// - 'signed': bins over [lo, hi] = [smallest, largest] finite value seen;
// - 'absolute': bins over [0, hi] of |x|, hi = largest finite |x| seen.
// Bin j covers [lo + j·w, lo + (j + 1)·w) with w = (hi − lo) / bins; the value hi itself goes to the
// last bin. Until two distinct values are seen the range is a single point (w = 0) and all counts
// sit in bin 0, which then stands for that point.
//
// Growth: when a sample falls outside [lo, hi], the range is widened to exactly cover the new
// extremes (bin count unchanged) and the old counts are re-binned. Re-binning splits each old bin's
// count proportionally between the new bins its interval overlaps (the counts are assumed uniform
// within a bin), rather than moving it whole to the bin holding its centre: the split does not shift
// mass by up to half a new bin at every growth. As new bins are at least as wide as old ones, an old
// bin overlaps at most two new bins. Counts are therefore fractional (Float64Array) and the total
// is kept up to float rounding. The exact extremes are tracked on the side (min, max).
//
// NaN and ±Infinity are ignored.

import { CalibrationError, checkBins, DEFAULT_BINS } from './observer.ts';

export type HistogramForm = 'signed' | 'absolute';

export class Histogram {
  readonly bins: number;
  /** Counts per bin; fractional after a re-binning. */
  counts: Float64Array;
  lo = 0;
  hi = 0;
  /** Number of finite values added. */
  total = 0;
  /** Exact smallest and largest value binned (of |x| in the absolute form). */
  min = Infinity;
  max = -Infinity;

  constructor(
    bins: number = DEFAULT_BINS,
    readonly form: HistogramForm = 'signed',
  ) {
    this.bins = checkBins(bins);
    this.counts = new Float64Array(this.bins);
  }

  get empty(): boolean {
    return this.total === 0;
  }

  get binWidth(): number {
    return (this.hi - this.lo) / this.bins;
  }

  binCentre(j: number): number {
    return this.lo + (j + 0.5) * this.binWidth;
  }

  add(values: Float32Array): void {
    const abs = this.form === 'absolute';
    let min = Infinity;
    let max = -Infinity;
    let count = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i]!;
      if (v - v !== 0) continue; // NaN or ±Infinity
      const x = abs ? Math.abs(v) : v;
      if (x < min) min = x;
      if (x > max) max = x;
      count++;
    }
    if (count === 0) return;

    if (this.empty) {
      this.lo = abs ? 0 : min;
      this.hi = max;
    } else if (min < this.lo || max > this.hi) {
      this.grow(Math.min(this.lo, min), Math.max(this.hi, max));
    }
    this.min = Math.min(this.min, min);
    this.max = Math.max(this.max, max);

    const { lo, bins, counts } = this;
    const span = this.hi - lo;
    const last = bins - 1;
    if (span === 0) {
      counts[0]! += count;
    } else {
      const inv = bins / span;
      for (let i = 0; i < values.length; i++) {
        const v = values[i]!;
        if (v - v !== 0) continue;
        const x = abs ? Math.abs(v) : v;
        const j = Math.floor((x - lo) * inv);
        counts[j < 0 ? 0 : j > last ? last : j]! += 1;
      }
    }
    this.total += count;
  }

  /**
   * The value below which a fraction q (in [0, 1]) of the counts lies, interpolating linearly
   * within a bin, and clamped to the exact extremes.
   */
  quantile(q: number): number {
    if (this.empty) throw new CalibrationError('histogram quantile of an empty histogram');
    const w = this.binWidth;
    if (w === 0) return this.lo;
    const target = Math.min(1, Math.max(0, q)) * this.total;
    let cum = 0;
    for (let j = 0; j < this.bins; j++) {
      const c = this.counts[j]!;
      if (c > 0 && cum + c >= target) {
        const x = this.lo + (j + Math.max(0, target - cum) / c) * w;
        return Math.min(this.max, Math.max(this.min, x));
      }
      cum += c;
    }
    return this.max;
  }

  /** Widens the range to [lo, hi] (which contains the old one) and re-bins the old counts. */
  private grow(lo: number, hi: number): void {
    const old = this.counts;
    const oldLo = this.lo;
    const oldW = this.binWidth;
    const bins = this.bins;
    const last = bins - 1;
    const next = new Float64Array(bins);
    const inv = bins / (hi - lo); // hi > lo: the new range strictly contains the old one
    const overlap = [0, 0, 0];

    for (let j = 0; j < bins; j++) {
      const c = old[j]!;
      if (c === 0) continue;
      // The old bin's interval in new-bin units: [pa, pb], pb − pa <= 1.
      const pa = (oldLo + j * oldW - lo) * inv;
      const pb = (oldLo + (j + 1) * oldW - lo) * inv;
      const ka = Math.min(last, Math.max(0, Math.floor(pa)));
      if (pb - pa <= 0) {
        next[ka]! += c; // a point (the single-value range): all of it to the bin holding it
        continue;
      }
      const kb = Math.min(last, ka + 2);
      let sum = 0;
      for (let k = ka; k <= kb; k++) {
        const o = Math.max(0, Math.min(pb, k + 1) - Math.max(pa, k));
        overlap[k - ka] = o;
        sum += o;
      }
      if (sum === 0) {
        next[ka]! += c;
        continue;
      }
      for (let k = ka; k <= kb; k++) next[k]! += (c * overlap[k - ka]!) / sum;
    }

    this.counts = next;
    this.lo = lo;
    this.hi = hi;
  }
}
