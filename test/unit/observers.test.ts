// Activation-range observers (src/calibrate/observers) on known, seeded distributions.

import { describe, expect, it } from 'vitest';
import {
  CalibrationError,
  createObserver,
  EmaObserver,
  EntropyObserver,
  flattenSpikes,
  Histogram,
  klThreshold,
  MinMaxObserver,
  MseObserver,
  OBSERVER_METHODS,
  PercentileObserver,
  quantizationError,
  type ObserverMethod,
  type Range,
} from '../../src/calibrate/observers/index.ts';

/** mulberry32: a seeded uniform generator in [0, 1). */
function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** Seeded N(0, 1) by Box–Muller over mulberry32 (both outputs of each pair are used). */
function gaussian(seed: number): () => number {
  const uniform = mulberry32(seed);
  let spare: number | undefined;
  return () => {
    if (spare !== undefined) {
      const s = spare;
      spare = undefined;
      return s;
    }
    let u1 = uniform();
    while (u1 === 0) u1 = uniform();
    const r = Math.sqrt(-2 * Math.log(u1));
    const theta = 2 * Math.PI * uniform();
    spare = r * Math.sin(theta);
    return r * Math.cos(theta);
  };
}

/** `count` samples of `size` values each, drawn by `draw`. */
function samples(count: number, size: number, draw: () => number): Float32Array[] {
  return Array.from({ length: count }, () => Float32Array.from({ length: size }, draw));
}

function calibrate(method: ObserverMethod, data: Float32Array[]): Range {
  const observer = createObserver(method);
  for (const s of data) observer.observe(s);
  return observer.range();
}

function calibrateAll(data: Float32Array[]): Record<ObserverMethod, Range> {
  return Object.fromEntries(OBSERVER_METHODS.map((m) => [m, calibrate(m, data)])) as Record<ObserverMethod, Range>;
}

const fmt = (r: Range) => `[${r.min.toFixed(4)}, ${r.max.toFixed(4)}]`;

/** Exact mean squared error of the asymmetric 8-bit fake quantization of every value with range [lo, hi]. */
function exactMse(data: Float32Array[], lo: number, hi: number): number {
  const s = (hi - lo) / 255;
  const zp = Math.min(255, Math.max(0, Math.round(-lo / s)));
  let err = 0;
  let n = 0;
  for (const sample of data) {
    for (const x of sample) {
      const q = Math.min(255, Math.max(0, Math.round(x / s) + zp));
      err += (x - (q - zp) * s) ** 2;
      n++;
    }
  }
  return err / n;
}

/** TensorRT's KL search written out directly (P and Q built bin by bin), to check the prefix-sum version. */
function naiveKlThreshold(hist: Float64Array, binWidth: number): number {
  const bins = hist.length;
  let best = bins;
  let bestKl = Infinity;
  for (let i = Math.min(128, bins); i <= bins; i++) {
    const p = hist.slice(0, i);
    for (let j = i; j < bins; j++) p[i - 1]! += hist[j]!;
    const q = new Float64Array(i);
    const levels = Math.min(128, i);
    const per = Math.floor(i / levels);
    for (let l = 0; l < levels; l++) {
      const from = l * per;
      const to = l === levels - 1 ? i : from + per;
      let sum = 0;
      let nonZero = 0;
      for (let j = from; j < to; j++) {
        sum += hist[j]!;
        if (hist[j] !== 0) nonZero++;
      }
      for (let j = from; j < to; j++) q[j] = hist[j] !== 0 ? sum / nonZero : 0;
    }
    if (q.every((c) => c === 0)) continue;
    if (i < bins && q.filter((c) => c !== 0).length < 2) continue; // a single kept bin: degenerate, skipped
    for (let j = 0; j < i; j++) if (p[j]! > 0 && q[j] === 0) q[j] = 1e-4;
    const ps = p.reduce((a, b) => a + b, 0);
    const qs = q.reduce((a, b) => a + b, 0);
    let kl = 0;
    for (let j = 0; j < i; j++) if (p[j]! > 0) kl += (p[j]! / ps) * Math.log(p[j]! / ps / (q[j]! / qs));
    if (kl < bestKl) {
      bestKl = kl;
      best = i;
    }
  }
  return best * binWidth;
}

