// A Transpose of a Transpose whose permutations compose to the identity reads its input's input:
// the layout pass's NHWC → NCHW transpose meets a pass's own NCHW → NHWC one (convtranspose-to-conv
// works channels-last) and neither needs to run. The first Transpose stays for its other readers;
// eliminateDeadCode drops it when it has none.

import type { Graph, Node } from '../ir/graph.ts';
import { isGraphOutput, producersOf, renameInput } from '../ir/queries.ts';

/** An explicit permutation (a null one, reverse the axes, would need the rank: left alone). */
const permOf = (node: Node | undefined): readonly number[] | null | undefined => (node?.op === 'Transpose' ? node.attrs.perm : undefined);

export function cancelTransposes(graph: Graph): Graph {
  let nodes = graph.nodes;
  for (;;) {
    const producers = producersOf({ ...graph, nodes });
    const cancelled = nodes.find((second) => {
      const p1 = permOf(producers.get(second.inputs[0] ?? ''));
      const p2 = permOf(second);
      if (!p1 || !p2 || isGraphOutput(graph, second.outputs[0]!)) return false;
      // transpose(transpose(x, p1), p2) has axis i = x's axis p1[p2[i]]: the identity when that is i.
      return p1.length === p2.length && p2.every((axis, i) => p1[axis] === i);
    });
    if (!cancelled) return nodes === graph.nodes ? graph : { ...graph, nodes };
    const source = producers.get(cancelled.inputs[0]!)!.inputs[0]!;
    nodes = renameInput(nodes.filter((n) => n !== cancelled), cancelled.outputs[0]!, source);
  }
}
