// Runs seeded mutations of one model file through what a user does with it and sorts every case
// into an outcome: a typed error (by class), a model that loaded and ran, or a failure (an untyped
// error, an allocation over the bound, or a case slower than the time bound).

import { CalibrationError, InputError, LimitError, ModelFormatError, UnsupportedModelError, UnsupportedOpError } from '../../src/errors.ts';
import { withAllocationLimit } from './alloc-guard.ts';
import { random } from './mutate.ts';
import type { Target } from './targets.ts';

/** The errors a bad file may end in; anything else is a failure. */
export const TYPED = [ModelFormatError, UnsupportedOpError, UnsupportedModelError, InputError, LimitError, CalibrationError];

export interface FuzzBounds {
  /** A case may allocate at most perByte × the file's bytes + fixedBytes at once (activations of a run). */
  perByte: number;
  fixedBytes: number;
  timeMs: number;
}

export const DEFAULT_BOUNDS: FuzzBounds = { perByte: 16, fixedBytes: 16 * 2 ** 20, timeMs: 10_000 };

export interface Failure {
  index: number;
  what: string;
  problem: string;
}

export interface FuzzReport {
  target: string;
  seed: number;
  cases: number;
  /** Outcome → count: "ran", "loaded; input too large to run here", or "refused: <ErrorClass>". */
  outcomes: Record<string, number>;
  failures: Failure[];
  slowestMs: number;
  /** The largest single allocation any case made, relative to its file's size. */
  largestPerFileByte: number;
  totalMs: number;
}

export function fuzz<F>(target: Target<F>, seed: number, count: number, bounds: FuzzBounds = DEFAULT_BOUNDS): FuzzReport {
  const report: FuzzReport = { target: target.name, seed, cases: count, outcomes: {}, failures: [], slowestMs: 0, largestPerFileByte: 0, totalMs: 0 };
  const started = performance.now();
  for (let index = 0; index < count; index++) {
    const r = random(seed * 1_000_003 + index);
    const { value, what } = target.mutate(target.original, r, index, count);
    const size = target.size(value);
    const t0 = performance.now();
    const guarded = withAllocationLimit(bounds.perByte * size + bounds.fixedBytes, () => target.load(value));
    const ms = performance.now() - t0;
    report.slowestMs = Math.max(report.slowestMs, ms);
    report.largestPerFileByte = Math.max(report.largestPerFileByte, guarded.largest / Math.max(1, size));
    const fail = (problem: string) => report.failures.push({ index, what, problem });
    if (guarded.exceeded) fail(`allocation over the bound: ${guarded.exceeded}`);
    else if (ms > bounds.timeMs) fail(`took ${ms.toFixed(0)} ms`);
    else if (guarded.error === undefined) count1(report.outcomes, guarded.value!);
    else if (TYPED.some((T) => guarded.error instanceof T)) count1(report.outcomes, `refused: ${(guarded.error as Error).name}`);
    else fail(`untyped ${(guarded.error as Error)?.name ?? typeof guarded.error}: ${(guarded.error as Error)?.message ?? String(guarded.error)}`);
  }
  report.totalMs = performance.now() - started;
  return report;
}

function count1(outcomes: Record<string, number>, key: string): void {
  outcomes[key] = (outcomes[key] ?? 0) + 1;
}
