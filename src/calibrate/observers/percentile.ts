// Percentile clipping: a signed histogram of every finite value; the range is
// [(100 − p)th percentile, pth percentile] (default p = 99.99), widened to include 0.
// Percentiles interpolate linearly within a bin and never go beyond the exact extremes seen.

import { Histogram } from './histogram.ts';
import {
  CalibrationError,
  DEFAULT_BINS,
  DEFAULT_PERCENTILE,
  includeZero,
  notObserved,
  type Observer,
  type Range,
} from './observer.ts';

export class PercentileObserver implements Observer {
  readonly histogram: Histogram;

  constructor(
    readonly percentile: number = DEFAULT_PERCENTILE,
    bins: number = DEFAULT_BINS,
  ) {
    if (!(percentile >= 50 && percentile <= 100)) {
      throw new CalibrationError(`observer option percentile must be in [50, 100], got ${percentile}`);
    }
    this.histogram = new Histogram(bins, 'signed');
  }

  observe(values: Float32Array): void {
    this.histogram.add(values);
  }

  range(): Range {
    const h = this.histogram;
    if (h.empty) throw notObserved('percentile');
    const q = this.percentile / 100;
    return includeZero(h.quantile(1 - q), h.quantile(q));
  }
}
