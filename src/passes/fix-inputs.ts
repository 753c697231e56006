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

/**
 * Graph inputs' symbolic dims bound to numbers (PP-OCRv4 det's [-1, 3, -1, -1] at the size it
 * runs at): the graph then has static shapes from its inputs on, which passes that need them
 * (convtranspose-to-conv) and the GPU plan read. A dim named in several inputs gets one value.
 */
export function fixInputShapes(graph: Graph, shapes: Readonly<Record<string, readonly number[]>>): Graph {
  return Object.keys(shapes).length === 0 ? graph : { ...graph, inputs: bindInputShapes(graph.inputs, shapes) };
}

/** `inputs` with the given shapes bound (checked against the declared ones) and every symbolic dim they name bound too. */
export function bindInputShapes<I extends { name: string; shape: readonly (number | string)[] }>(inputs: readonly I[], shapes: Readonly<Record<string, readonly number[]>>): I[] {
  const bound = new Map<string, number>();
  for (const name of Object.keys(shapes)) {
    if (!inputs.some((i) => i.name === name)) throw new InputError(`cannot give input "${name}" a shape: the inputs are ${inputs.map((i) => `"${i.name}"`).join(', ')}`);
  }
  for (const input of inputs) {
    const shape = shapes[input.name];
    if (!shape) continue;
    const fits = shape.length === input.shape.length && input.shape.every((d, i) => (typeof d === 'string' ? Number.isInteger(shape[i]) && shape[i]! > 0 : d === shape[i]));
    if (!fits) throw new InputError(`cannot give input "${input.name}" the shape [${shape}]: expected [${input.shape}]`);
    input.shape.forEach((d, i) => {
      if (typeof d !== 'string') return;
      const earlier = bound.get(d);
      if (earlier !== undefined && earlier !== shape[i]) throw new InputError(`input "${input.name}": dim "${d}" is ${shape[i]} here but ${earlier} in another input`);
      bound.set(d, shape[i]!);
    });
  }
  return inputs.map((input) => ({ ...input, shape: input.shape.map((d) => (typeof d === 'string' ? (bound.get(d) ?? d) : d)) }));
}
