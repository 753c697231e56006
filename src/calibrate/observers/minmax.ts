// Running min and max of every finite value seen.

import { finiteExtremes, includeZero, notObserved, type Observer, type Range } from './observer.ts';

export class MinMaxObserver implements Observer {
  private min = Infinity;
  private max = -Infinity;

  observe(values: Float32Array): void {
    const s = finiteExtremes(values);
    if (s.count === 0) return;
    this.min = Math.min(this.min, s.min);
    this.max = Math.max(this.max, s.max);
  }

  range(): Range {
    if (this.min > this.max) throw notObserved('minmax');
    return includeZero(this.min, this.max);
  }
}
