// Activation-range observers for post-training calibration; see observer.ts for the contract.

import { EmaObserver } from './ema.ts';
import { EntropyObserver } from './entropy.ts';
import { MinMaxObserver } from './minmax.ts';
import { MseObserver } from './mse.ts';
import { CalibrationError, type Observer, type ObserverMethod, type ObserverOptions } from './observer.ts';
import { PercentileObserver } from './percentile.ts';

export { EmaObserver } from './ema.ts';
export { EntropyObserver, flattenSpikes, klThreshold } from './entropy.ts';
export { Histogram, type HistogramForm } from './histogram.ts';
export { MinMaxObserver } from './minmax.ts';
export { MseObserver, quantizationError } from './mse.ts';
export {
  CalibrationError,
  OBSERVER_METHODS,
  type Observer,
  type ObserverMethod,
  type ObserverOptions,
  type Range,
} from './observer.ts';
export { PercentileObserver } from './percentile.ts';

export function createObserver(method: ObserverMethod, options: ObserverOptions = {}): Observer {
  switch (method) {
    case 'minmax':
      return new MinMaxObserver();
    case 'ema':
      return new EmaObserver(options.emaConstant);
    case 'percentile':
      return new PercentileObserver(options.percentile, options.bins);
    case 'entropy':
      return new EntropyObserver(options.bins);
    case 'mse':
      return new MseObserver(options.bins);
    default:
      throw new CalibrationError(`unknown calibration method "${String(method)}" (expected minmax, ema, percentile, entropy or mse)`);
  }
}
