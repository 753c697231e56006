// Moving-average min/max, as PyTorch's MovingAverageMinMaxObserver: the first sample sets min and
// max to that sample's min and max; each later sample moves them by a fraction c of the way to its
// own: min += c·(sampleMin − min), max += c·(sampleMax − max). The state is kept raw; 0 is only
// added to the range returned by range(). A sample without finite values is skipped (it is neither
// the "first sample" nor a step).

import {
  CalibrationError,
  DEFAULT_EMA_CONSTANT,
  finiteExtremes,
  includeZero,
  notObserved,
  type Observer,
  type Range,
} from './observer.ts';

export class EmaObserver implements Observer {
  private min = NaN;
  private max = NaN;
  private seen = false;

  constructor(readonly constant: number = DEFAULT_EMA_CONSTANT) {
    if (!(constant > 0 && constant <= 1)) {
      throw new CalibrationError(`observer option emaConstant must be in (0, 1], got ${constant}`);
    }
  }

  observe(values: Float32Array): void {
    const s = finiteExtremes(values);
    if (s.count === 0) return;
    if (!this.seen) {
      this.min = s.min;
      this.max = s.max;
      this.seen = true;
      return;
    }
    this.min += this.constant * (s.min - this.min);
    this.max += this.constant * (s.max - this.max);
  }

  range(): Range {
    if (!this.seen) throw notObserved('ema');
    return includeZero(this.min, this.max);
  }
}