// 20 samples of 10,000 N(0, 1) values.
const gaussianSamples = samples(20, 10_000, gaussian(1234));

describe('observers on N(0, 1) with one far outlier', () => {
  // The same samples, sample 7 also carrying a single +100.
  const data = gaussianSamples.slice();
  data[7] = Float32Array.from([...data[7]!, 100]);
  const sorted = Float64Array.from(data.flatMap((s) => [...s])).sort();
  const n = sorted.length;
  // The exact empirical 0.01th and 99.99th percentiles of these 200,001 values (3.666 and −3.707 for
  // this seed; the population values are ±3.719, the sampling spread of the estimate about ±0.05).
  const exactLow = sorted[Math.floor(0.0001 * n)]!;
  const exactHigh = sorted[Math.ceil(0.9999 * n) - 1]!;

  const ranges = calibrateAll(data);
  const entropy = new EntropyObserver();
  for (const s of data) entropy.observe(s);
  console.log(
    `N(0,1) ×200,000 + one +100 (exact data range [${sorted[0]!.toFixed(4)}, 100], exact 0.01/99.99 percentiles ` +
      `${exactLow.toFixed(4)} / ${exactHigh.toFixed(4)}):\n` +
      OBSERVER_METHODS.map((m) => `  ${m.padEnd(10)} ${fmt(ranges[m])}`).join('\n') +
      `\n  entropy threshold T = ${entropy.threshold()} (bin width ${entropy.histogram.binWidth})`,
  );

  it('minmax keeps the outlier', () => {
    expect(ranges.minmax).toEqual({ min: sorted[0], max: 100 });
  });

  it('ema: the outlier sample moves max by only c·(100 − max), then it decays back', () => {
    expect(ranges.ema.max).toBeGreaterThan(4);
    expect(ranges.ema.max).toBeLessThan(5.5);
  });

  it('percentile (99.99) clips it to the Gaussian tail', () => {
    expect(ranges.percentile.max).toBeGreaterThan(3.6);
    expect(ranges.percentile.max).toBeLessThan(4.1);
    expect(ranges.percentile.min).toBeGreaterThan(-4.1);
    expect(ranges.percentile.min).toBeLessThan(-3.6);
    // The histogram estimate is within a bin (0.051 wide) of the exact empirical percentiles.
    expect(Math.abs(ranges.percentile.max - exactHigh)).toBeLessThan(0.05);
    expect(Math.abs(ranges.percentile.min - exactLow)).toBeLessThan(0.05);
  });

  it('entropy clips it, but no lower than the smallest candidate (128 bins of max|x|/2048)', () => {
    // |x| bins are 100/2048 = 0.0488 wide; the Gaussian body (|x| <= 4.72) fills only 97 of them, so
    // every candidate of 128..255 bins keeps it whole and they tie (same KL: only the outlier's
    // count differs from Q); ties go to the smallest, T = 128 · 0.0488 = 6.25.
    const w = entropy.histogram.binWidth;
    expect(w).toBe(100 / 2048);
    expect(entropy.threshold()).toBe(128 * w);
    expect(ranges.entropy.max).toBeGreaterThanOrEqual(6.25);
    expect(ranges.entropy.max).toBeLessThan(10);
    expect(ranges.entropy.min).toBe(sorted[0]); // max(observedMin, −T) = observedMin here
  });

  it('mse clips it only partway: one value at 100 weighs as much as the rounding noise of 200,000', () => {
    // With min ≈ −3.4 fixed, error(H) ≈ (100 − H)² + N·((H + 3.4)/255)²/12, minimal at
    // 100 − H = N·(H + 3.4)/780,300, i.e. H ≈ 78.9: clipping at ~4 costs 96² = 9,216 for the outlier
    // alone, four times the total error at H = 79.
    expect(ranges.mse.max).toBeGreaterThan(75);
    expect(ranges.mse.max).toBeLessThan(83);
    expect(ranges.mse.min).toBeGreaterThan(-4);
    expect(ranges.mse.min).toBeLessThan(-3);
    // Its range really has the smallest exact MSE (over the raw values) among all the methods' ranges.
    const mse = Object.fromEntries(OBSERVER_METHODS.map((m) => [m, exactMse(data, ranges[m].min, ranges[m].max)]));
    console.log('  exact MSE of each range:', Object.entries(mse).map(([m, e]) => `${m} ${e.toExponential(3)}`).join(', '));
    for (const m of OBSERVER_METHODS) expect(mse.mse).toBeLessThanOrEqual(mse[m]!);
  });

  it('the histogram estimate of the quantization error matches the exact one', () => {
    const mse = new MseObserver();
    for (const s of data) mse.observe(s);
    const error = quantizationError(mse.histogram);
    for (const [lo, hi] of [[-3.4, 79], [-4.7, 100], [-4, 4], [-2, 10]] as const) {
      expect(error(lo, hi) / n / exactMse(data, lo, hi)).toBeCloseTo(1, 2);
    }
  });
});

