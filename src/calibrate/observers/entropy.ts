// Entropy (KL-divergence) calibration, after TensorRT's INT8 calibrator (Migacz, "8-bit Inference
// with TensorRT", GTC 2017):
//
// A histogram of |x| (default 2048 bins over [0, max|x|], growing as samples arrive; see
// histogram.ts). For each candidate bin count i from 128 to 2048:
// - reference P = hist[0..i), with every count from bin i on (the values that would be clipped)
//   added to the last bin P[i−1];
// - candidate Q = hist[0..i) merged into 128 levels (256 for a tensor that is never negative,
//   which the asymmetric scheme gives all 256 int8 levels over [0, T]) (⌊i/128⌋ bins per level, the last level also
//   takes the i mod 128 leftover bins), then expanded back to i bins by spreading each level's
//   count uniformly over the bins of that level that are non-zero in hist (zero bins stay zero);
// - both normalised, KL(P‖Q) = Σ P·log(P/Q) over the bins where P > 0.
// The i with the smallest KL wins (the smallest i on ties, KL within 1e-12) and the threshold is T = i·binWidth, the
// upper edge of the last bin kept in P (TensorRT's slides say (i + 0.5)·binWidth; i·binWidth is the
// edge up to which P actually holds the values unclipped, and gives T = max|x| when i = 2048).
//
// Smoothing (our choice, in the spirit of MXNet's / onnxruntime's smooth_distribution with
// eps = 1e-4): where P > 0 but Q = 0 (only possible in the last bin, when hist[i−1] = 0 but values
// beyond it were folded in), Q gets eps = 1e-4 *counts* before normalisation. A stray count
// thus costs about (its probability)·ln(1/eps) ≈ 9.2/N nats, finite but not negligible. Candidates
// whose Q is entirely zero are skipped, and so are candidates i < 2048 with a single non-zero bin
// below i (their P and Q normalise to the same spike: KL = 0 however much they clip).
//
// Spikes: before the search, isolated spikes are cut down to their neighbourhood's median
// (flattenSpikes below), and the zero spike: the first bin's count is replaced by the second's, as NVIDIA's
// pytorch-quantization entropy calibrator does (`bins[0] = bins[1]`). The first bin holds every
// exact zero (half of a ReLU output, padding), and merging that spike with its neighbours into one
// level dominates the KL of every candidate with more than one bin per level, which drags T down:
// on max(0, N(0,1)) the search gives T ≈ 1.8 with the spike and ≈ 3.6 without it, against ≈ 3.8
// on |N(0,1)|, the same positive values without the zeros. The spike is irrelevant to the threshold
// (0 is always exactly representable), so it is left out of the comparison.
//
// The range is then [max(observedMin, −T), min(observedMax, T)], widened to include 0: a ReLU
// output (all >= 0) gets [0, T].

import { Histogram } from './histogram.ts';
import { DEFAULT_BINS, finiteExtremes, includeZero, notObserved, type Observer, type Range } from './observer.ts';

export const ENTROPY_LEVELS = 128;
const EPS = 1e-4;
/** KL values closer than this are ties, which go to the smaller i (exact ties do occur, e.g. when the data fill fewer than 128 bins). */
const KL_TIE = 1e-12;

export class EntropyObserver implements Observer {
  readonly histogram: Histogram;
  private min = Infinity;
  private max = -Infinity;

  constructor(bins: number = DEFAULT_BINS) {
    this.histogram = new Histogram(bins, 'absolute');
  }

  observe(values: Float32Array): void {
    const s = finiteExtremes(values);
    if (s.count === 0) return;
    this.min = Math.min(this.min, s.min);
    this.max = Math.max(this.max, s.max);
    this.histogram.add(values);
  }

  /** The |x| threshold T chosen by the KL search. */
  threshold(): number {
    const h = this.histogram;
    if (h.empty) throw notObserved('entropy');
    const counts = flattenSpikes(h.counts);
    counts[0] = counts[1]!; // leave out the zero spike (see above)
    // A tensor that never goes negative gets all 256 int8 levels over [0, T] from the asymmetric
    // scheme (Q2), so its candidates are compared at 256 levels (as pytorch-quantization does
    // for unsigned tensors); signed tensors get 128 levels per side.
    return klThreshold(counts, h.binWidth, this.min >= 0 ? 2 * ENTROPY_LEVELS : ENTROPY_LEVELS);
  }

  range(): Range {
    const t = this.threshold();
    return includeZero(Math.max(this.min, -t), Math.min(this.max, t));
  }
}

const SPIKE_WINDOW = 16;
const SPIKE_RATIO = 8;

