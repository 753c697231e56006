// Identity and inference-mode Dropout copy their input: readers are rewired to the input.

import type { Graph, Node } from '../ir/graph.ts';
import { consumersOf, isGraphOutput, producersOf, renameInput } from '../ir/queries.ts';

const isCopy = (n: Node) => n.op === 'Identity' || n.op === 'Dropout';

export function removeIdentities(graph: Graph): Graph {
  let g = graph;
  // Outputs of copies that must stay (a graph output that no producer can write directly).
  const kept = new Set<string>();
  for (;;) {
    const node = g.nodes.find((n) => isCopy(n) && !kept.has(n.outputs[0]!));
    if (!node) return g;
    const next = removeCopy(g, node);
    if (next) g = next;
    else kept.add(node.outputs[0]!);
  }
}

function removeCopy(g: Graph, node: Node): Graph | undefined {
  const from = node.outputs[0]!;
  const to = node.inputs[0]!;
  const others = g.nodes.filter((n) => n !== node);
  if (!isGraphOutput(g, from)) return { ...g, nodes: renameInput(others, from, to) };
  // A graph output keeps its name: the producer of the input writes it directly instead,
  // when nothing else reads that input and it is not itself returned.
  const producer = producersOf(g).get(to);
  if (!producer || isGraphOutput(g, to) || consumersOf(g).get(to)?.length !== 1) return undefined;
  const nodes = others.map((n) => (n === producer ? ({ ...n, outputs: n.outputs.map((o) => (o === to ? from : o)) } as Node) : n));
  return { ...g, nodes };
}