describe('observers on N(0, 1) without outlier', () => {
  const ranges = calibrateAll(gaussianSamples);
  console.log(`N(0,1) ×200,000, no outlier:\n` + OBSERVER_METHODS.map((m) => `  ${m.padEnd(10)} ${fmt(ranges[m])}`).join('\n'));

  it('percentile, entropy and mse clip the tails inside minmax', () => {
    for (const m of ['percentile', 'entropy', 'mse'] as const) {
      expect(ranges[m].max).toBeLessThan(ranges.minmax.max);
      expect(ranges[m].min).toBeGreaterThan(ranges.minmax.min);
      expect(ranges[m].max).toBeGreaterThan(3.5);
      expect(ranges[m].min).toBeLessThan(-3.5);
    }
    // Entropy is symmetric in |x|: [−T, T] inside the data.
    expect(ranges.entropy.min).toBe(-ranges.entropy.max);
  });
});

describe('klThreshold', () => {
  it('matches a direct construction of P and Q', () => {
    const uniform = mulberry32(7);
    const g = gaussian(8);
    const cases: Float64Array[] = [];
    for (const bins of [300, 700]) {
      // |N(0,1)| counts with random holes, plus a far stray count.
      const hist = new Float64Array(bins);
      for (let k = 0; k < 20_000; k++) hist[Math.min(bins - 1, Math.floor((Math.abs(g()) / 5) * bins * 0.6))]! += 1;
      for (let j = 0; j < bins; j++) if (uniform() < 0.1) hist[j] = 0;
      hist[bins - 3] = 1;
      cases.push(hist);
    }
    const entropy = new EntropyObserver(512);
    for (const s of samples(3, 5000, g)) entropy.observe(s);
    cases.push(entropy.histogram.counts);
    for (const hist of cases) expect(klThreshold(hist, 0.01)).toBeCloseTo(naiveKlThreshold(hist, 0.01), 12);
  });
});

describe('ema', () => {
  it('follows min += c·(sampleMin − min), max likewise, after a first sample that sets both', () => {
    const ema = new EmaObserver(0.5);
    const seen: Range[] = [];
    for (const s of [[0, 1], [0, 3], [0, 3]]) {
      ema.observe(Float32Array.from(s));
      seen.push(ema.range());
    }
    expect(seen.map((r) => r.max)).toEqual([1, 2, 2.5]);
    expect(seen.map((r) => r.min)).toEqual([0, 0, 0]);

    const drift = new EmaObserver(0.5);
    const mins: number[] = [];
    for (const s of [[-2, 1], [-4, 5], [-1, 5], [-1, 5]]) {
      drift.observe(Float32Array.from(s));
      mins.push(drift.range().min);
    }
    expect(mins).toEqual([-2, -3, -2, -1.5]);
    expect(drift.range().max).toBe(1 + 2 + 1 + 0.5);
  });

  it('defaults to c = 0.01 and skips samples without finite values', () => {
    const ema = createObserver('ema');
    ema.observe(Float32Array.from([-1, 1]));
    ema.observe(Float32Array.from([NaN, Infinity]));
    ema.observe(Float32Array.from([-1, 101]));
    expect(ema.range().max).toBeCloseTo(2, 12);
    expect(ema.range().min).toBe(-1);
  });
});

