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
  runNodes(graph.nodes, env, graph.outputs.map((o) => o.name), options, new Set(graph.initializers.keys()));
  return Object.fromEntries(graph.outputs.map((o) => [o.name, lookup(env, o.name)]));
}

/** One node's outputs from its inputs (shape inference's value propagation, constant folding). */
export function evaluateNode(node: Node, inputs: (Tensor | undefined)[]): Tensor[] {
  return (floatKernels[node.op] as (i: typeof inputs, a: typeof node.attrs) => Tensor[])(inputs, node.attrs);
}

/**
 * Runs `nodes` in order over `env` (the tensors they may read, by name), adding what they make.
 * A tensor no later node and none of `keep` reads is dropped, so memory stays bounded by the
 * widest point of the graph; `constants` are never dropped (a caller may hold them).
 */
export function runNodes(nodes: readonly Node[], env: Map<string, Tensor>, keep: readonly string[], options: RunOptions = {}, constants: ReadonlySet<string> = new Set()): void {
  const lastUse = lastUses(nodes, keep);
  nodes.forEach((node, step) => {
    const inputs = node.inputs.map((name) => (name === '' ? undefined : lookup(env, name, node)));
    let outputs: Tensor[];
    try {
      outputs = evaluateNode(node, inputs);
    } catch (e) {
      throw nodeError(`${node.op} node "${node.name}"`, e);
    }
    node.outputs.forEach((name, i) => {
      const value = outputs[i];
      if (name === '' || !value) return;
      env.set(name, value);
      options.observe?.(name, value, node);
    });
    for (const name of node.inputs) if (lastUse.get(name) === step && !constants.has(name)) env.delete(name);
  });
}

function lookup(env: Map<string, Tensor>, name: string, node?: Node): Tensor {
  const t = env.get(name);
  if (!t) throw new ModelFormatError(`tensor "${name}" is not computed before ${node ? `node "${node.name}"` : 'the graph output'}`);
  return t;
}

function lastUses(nodes: readonly Node[], keep: readonly string[]): Map<string, number> {
  const last = new Map<string, number>();
  nodes.forEach((n, step) => n.inputs.forEach((name) => last.set(name, step)));
  for (const name of keep) last.set(name, Infinity);
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

