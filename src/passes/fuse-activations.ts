// Relu, Relu6 (Clip 0..6) and Clip after a Conv or Gemm become that node's output clamp,
// an epilogue parameter (the int8 kernels apply it as the clamp bounds of the output stage).

import type { Clamp, Graph, Node } from '../ir/graph.ts';
import { consumersOf, hasSoleConsumer, producersOf } from '../ir/queries.ts';
import type { Tensor } from '../ir/tensor.ts';

/** The clamp an activation applies, or undefined when it is not a clamp with constant bounds. */
function clampOf(node: Node, constants: Map<string, Tensor>): Clamp | undefined {
  if (node.op === 'Relu') return { min: 0, max: Infinity };
  if (node.op !== 'Clip') return undefined;
  const bound = (i: number, fallback: number): number | undefined => {
    const name = node.inputs[i];
    if (!name) return fallback;
    const t = constants.get(name);
    return t && t.data.length === 1 ? t.data[0] : undefined;
  };
  const min = bound(1, -Infinity);
  const max = bound(2, Infinity);
  return min === undefined || max === undefined ? undefined : { min, max };
}

/** Clip after Clip: the tighter bounds (a per-channel upper bound stays per channel). */
function intersect(a: Clamp | null, b: Clamp): Clamp {
  if (!a) return b;
  const min = Math.max(a.min, b.min);
  const max = Math.min(a.max, b.max);
  const channelMax = a.channelMax?.map((m) => Math.min(m, b.max));
  return channelMax ? { min, max, channelMax } : { min, max };
}

export function fuseActivations(graph: Graph): Graph {
  const producers = producersOf(graph);
  const consumers = consumersOf(graph);
  const replaced = new Map<Node, Node>();
  const removed = new Set<Node>();
  for (const act of graph.nodes) {
    const clamp = clampOf(act, graph.initializers);
    const x = act.inputs[0]!;
    const original = producers.get(x);
    if (!clamp || !original || !hasSoleConsumer(graph, consumers, x)) continue;
    // The producer may itself have been rewritten by an earlier activation in this pass.
    const producer = replaced.get(original) ?? original;
    if (producer.op !== 'Conv' && producer.op !== 'Gemm') continue;
    replaced.set(original, {
      ...producer,
      outputs: [act.outputs[0]!],
      attrs: { ...producer.attrs, clamp: intersect(producer.attrs.clamp, clamp) },
    } as Node);
    producers.set(act.outputs[0]!, original);
    removed.add(act);
  }
  const nodes = graph.nodes.filter((n) => !removed.has(n)).map((n) => replaced.get(n) ?? n);
  return { ...graph, nodes };
}