describe('sign and degenerate cases', () => {
  it('a ReLU output (all >= 0) gets min = 0 from every method', () => {
    const relu = samples(5, 4000, ((g) => () => Math.max(0, g()))(gaussian(21)));
    const half = samples(5, 4000, ((g) => () => Math.abs(g()))(gaussian(21))); // |N(0,1)|: no zero spike
    const shifted = samples(5, 4000, ((g) => () => Math.abs(g()) + 0.5)(gaussian(21))); // all > 0: 0 is added
    const results = [relu, half, shifted].map(calibrateAll);
    for (const ranges of results) {
      for (const m of OBSERVER_METHODS) {
        expect(ranges[m].min, m).toBe(0);
        expect(ranges[m].max, m).toBeGreaterThan(3);
      }
    }
    // Entropy leaves the ReLU zero spike out of the KL search, so ReLU's half-Gaussian is clipped
    // about where |N(0,1)| is (with the spike it would be clipped at ~1.8).
    const [reluT, halfT, shiftedT] = results.map((r) => r.entropy.max) as [number, number, number];
    console.log(`entropy T: max(0, N(0,1)) ${reluT.toFixed(4)}, |N(0,1)| ${halfT.toFixed(4)}, |N(0,1)| + 0.5 ${shiftedT.toFixed(4)}`);
    expect(Math.abs(reluT - halfT)).toBeLessThan(0.5);
  });

  it('an all-negative tensor gets max = 0 from every method', () => {
    const g = gaussian(22);
    const ranges = calibrateAll(samples(5, 4000, () => -Math.abs(g()) - 0.1));
    for (const m of OBSERVER_METHODS) {
      expect(ranges[m].max, m).toBe(0);
      expect(ranges[m].min, m).toBeLessThan(-2);
    }
  });

  it('a constant tensor c gets [min(c, 0), max(c, 0)] from every method', () => {
    // minmax/ema: by definition. percentile: every percentile of a single value is that value.
    // entropy: all |x| sit in the last bin, so only the 2048-bin candidate has a non-empty Q: T = c.
    // mse: a single value is exactly representable as a range end: zero error.
    for (const [c, expected] of [
      [2.5, { min: 0, max: 2.5 }],
      [-1.5, { min: -1.5, max: 0 }],
      [0, { min: 0, max: 0 }],
    ] as const) {
      const ranges = calibrateAll(samples(3, 100, () => c));
      for (const m of OBSERVER_METHODS) expect(ranges[m], `${m} on ${c}`).toEqual(expected);
    }
  });
});

describe('non-finite values and the unobserved state', () => {
  it('NaN and ±Infinity are ignored', () => {
    const sample = Float32Array.from([NaN, 1, -2, Infinity, -Infinity, 3, NaN]);
    const ranges = calibrateAll([sample]);
    expect(ranges.minmax).toEqual({ min: -2, max: 3 });
    expect(ranges.ema).toEqual({ min: -2, max: 3 });
    for (const m of OBSERVER_METHODS) {
      expect(ranges[m].min, m).toBeGreaterThanOrEqual(-2);
      expect(ranges[m].max, m).toBeLessThanOrEqual(3);
      expect(ranges[m].max - ranges[m].min, m).toBeGreaterThan(0);
    }
    const signed = new Histogram(16);
    signed.add(sample);
    expect([signed.total, signed.lo, signed.hi]).toEqual([3, -2, 3]);
    const abs = new Histogram(16, 'absolute');
    abs.add(sample);
    expect([abs.total, abs.lo, abs.hi]).toEqual([3, 0, 3]);
  });

  it('range() throws CalibrationError until a finite value is observed', () => {
    for (const m of OBSERVER_METHODS) {
      const o = createObserver(m);
      expect(() => o.range(), m).toThrow(CalibrationError);
      o.observe(Float32Array.from([NaN, NaN]));
      o.observe(Float32Array.from([Infinity, -Infinity, NaN]));
      o.observe(new Float32Array(0));
      expect(() => o.range(), m).toThrow(CalibrationError);
      o.observe(Float32Array.from([NaN, 0.5]));
      expect(o.range(), m).toEqual({ min: 0, max: 0.5 });
    }
    const err = (() => {
      try {
        new MinMaxObserver().range();
      } catch (e) {
        return e;
      }
    })();
    expect(err).toBeInstanceOf(Error);
    expect((err as Error).name).toBe('CalibrationError');
  });
});

