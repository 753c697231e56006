// Calibration: the float reference runs over samples one at a time while an observer per tensor
// records its values; memory stays bounded by the observers, whatever the number of samples.

import type { Graph } from '../ir/graph.ts';
import { OP_TRAITS } from '../ir/op-traits.ts';
import { isFloat, type Tensor } from '../ir/tensor.ts';
import { runFloat } from '../ref/float/run.ts';
import { createObserver, CalibrationError, type Observer, type ObserverMethod, type ObserverOptions, type Range } from './observers/index.ts';

/**
 * The tensors a model output shows: the outputs, and back from them through the ops whose output
 * still shows their inputs' values as they are or in order (their showsInputs trait, src/ir/op-traits.ts).
 * Their rare extreme values are the answer (a detector's few face anchors, a classifier's winning
 * logit), so no method may clip them: they are calibrated min/max (docs/quantization.md (Q2a)).
 */
export function outputFacingTensors(graph: Graph): Set<string> {
  const producer = new Map(graph.nodes.flatMap((n) => n.outputs.map((o) => [o, n] as const)));
  const found = new Set<string>();
  const stack = graph.outputs.map((o) => o.name);
  for (let t = stack.pop(); t !== undefined; t = stack.pop()) {
    if (found.has(t)) continue;
    found.add(t);
    const node = producer.get(t);
    if (!node) continue;
    const shows = OP_TRAITS[node.op].showsInputs;
    if (shows === 'none') continue;
    const data = shows === 'all' ? node.inputs : [node.inputs[0]!];
    stack.push(...data.filter((i) => i !== '' && !graph.initializers.has(i)));
  }
  return found;
}

export class Calibrator {
  private readonly observers = new Map<string, Observer>();
  private readonly minmax: Set<string>;
  private count = 0;

  constructor(
    private readonly graph: Graph,
    readonly method: ObserverMethod,
    private readonly options: ObserverOptions = {},
  ) {
    this.minmax = outputFacingTensors(graph);
  }

  get samples(): number {
    return this.count;
  }

  /** Runs one sample through the float reference and observes every float tensor it produces. */
  addSample(feeds: Record<string, Tensor>): void {
    for (const input of this.graph.inputs) {
      const t = feeds[input.name];
      if (t) this.observe(input.name, t);
    }
    runFloat(this.graph, feeds, { observe: (name, value) => this.observe(name, value) });
    this.count++;
  }

  private observe(name: string, value: Tensor): void {
    if (!isFloat(value.dtype)) return;
    let observer = this.observers.get(name);
    if (!observer) this.observers.set(name, (observer = createObserver(this.minmax.has(name) ? 'minmax' : this.method, this.options)));
    observer.observe(value.data instanceof Float32Array ? value.data : Float32Array.from(value.data));
  }

  ranges(): Map<string, Range> {
    if (this.count === 0) throw new CalibrationError('calibration needs at least one sample');
    return new Map([...this.observers].map(([name, o]) => [name, o.range()]));
  }
}

export interface CalibrateOptions extends ObserverOptions {
  method: ObserverMethod;
  /** Called after each sample, for progress bars and UIs. */
  onProgress?: (done: number, total: number) => void;
}

/** Calibrates over `count` samples produced one at a time by `sample(i)`. */
export function calibrate(graph: Graph, count: number, sample: (i: number) => Record<string, Tensor>, options: CalibrateOptions): Map<string, Range> {
  const calibrator = new Calibrator(graph, options.method, options);
  for (let i = 0; i < count; i++) {
    calibrator.addSample(sample(i));
    options.onProgress?.(i + 1, count);
  }
  return calibrator.ranges();
}
