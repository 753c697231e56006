// Drops nodes whose outputs nothing reads and constants no node reads.

import type { Graph } from '../ir/graph.ts';

export function eliminateDeadCode(graph: Graph): Graph {
  const needed = new Set(graph.outputs.map((o) => o.name));
  const kept = [];
  for (let i = graph.nodes.length - 1; i >= 0; i--) {
    const node = graph.nodes[i]!;
    if (!node.outputs.some((o) => needed.has(o))) continue;
    kept.push(node);
    for (const input of node.inputs) needed.add(input);
  }
  const initializers = new Map([...graph.initializers].filter(([name]) => needed.has(name)));
  return { ...graph, nodes: kept.reverse(), initializers };
}
