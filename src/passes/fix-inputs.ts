// Fixing graph inputs the caller knows at session creation (silero VAD's sample rate): each
// becomes a constant, so the passes fold what depends on it, an If on it included.

import { InputError } from '../errors.ts';
import type { Graph } from '../ir/graph.ts';
import { tensor, type Tensor } from '../ir/tensor.ts';

/** A fixed input's value: a tensor, or numbers (a scalar or a 1-D list) of the input's dtype. */
export type FixedInput = Tensor | number | readonly number[];

export function fixInputs(graph: Graph, fixed: Readonly<Record<string, FixedInput>>): Graph {
  const names = Object.keys(fixed);
  if (names.length === 0) return graph;
  const initializers = new Map(graph.initializers);
  for (const name of names) {
    const input = graph.inputs.find((i) => i.name === name);
    if (!input) throw new InputError(`cannot fix input "${name}": the graph's inputs are ${graph.inputs.map((i) => `"${i.name}"`).join(', ')}`);
    const value = fixed[name]!;
    const t = typeof value === 'number' ? tensor(input.dtype, input.shape.length === 0 ? [] : [1], [value]) : 'data' in value ? value : tensor(input.dtype, [value.length], value);
    const fits = t.dtype === input.dtype && t.shape.length === input.shape.length && input.shape.every((d, i) => typeof d === 'string' || d === t.shape[i]);
    if (!fits) throw new InputError(`cannot fix input "${name}" to ${t.dtype} [${t.shape}]: expected ${input.dtype} [${input.shape}]`);
    initializers.set(name, t);
  }
  return { ...graph, inputs: graph.inputs.filter((i) => !(i.name in fixed)), initializers };
}
