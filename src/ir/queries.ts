// Read-only questions the passes ask of a graph.

import type { Graph, Node } from './graph.ts';

/** Nodes that read each tensor. */
export function consumersOf(graph: Graph): Map<string, Node[]> {
  const map = new Map<string, Node[]>();
  for (const n of graph.nodes) {
    for (const i of n.inputs) {
      if (i === '') continue;
      const list = map.get(i) ?? [];
      if (!list.includes(n)) list.push(n);
      map.set(i, list);
    }
  }
  return map;
}

export function producersOf(graph: Graph): Map<string, Node> {
  const map = new Map<string, Node>();
  for (const n of graph.nodes) for (const o of n.outputs) if (o !== '') map.set(o, n);
  return map;
}

export function isGraphOutput(graph: Graph, name: string): boolean {
  return graph.outputs.some((o) => o.name === name);
}

/** A tensor that only one node reads and the graph does not return can be fused away. */
export function hasSoleConsumer(graph: Graph, consumers: Map<string, Node[]>, name: string): boolean {
  return (consumers.get(name)?.length ?? 0) === 1 && !isGraphOutput(graph, name);
}

/** The node reading `name` when it is the only reader and the graph does not return it. */
export function soleConsumer(graph: Graph, consumers: Map<string, Node[]>, name: string): Node | undefined {
  return hasSoleConsumer(graph, consumers, name) ? consumers.get(name)![0] : undefined;
}

/** The other input of a two-input node one of whose inputs is `name`. */
export function otherInput(node: Node, name: string): string | undefined {
  if (node.inputs.length !== 2) return undefined;
  if (node.inputs[0] === name) return node.inputs[1];
  if (node.inputs[1] === name) return node.inputs[0];
  return undefined;
}

/** Replaces every read of `from` with `to`, including graph outputs, in a copy of the node list. */
export function renameInput(nodes: Node[], from: string, to: string): Node[] {
  return nodes.map((n) => (n.inputs.includes(from) ? ({ ...n, inputs: n.inputs.map((i) => (i === from ? to : i)) } as Node) : n));
}
