// The one loop of the passes that rewrite single nodes in place (canonical-activations,
// reduce-to-pool, split-to-slices, convtranspose-to-conv): each node of the named ops may be
// replaced by nodes the rewrite returns, which may add constants; shapes are inferred once, and
// only when a node of those ops is there.

import type { Graph, Node, OpType } from '../ir/graph.ts';
import { consumersOf, isGraphOutput } from '../ir/queries.ts';
import { inferShapes, type ShapeMap } from '../ir/shapes.ts';
import type { Tensor } from '../ir/tensor.ts';

export interface RewriteContext {
  /** The graph's constants; a rewrite adds its own here. */
  constants: Map<string, Tensor>;
  shapes: ShapeMap;
  /** Whether a node or the graph output reads the tensor. */
  read: (name: string) => boolean;
}

/** `graph` with each node of `ops` replaced by what `rewrite` returns (undefined: kept as it is). */
export function rewriteNodes<Op extends OpType>(graph: Graph, ops: readonly Op[], rewrite: (node: Extract<Node, { op: Op }>, c: RewriteContext) => Node[] | undefined): Graph {
  const matches = (n: Node): n is Extract<Node, { op: Op }> => (ops as readonly OpType[]).includes(n.op);
  if (!graph.nodes.some(matches)) return graph;
  const consumers = consumersOf(graph);
  const c: RewriteContext = { constants: new Map(graph.initializers), shapes: inferShapes(graph), read: (name) => consumers.has(name) || isGraphOutput(graph, name) };
  let changed = false;
  const nodes = graph.nodes.flatMap((n) => {
    const replaced = matches(n) ? rewrite(n, c) : undefined;
    if (replaced) changed = true;
    return replaced ?? [n];
  });
  return changed ? { ...graph, nodes, initializers: c.constants } : graph;
}