/**
 * Isolated spikes (a bin holding more than SPIKE_RATIO × the median of its ±SPIKE_WINDOW
 * neighbours) are cut down to that median before the search. Spikes come from constant input
 * regions: on an image background every window is the same, so each channel's output is one
 * exact value repeated thousands of times (16 such spikes hold ~60% of the bundled model's
 * first-layer activations). The KL comparison models a level as a uniform spread over its bins,
 * so any spike makes every coarse candidate look bad and drags T to the smallest candidate
 * (0.75 of 6 there, clipping 6% of the values), although a spike is quantized with the same
 * ≤ s/2 error as any other value. Smooth densities, even sharply peaked ones, are not touched.
 */
export function flattenSpikes(hist: Float64Array): Float64Array {
  const out = hist.slice();
  const window: number[] = [];
  for (let j = 0; j < hist.length; j++) {
    window.length = 0;
    for (let k = Math.max(0, j - SPIKE_WINDOW); k <= Math.min(hist.length - 1, j + SPIKE_WINDOW); k++) if (k !== j) window.push(hist[k]!);
    window.sort((a, b) => a - b);
    const median = window[window.length >> 1] ?? 0;
    if (hist[j]! > SPIKE_RATIO * Math.max(median, 1)) out[j] = median;
  }
  return out;
}

/**
 * TensorRT's KL-divergence threshold search over a histogram of |x| with bins of width `binWidth`
 * from 0; returns T = i·binWidth for the best candidate bin count i.
 *
 * Computed in O(levels) per candidate through prefix sums rather than by building P and Q:
 * apart from the last bin, P = hist and Q is the level's mean over its non-zero bins, so
 * Σ P·ln(P/Q) over a level is Σ h·ln h − (Σ h)·ln(mean), and Σ P = total; the last bin (which
 * also holds the clipped mass) is then corrected on its own.
 */
export function klThreshold(hist: Float64Array, binWidth: number, levels = ENTROPY_LEVELS): number {
  const bins = hist.length;
  if (binWidth === 0) return 0; // every |x| is 0
  const start = Math.min(levels, bins);

  // Prefix sums over bins [0, k): counts, Σ h·ln h, non-zero bins.
  const cnt = new Float64Array(bins + 1);
  const hlh = new Float64Array(bins + 1);
  const nz = new Float64Array(bins + 1);
  for (let j = 0; j < bins; j++) {
    const h = hist[j]!;
    cnt[j + 1] = cnt[j]! + h;
    hlh[j + 1] = hlh[j]! + (h > 0 ? h * Math.log(h) : 0);
    nz[j + 1] = nz[j]! + (h > 0 ? 1 : 0);
  }
  const total = cnt[bins]!; // Σ P for every candidate: P keeps all the mass

  let best = bins;
  let bestKl = Infinity;
  for (let i = start; i <= bins; i++) {
    const kept = cnt[i]!; // Σ Q before smoothing
    // A candidate that clips while keeping a single occupied bin is degenerate: P and Q are then the
    // same spike and KL = 0, whatever the clipped mass (data away from 0, e.g. all in [0.5, 4], would
    // be clipped at the first occupied bin). Such candidates are skipped.
    if (nz[i]! < (i < bins ? 2 : 1)) continue;
    const nLevels = Math.min(levels, i);
    const perLevel = Math.floor(i / nLevels);

    // Σ P·ln(P/Q) (unnormalised) as if P were hist on every bin.
    let sum = 0;
    let lastMean = 0;
    for (let l = 0; l < nLevels; l++) {
      const from = l * perLevel;
      const to = l === nLevels - 1 ? i : from + perLevel;
      const s = cnt[to]! - cnt[from]!;
      if (s === 0) continue;
      const mean = s / (nz[to]! - nz[from]!);
      sum += hlh[to]! - hlh[from]! - s * Math.log(mean);
      lastMean = mean; // the last level with mass: the one holding bin i − 1 if that bin is non-zero
    }

    // The last bin: P = hist[i − 1] + the clipped mass; Q = its level's mean, or EPS if hist[i − 1] = 0.
    const h = hist[i - 1]!;
    const pLast = h + (total - kept);
    let qSum = kept;
    if (h > 0) sum -= h * Math.log(h) - h * Math.log(lastMean);
    if (pLast > 0) {
      let qLast = lastMean;
      if (h === 0) {
        qLast = EPS;
        qSum += EPS;
      }
      sum += pLast * Math.log(pLast) - pLast * Math.log(qLast);
    }

    // KL(P‖Q) of the normalised distributions.
    const kl = sum / total + Math.log(qSum / total);
    if (kl < bestKl - KL_TIE) {
      bestKl = kl;
      best = i;
    }
  }
  return best * binWidth;
}
