// The accuracy tools around calibration (issue 20; docs/quantization.md (E1)–(E4)), in the one
// order both the API and the CLI use: equalize the float graph, calibrate it, quantize, then
// correct the biases on the same samples and quantize again with the same ranges.

import type { Graph } from '../ir/graph.ts';
import type { Tensor } from '../ir/tensor.ts';
import { equalizeCrossLayer, type EqualizedPair } from '../passes/equalize.ts';
import { correctBiases, type CorrectedLayer } from './bias-correction.ts';
import type { QuantizedModel } from './program.ts';
import { quantizeGraph, type QuantizeOptions } from './quantize-graph.ts';
import type { Range } from './qparams.ts';
import { meetCosineTarget, type TargetReport } from './sensitivity.ts';
import { logitsOf } from '../eval/outputs.ts';
import { CalibrationError } from '../errors.ts';

export interface AccuracyOptions {
  /** Cross-layer equalization of Conv → Conv pairs before calibration (E1)–(E3). */
  equalize?: boolean;
  /** Empirical bias correction on the calibration samples after quantization (E4). */
  biasCorrection?: boolean;
  /** Node names (of the fused graph) that run in float. */
  keepFloat?: readonly string[];
  /**
   * The lowest output cosine (int8 vs float) to reach on the held-aside calibration samples
   * (every 4th: heldAside()), keeping the fewest layers in float (E5).
   */
  targetCosine?: number;
}

/** Calibration sample indices split for a target: every 4th held aside, the rest calibrate. */
export function heldAside(count: number, options: AccuracyOptions): { calibrate: number[]; held: number[] } {
  const all = Array.from({ length: count }, (_, i) => i);
  if (options.targetCosine === undefined) return { calibrate: all, held: [] };
  if (!(options.targetCosine > 0 && options.targetCosine <= 1)) throw new CalibrationError(`a target cosine is in (0, 1], got ${options.targetCosine}`);
  const held = all.filter((i) => i % 4 === 3);
  if (held.length === 0) throw new CalibrationError(`a target cosine needs at least 4 calibration samples (every 4th is held aside to measure it), got ${count}`);
  return { calibrate: all.filter((i) => i % 4 !== 3), held };
}

export interface Int8Source {
  /**
   * The float graph the int8 program approximates: the fused NHWC graph, equalized when asked.
   * Its outputs equal the original's (within float rounding); its inner tensors are rescaled per
   * channel, so per-layer errors are measured against this graph.
   */
  graph: Graph;
  equalizedPairs: EqualizedPair[];
}

export function int8Source(nhwc: Graph, options: AccuracyOptions): Int8Source {
  if (!options.equalize) return { graph: nhwc, equalizedPairs: [] };
  const { graph, pairs } = equalizeCrossLayer(nhwc);
  return { graph, equalizedPairs: pairs };
}

export interface ToolReport {
  equalizedPairs: EqualizedPair[];
  correctedLayers: CorrectedLayer[];
  target?: TargetReport;
}

/**
 * quantizeGraph, then bias correction and a second quantization when asked (`samples`: the
 * calibration samples), then the target search on `held` samples when one is set.
 */
export function quantizeWithTools(
  source: Int8Source,
  ranges: Map<string, Range>,
  options: QuantizeOptions & AccuracyOptions,
  samples: number,
  sample: (i: number) => Record<string, Tensor>,
  held: readonly Record<string, Tensor>[] = [],
): { model: QuantizedModel; report: ToolReport } {
  const first = quantizeGraph(source.graph, ranges, options);
  const corrected = options.biasCorrection ? correctBiases(source.graph, first, samples, sample) : undefined;
  const report: ToolReport = { equalizedPairs: source.equalizedPairs, correctedLayers: corrected?.layers ?? [] };
  const graph = corrected?.graph ?? source.graph;
  const own = options.keepFloat ?? [];
  // A layer kept in float runs with its float bias, not the one corrected for int8 rounding.
  const original = new Map(source.graph.nodes.map((n) => [n.name, n]));
  const quantize = (kept: readonly string[]) => {
    const nodes = graph.nodes.map((n) => (kept.includes(n.name) ? (original.get(n.name) ?? n) : n));
    return quantizeGraph({ ...graph, nodes }, ranges, { ...options, keepFloat: [...own, ...kept] });
  };
  if (options.targetCosine === undefined) return { model: corrected ? quantize([]) : first, report };
  const output = logitsOf(first);
  const { model, report: target } = meetCosineTarget({ reference: source.graph, quantize, output, heldAside: held, target: options.targetCosine });
  return { model, report: { ...report, target } };
}

/** One line for a person: what the tools did. */
export function describeTools(report: ToolReport): string[] {
  const lines: string[] = [];
  const pairs = report.equalizedPairs;
  if (pairs.length > 0) {
    const bounded = pairs.filter((p) => p.perChannelBound).length;
    lines.push(`equalized ${pairs.length} conv pairs across layers (${bounded} through a ReLU6, whose bound became per channel)`);
  }
  const layers = report.correctedLayers;
  if (layers.length > 0) {
    const worst = layers.reduce((w, l) => (l.maxShift > w.maxShift ? l : w));
    lines.push(`bias-corrected ${layers.length} convs (largest shift ${worst.maxShift.toPrecision(3)} at "${worst.node}")`);
  }
  const t = report.target;
  if (t) {
    const kept = t.kept.length === 0 ? 'no layer needed float' : `kept in float: ${t.kept.map((n) => `"${n}"`).join(', ')}`;
    lines.push(`target cosine ${t.target} on the held-aside samples: ${t.met ? 'met' : 'NOT met'}, lowest ${t.before.min.toFixed(5)} → ${t.after.min.toFixed(5)} (mean ${t.before.mean.toFixed(5)} → ${t.after.mean.toFixed(5)}); ${kept}`);
  }
  return lines;
}
