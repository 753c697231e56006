// Max(x, c) and Min(x, c) with a scalar constant c are Clip(x, c, ·) and Clip(x, ·, c): exporters
// write ReLU as Max(x, 0) (openWakeWord's embedding model has 19 of them). As Clips they fuse into
// the Conv before them (fuse-activations.ts) and are int8 clamps (Q18) instead of float steps.

import type { Graph, Node } from '../ir/graph.ts';
import { inferShapes } from '../ir/shapes.ts';
import type { Tensor } from '../ir/tensor.ts';

const isScalarFloat = (t: Tensor | undefined): t is Tensor => !!t && t.data.length === 1 && (t.dtype === 'float32' || t.dtype === 'float64');

/** The Clip a node is, given the rank of each tensor; undefined when it is no such Max / Min. */
function asClip(node: Node, constants: ReadonlyMap<string, Tensor>, rank: (name: string) => number | undefined): Node | undefined {
  if ((node.op !== 'Max' && node.op !== 'Min') || node.inputs.length !== 2) return undefined;
  const at = node.inputs.findIndex((name) => isScalarFloat(constants.get(name)));
  const x = node.inputs[1 - at];
  if (at < 0 || x === undefined || constants.has(x)) return undefined;
  // A one-element constant of rank r broadcasts x of a lower rank up to r: the Clip would keep
  // x's shape, so x must have at least that rank. (Clip reads its bounds' one element whatever
  // their shape.)
  const bound = node.inputs[at]!;
  if ((rank(x) ?? -1) < constants.get(bound)!.shape.length) return undefined;
  const inputs = node.op === 'Max' ? [x, bound, ''] : [x, '', bound];
  return { op: 'Clip', name: node.name, inputs, outputs: node.outputs, attrs: {} };
}

export function minMaxToClip(graph: Graph): Graph {
  if (!graph.nodes.some((n) => n.op === 'Max' || n.op === 'Min')) return graph;
  const shapes = inferShapes(graph);
  const nodes = graph.nodes.map((n) => asClip(n, graph.initializers, (name) => shapes.get(name)?.length) ?? n);
  return nodes.every((n, i) => n === graph.nodes[i]) ? graph : { ...graph, nodes };
}
