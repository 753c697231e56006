// ReduceMean / ReduceMax of a 4-D NCHW tensor over its two spatial axes are GlobalAveragePool /
// GlobalMaxPool (followed by a Flatten when keepdims is 0): exporters write squeeze-excite's
// squeeze as ReduceMean(x, [2, 3]). As pools they follow the data into NHWC and run as int8 steps
// (Q17), not float reductions between a dequantize and a quantize.

import type { Graph, Node } from '../ir/graph.ts';
import { rewriteNodes } from './rewrite-nodes.ts';
import type { Tensor } from '../ir/tensor.ts';

const POOL = { ReduceMean: 'GlobalAveragePool', ReduceMax: 'GlobalMaxPool' } as const;

function asPool(node: Node, constants: ReadonlyMap<string, Tensor>, rank: number | undefined): Node[] | undefined {
  if ((node.op !== 'ReduceMean' && node.op !== 'ReduceMax') || rank !== 4) return undefined;
  const axes = constants.get(node.inputs[1] ?? '');
  const spatial = axes && axes.data.length === 2 && [...axes.data].map((a) => (a < 0 ? a + 4 : a)).sort().join() === '2,3';
  if (!spatial) return undefined;
  const y = node.outputs[0]!;
  const pooled = node.attrs.keepdims ? y : `${y}:pooled`;
  const pool: Node = { op: POOL[node.op], name: node.name, inputs: [node.inputs[0]!], outputs: [pooled], attrs: { layout: 'NCHW' } };
  if (node.attrs.keepdims) return [pool];
  return [pool, { op: 'Flatten', name: `${node.name}/flatten`, inputs: [pooled], outputs: [y], attrs: { axis: 1 } }];
}

export const reduceToPool = (graph: Graph): Graph =>
  rewriteNodes(graph, ['ReduceMean', 'ReduceMax'], (n, c) => asPool(n, c.constants, c.shapes.get(n.inputs[0] ?? '')?.length));