describe('Histogram', () => {
  it('grows to cover every value and keeps the total count through re-binning', () => {
    const uniform = mulberry32(99);
    const h = new Histogram(256);
    let min = Infinity;
    let max = -Infinity;
    let count = 0;
    let below = 0; // values < 1, to check the shape survives the re-binnings
    for (let k = 1; k <= 12; k++) {
      // Each sample reaches further, alternately on the left and on the right.
      const lo = k % 2 ? -k : -k / 2;
      const hi = k % 2 ? k : 2 * k;
      const sample = Float32Array.from({ length: 3000 }, () => lo + (hi - lo) * uniform());
      h.add(sample);
      for (const x of sample) {
        min = Math.min(min, x);
        max = Math.max(max, x);
        if (x < 1) below++;
      }
      count += sample.length;
      expect(h.lo).toBe(min);
      expect(h.hi).toBe(max);
      expect(h.total).toBe(count);
      expect(h.counts.reduce((a, b) => a + b, 0)).toBeCloseTo(count, 6);
      expect([...h.counts].filter((c) => !(c >= 0)), 'histogram counts that are negative or NaN').toEqual([]);
    }
    // Mass below 1 from the histogram (bins below, plus the straddling bin's share) vs the exact count.
    const w = h.binWidth;
    const j = Math.floor((1 - h.lo) / w);
    let est = 0;
    for (let k = 0; k < j; k++) est += h.counts[k]!;
    est += h.counts[j]! * ((1 - (h.lo + j * w)) / w);
    expect(Math.abs(est - below) / count).toBeLessThan(0.01);
  });

  it('splits an old bin proportionally between the new bins it overlaps', () => {
    const h = new Histogram(2);
    h.add(Float32Array.from([0, 2])); // bins [0, 1) [1, 2]: counts 1, 1
    expect([...h.counts]).toEqual([1, 1]);
    h.add(Float32Array.from([-1])); // new bins [−1, 0.5) [0.5, 2]: old [0, 1) splits half and half
    expect(h.lo).toBe(-1);
    expect(h.hi).toBe(2);
    expect(h.counts[0]).toBeCloseTo(1.5, 12);
    expect(h.counts[1]).toBeCloseTo(1.5, 12);
  });

  it('starts as a single point and re-bins it whole into the bin holding it', () => {
    const h = new Histogram(10);
    h.add(Float32Array.from([2.5, 2.5, 2.5]));
    expect([h.lo, h.hi, h.binWidth, h.counts[0]]).toEqual([2.5, 2.5, 0, 3]);
    h.add(Float32Array.from([-2.5, 7.5])); // bins of width 1 from −2.5: 2.5 is in bin 5
    expect(h.counts[5]).toBe(3);
    expect(h.total).toBe(5);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBe(5);
  });

  it('the absolute form bins |x| over [0, max|x|]', () => {
    const h = new Histogram(8, 'absolute');
    h.add(Float32Array.from([-1, 0.5]));
    expect([h.lo, h.hi]).toEqual([0, 1]);
    h.add(Float32Array.from([-4, 2]));
    expect([h.lo, h.hi, h.total]).toEqual([0, 4, 4]);
    expect(h.counts.reduce((a, b) => a + b, 0)).toBeCloseTo(4, 12);
    expect(h.quantile(1)).toBe(4);
  });
});

