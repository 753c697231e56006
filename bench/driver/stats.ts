// Latency statistics. Percentiles interpolate linearly between order statistics (numpy's
// default), so p10/p90 of 20 runs are not just the 2nd and 18th values.
import type { LatencyStats } from './schema.ts';

export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  const at = (p / 100) * (sorted.length - 1);
  const lo = Math.floor(at);
  const hi = Math.min(lo + 1, sorted.length - 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (at - lo);
}

export function latencyStats(runs: readonly number[]): LatencyStats {
  const s = [...runs].sort((a, b) => a - b);
  return {
    runs: s.length,
    median: percentile(s, 50),
    p10: percentile(s, 10),
    p90: percentile(s, 90),
    mean: s.reduce((a, b) => a + b, 0) / Math.max(1, s.length),
    min: s[0] ?? NaN,
    max: s[s.length - 1] ?? NaN,
  };
}
