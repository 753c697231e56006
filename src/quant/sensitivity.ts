// A target the quantizer meets by itself (issue 20; docs/quantization.md (E5)): per-layer
// sensitivity on held-aside calibration samples (the output cosine when only that layer is int8,
// and when every layer but it is), then layers kept in float, most sensitive first, until the
// lowest cosine over the held-aside samples reaches the target.

import type { Graph } from '../ir/graph.ts';
import type { Tensor } from '../ir/tensor.ts';
import { runFloat } from '../ref/float/run.ts';
import { runInt8 } from '../ref/int8/run.ts';
import type { QuantizedModel, Step } from './program.ts';
import { cosineOf } from '../eval/outputs.ts';

export interface LayerSensitivity {
  node: string;
  op: Step['op'];
  /** Lowest held-aside output cosine with only this layer in int8 (the rest float). */
  onlyInt8: number;
  /** ... with every layer in int8 but this one. */
  allButIt: number;
}

export interface TargetReport {
  target: number;
  /** Lowest and mean held-aside cosine with every layer in int8, then with `kept` in float. */
  before: { min: number; mean: number };
  after: { min: number; mean: number };
  kept: string[];
  met: boolean;
  sensitivity: LayerSensitivity[];
}

export interface TargetSearch {
  /** The float graph the program approximates (the cosine's reference). */
  reference: Graph;
  /** The program with these nodes kept in float (and the caller's own). */
  quantize: (keepFloat: readonly string[]) => QuantizedModel;
  /** The output compared: the logits of a classifier (logitsOf), else the first output. */
  output: string;
  heldAside: readonly Record<string, Tensor>[];
  target: number;
  onProgress?: (done: number, total: number) => void;
}

/**
 * Steps that are not a node of the graph, so cannot be kept in float by name. (A layout step on a
 * graph input is one: it is where the input gets quantized.)
 */
const NOT_A_NODE = new Set<Step['op']>(['quantize', 'dequantize', 'float']);

function outputOf(run: (observe: (name: string, t: Tensor) => void) => Record<string, Tensor>, name: string): Tensor {
  let seen: Tensor | undefined;
  const outputs = run((n, t) => {
    if (n === name) seen = t;
  });
  const t = seen ?? outputs[name];
  if (!t) throw new Error(`the program does not compute "${name}"`);
  return t;
}

/** Sorts layers by how much keeping each in float helps, and keeps the fewest, greedily, that meet the target. */
export function meetCosineTarget(search: TargetSearch): { model: QuantizedModel; report: TargetReport } {
  const { reference, output, heldAside } = search;
  if (heldAside.length === 0) throw new Error('a target needs held-aside calibration samples');
  const floats = heldAside.map((feed) => outputOf((observe) => runFloat(reference, feed, { observe }), output));
  const measure = (model: QuantizedModel) => {
    const values = heldAside.map((feed, i) => cosineOf(outputOf((observe) => runInt8(model, feed, { observe }), output), floats[i]!));
    return { min: Math.min(...values), mean: values.reduce((a, b) => a + b, 0) / values.length };
  };
  const full = search.quantize([]);
  const before = measure(full);
  const known = new Set(reference.nodes.map((n) => n.name));
  const layers = full.steps.filter((s) => !NOT_A_NODE.has(s.op) && known.has(s.name));
  const names = layers.map((s) => s.name);
  const total = 2 * layers.length;
  const sensitivity = layers.map((step, i): LayerSensitivity => {
    const allButIt = measure(search.quantize([step.name])).min;
    const onlyInt8 = measure(search.quantize(names.filter((n) => n !== step.name))).min;
    search.onProgress?.(2 * (i + 1), total);
    return { node: step.name, op: step.op, onlyInt8, allButIt };
  });
  const order = [...sensitivity].sort((a, b) => b.allButIt - a.allButIt);
  const kept: string[] = [];
  let model = full;
  let after = before;
  for (const layer of order) {
    if (after.min >= search.target) break;
    kept.push(layer.node);
    model = search.quantize(kept);
    after = measure(model);
  }
  return { model, report: { target: search.target, before, after, kept, met: after.min >= search.target, sensitivity } };
}
