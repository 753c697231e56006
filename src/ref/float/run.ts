// The float reference executor: runs any imported graph on the CPU, one node at a time.
// It is the fp32 baseline for accuracy and the engine that calibration observes.

import type { Graph, Node } from '../../ir/graph.ts';
import { sizeOf, type Tensor } from '../../ir/tensor.ts';
import { InputError, ModelFormatError, nodeError } from '../../errors.ts';
import { floatKernels } from './ops.ts';

export interface RunOptions {
  /** Called with every tensor a node produces, in execution order (calibration observes here). */
  observe?: (name: string, value: Tensor, node: Node) => void;
}

export function runFloat(graph: Graph, feeds: Record<string, Tensor>, options: RunOptions = {}): Record<string, Tensor> {
  const env = new Map<string, Tensor>(graph.initializers);
  for (const input of graph.inputs) {
    const value = feeds[input.name];
    if (!value) throw new InputError(`missing input "${input.name}" (expected ${input.dtype} [${input.shape}])`);
    checkFeed(input, value);
    env.set(input.name, value);
  }
  const lastUse = lastUses(graph);
  graph.nodes.forEach((node, step) => {
    const inputs = node.inputs.map((name) => (name === '' ? undefined : lookup(env, name, node)));
    let outputs: Tensor[];
    try {
      outputs = (floatKernels[node.op] as (i: typeof inputs, a: typeof node.attrs) => Tensor[])(inputs, node.attrs);
    } catch (e) {
      throw nodeError(`${node.op} node "${node.name}"`, e);
    }
    node.outputs.forEach((name, i) => {
      const value = outputs[i];
      if (name === '' || !value) return;
      env.set(name, value);
      options.observe?.(name, value, node);
    });
    // Free what no later node reads, so memory stays bounded by the widest point of the graph.
    for (const name of node.inputs) if (lastUse.get(name) === step && !graph.initializers.has(name)) env.delete(name);
  });
  return Object.fromEntries(graph.outputs.map((o) => [o.name, lookup(env, o.name)]));
}

function lookup(env: Map<string, Tensor>, name: string, node?: Node): Tensor {
  const t = env.get(name);
  if (!t) throw new ModelFormatError(`tensor "${name}" is not computed before ${node ? `node "${node.name}"` : 'the graph output'}`);
  return t;
}

function lastUses(graph: Graph): Map<string, number> {
  const last = new Map<string, number>();
  graph.nodes.forEach((n, step) => n.inputs.forEach((name) => last.set(name, step)));
  for (const o of graph.outputs) last.set(o.name, Infinity);
  return last;
}

function checkFeed(input: Graph['inputs'][number], value: Tensor): void {
  const expected = input.shape;
  const ok =
    expected.length === value.shape.length &&
    expected.every((d, i) => typeof d === 'string' || d === value.shape[i]);
  if (!ok || value.dtype !== input.dtype) {
    throw new InputError(`input "${input.name}" is ${value.dtype} [${value.shape}], expected ${input.dtype} [${expected}]`);
  }
  if (value.data.length !== sizeOf(value.shape)) throw new InputError(`input "${input.name}" has ${value.data.length} values for shape [${value.shape}]`);
}

