// A Split with known part lengths is one Slice per output it feeds: each Slice is a move the int8
// path runs as a layout step (Q18) and the fp32 path as one gather, where a Split, with several
// outputs, has no int8 step. Outputs nobody reads (ONNX allows them) get no Slice.

import type { Graph, Node, NodeOf } from '../ir/graph.ts';
import { splitLengths } from '../ir/ops/indexing.ts';
import { i64, type Tensor } from '../ir/tensor.ts';
import { rewriteNodes } from './rewrite-nodes.ts';

function slices(node: NodeOf<'Split'>, constants: Map<string, Tensor>, shape: readonly (number | string)[] | undefined, read: (name: string) => boolean): Node[] | undefined {
  if (!shape) return undefined;
  const axis = node.attrs.axis < 0 ? node.attrs.axis + shape.length : node.attrs.axis;
  const dim = shape[axis];
  const given = node.inputs[1] ? constants.get(node.inputs[1]) : undefined;
  if ((node.inputs[1] && !given) || typeof dim !== 'number') return undefined;
  const lengths = given ? Array.from(given.data) : splitLengths(dim, node.attrs.parts);
  if (lengths.length !== node.outputs.length || lengths.reduce((a, b) => a + b, 0) !== dim) return undefined;
  const axes = `${node.name}/axes`;
  constants.set(axes, i64([1], [axis]));
  let start = 0;
  return node.outputs.flatMap((output, i) => {
    const [from, to] = [start, start + lengths[i]!];
    start = to;
    if (output === '' || !read(output)) return [];
    const [starts, ends] = [`${node.name}/starts_${i}`, `${node.name}/ends_${i}`];
    constants.set(starts, i64([1], [from]));
    constants.set(ends, i64([1], [to]));
    return [{ op: 'Slice', name: `${node.name}/${i}`, inputs: [node.inputs[0]!, starts, ends, axes, ''], outputs: [output], attrs: {} } satisfies Node];
  });
}

export const splitToSlices = (graph: Graph): Graph => rewriteNodes(graph, ['Split'], (n, c) => slices(n, c.constants, c.shapes.get(n.inputs[0]!), c.read));