describe('createObserver', () => {
  it('dispatches on the method and passes the options', () => {
    expect(createObserver('minmax')).toBeInstanceOf(MinMaxObserver);
    expect((createObserver('ema', { emaConstant: 0.25 }) as EmaObserver).constant).toBe(0.25);
    const p = createObserver('percentile', { percentile: 99, bins: 64 }) as PercentileObserver;
    expect([p.percentile, p.histogram.bins]).toEqual([99, 64]);
    expect((createObserver('entropy', { bins: 512 }) as EntropyObserver).histogram.bins).toBe(512);
    expect((createObserver('mse', { bins: 128 }) as MseObserver).histogram.bins).toBe(128);
    expect((createObserver('percentile') as PercentileObserver).percentile).toBe(99.99);
    expect((createObserver('mse') as MseObserver).histogram.bins).toBe(2048);
  });

  it('rejects unknown methods and out-of-range options', () => {
    expect(() => createObserver('kl' as ObserverMethod)).toThrow(CalibrationError);
    expect(() => createObserver('ema', { emaConstant: 0 })).toThrow(/emaConstant/);
    expect(() => createObserver('ema', { emaConstant: 1.5 })).toThrow(CalibrationError);
    expect(() => createObserver('percentile', { percentile: 101 })).toThrow(/percentile/);
    expect(() => createObserver('percentile', { percentile: 40 })).toThrow(CalibrationError);
    expect(() => createObserver('entropy', { bins: 1 })).toThrow(/bins/);
    expect(() => createObserver('mse', { bins: 10.5 })).toThrow(CalibrationError);
  });

  it('small histograms still work (bins below the 128 entropy levels)', () => {
    const g = gaussian(5);
    const data = samples(4, 2000, g);
    for (const m of ['percentile', 'entropy', 'mse'] as const) {
      const o = createObserver(m, { bins: 32 });
      for (const s of data) o.observe(s);
      const r = o.range();
      expect(r.min, m).toBeLessThan(-1.5);
      expect(r.max, m).toBeGreaterThan(1.5);
    }
  });
});

describe('entropy with spikes from constant input regions', () => {
  // A ReLU output like the bundled model's first layer: a smooth tail, plus 60% of the values
  // sitting on 12 exact values (the per-channel response to a flat image background).
  const draw = gaussian(77);
  const spikes = Array.from({ length: 12 }, (_, k) => 0.1 + 0.07 * k);
  const data = samples(10, 20_000, () => {
    const u = (draw() + 8) % 1; // a cheap uniform from the Gaussian stream
    return u < 0.6 ? spikes[Math.floor(u * 20)]! : Math.abs(draw()) * 1.5;
  });
  const smooth = samples(10, 8_000, () => Math.abs(draw()) * 1.5);

  it('flattens isolated spikes and leaves a smooth histogram as it is', () => {
    const h = new Histogram(2048, 'absolute');
    for (const s of smooth) h.add(s);
    expect(Array.from(flattenSpikes(h.counts))).toEqual(Array.from(h.counts));
    const spiky = new Histogram(2048, 'absolute');
    for (const s of data) spiky.add(s);
    const flat = flattenSpikes(spiky.counts);
    const spikeBins = Array.from(spiky.counts.keys()).filter((j) => spiky.counts[j]! !== flat[j]!);
    expect(spikeBins.length).toBeGreaterThanOrEqual(12);
    expect(spikeBins.length).toBeLessThanOrEqual(24); // a spike may straddle two bins
  });

  it('keeps the threshold near the tail the spikes sit in, instead of clipping at the smallest candidate', () => {
    const withSpikes = new EntropyObserver();
    const tailOnly = new EntropyObserver();
    for (const s of data) withSpikes.observe(s);
    for (const s of smooth) tailOnly.observe(s);
    const t = withSpikes.threshold();
    console.log(`entropy threshold: ${t.toFixed(3)} with spikes, ${tailOnly.threshold().toFixed(3)} on the tail alone`);
    // Without spike flattening the search stops at the first candidate (256 of 2048 bins).
    const max = withSpikes.range().max;
    expect(t).toBeGreaterThan(0.25 * max);
    expect(Math.abs(t - tailOnly.threshold()) / tailOnly.threshold()).toBeLessThan(0.35);
  });
});
