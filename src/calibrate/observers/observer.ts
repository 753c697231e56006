// The activation-range observer contract shared by every calibration method.
//
// An observer sees the float values of one tensor, one calibration sample at a time, and finally
// gives the clipping range [min, max] that the tensor's int8 scale and zero point are derived from.
// Memory stays bounded whatever the number of samples: min/max state, or a fixed-bin histogram.
//
// Non-finite values, in every observer:
// - NaN is ignored (it carries no range information);
// - +Infinity and -Infinity are ignored too (an infinite range could not be quantized at all);
// - a sample with no finite value at all leaves the observer as it was (unobserved if it was).

import { CalibrationError } from '../../errors.ts';

export { CalibrationError };

export interface Range {
  min: number;
  max: number;
}

export interface Observer {
  /** Called once per calibration sample with all values of the tensor for that sample. NaN and ±Infinity are ignored. */
  observe(values: Float32Array): void;
  /**
   * The calibrated clipping range; always contains 0 (min <= 0 <= max) since the int8 zero point must
   * represent 0 exactly. Throws CalibrationError if nothing (finite) was observed.
   */
  range(): Range;
}

export type ObserverMethod = 'minmax' | 'ema' | 'percentile' | 'entropy' | 'mse';

export const OBSERVER_METHODS: readonly ObserverMethod[] = ['minmax', 'ema', 'percentile', 'entropy', 'mse'];

export interface ObserverOptions {
  /** EMA smoothing constant c in (0, 1]: min += c·(sampleMin − min). Default 0.01. */
  emaConstant?: number;
  /** Percentile p in [50, 100]: the range is [(100 − p)th, pth] percentile. Default 99.99. */
  percentile?: number;
  /** Histogram bin count (integer >= 2) for percentile, entropy and mse. Default 2048. */
  bins?: number;
}

export const DEFAULT_EMA_CONSTANT = 0.01;
export const DEFAULT_PERCENTILE = 99.99;
export const DEFAULT_BINS = 2048;

/** The smallest and largest finite values of a sample and how many finite values it has. */
export function finiteExtremes(values: Float32Array): { min: number; max: number; count: number } {
  let min = Infinity;
  let max = -Infinity;
  let count = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    // v - v is 0 for finite v, NaN for NaN and ±Infinity: one test rejects all three.
    if (v - v !== 0) continue;
    if (v < min) min = v;
    if (v > max) max = v;
    count++;
  }
  return { min, max, count };
}

/** Widens a range to contain 0, so that the int8 zero point represents 0 exactly. */
export function includeZero(min: number, max: number): Range {
  // `+ 0` turns a -0 into 0 so callers never see a negative zero bound.
  return { min: Math.min(min, 0) + 0, max: Math.max(max, 0) + 0 };
}

export function notObserved(what: string): CalibrationError {
  return new CalibrationError(`${what} observer: range() called before any finite value was observed`);
}

export function checkBins(bins: number): number {
  if (!Number.isInteger(bins) || bins < 2) {
    throw new CalibrationError(`observer option bins must be an integer >= 2, got ${bins}`);
  }
  return bins;
}
