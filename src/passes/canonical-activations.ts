// Activations written in other ops, as the forms the rest of the pipeline knows:
// - Max(x, c) and Min(x, c) with a one-element constant c are Clip(x, c, ·) and Clip(x, ·, c):
//   exporters write ReLU as Max(x, 0) (openWakeWord's embedding model has 19 of them). As Clips
//   they fuse into the Conv before them (fuse-activations.ts) and are int8 clamps (Q18);
// - PRelu with a one-element slope is LeakyRelu: a table on int8 data (Q20), a GPU unary op.

import type { Graph, Node } from '../ir/graph.ts';
import type { Tensor } from '../ir/tensor.ts';
import { rewriteNodes } from './rewrite-nodes.ts';

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

/** PRelu(x, a) with one slope for every element is LeakyRelu(x, a), when x's rank keeps the shape. */
function asLeakyRelu(node: Node, constants: ReadonlyMap<string, Tensor>, rank: (name: string) => number | undefined): Node | undefined {
  if (node.op !== 'PRelu') return undefined;
  const slope = constants.get(node.inputs[1] ?? '');
  if (!isScalarFloat(slope) || (rank(node.inputs[0]!) ?? -1) < slope.shape.length) return undefined;
  return { op: 'LeakyRelu', name: node.name, inputs: [node.inputs[0]!], outputs: node.outputs, attrs: { alpha: slope.data[0]! } };
}

export const canonicalActivations = (graph: Graph): Graph =>
  rewriteNodes(graph, ['Max', 'Min', 'PRelu'], (n, c) => {
    const rank = (name: string) => c.shapes.get(name)?.length;
    const canonical = asClip(n, c.constants, rank) ?? asLeakyRelu(n, c.constants, rank);
    return canonical && [canonical];
  });
