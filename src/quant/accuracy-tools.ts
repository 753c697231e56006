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

export interface AccuracyOptions {
  /** Cross-layer equalization of Conv → Conv pairs before calibration (E1)–(E3). */
  equalize?: boolean;
  /** Empirical bias correction on the calibration samples after quantization (E4). */
  biasCorrection?: boolean;
  /** Node names (of the fused graph) that run in float. */
  keepFloat?: readonly string[];
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
}

/** quantizeGraph, then bias correction and a second quantization when asked. */
export function quantizeWithTools(
  source: Int8Source,
  ranges: Map<string, Range>,
  options: QuantizeOptions & AccuracyOptions,
  samples: number,
  sample: (i: number) => Record<string, Tensor>,
): { model: QuantizedModel; report: ToolReport } {
  const first = quantizeGraph(source.graph, ranges, options);
  if (!options.biasCorrection) return { model: first, report: { equalizedPairs: source.equalizedPairs, correctedLayers: [] } };
  const corrected = correctBiases(source.graph, first, samples, sample);
  return { model: quantizeGraph(corrected.graph, ranges, options), report: { equalizedPairs: source.equalizedPairs, correctedLayers: corrected.layers } };
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
  return lines;
}
