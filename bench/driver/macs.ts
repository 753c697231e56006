// Multiply-accumulates of every Conv, Gemm and MatMul, from the graph's static shapes. The
// count does not depend on the layout: a Conv's output elements × the weight's per-output
// extent (Cin/group × kh × kw, whatever the order of those axes).
import type { Graph } from '../../src/ir/graph.ts';
import { inferShapes } from '../../src/ir/shapes.ts';

const size = (shape: readonly (number | string)[]): number => shape.reduce<number>((a, d) => a * (typeof d === 'number' ? Math.max(d, 1) : 1), 1);

/** Node name → MACs of one inference (batch 1). */
export function macsByNode(graph: Graph): Map<string, number> {
  const shapes = inferShapes(graph);
  const shapeOf = (name: string) => graph.initializers.get(name)?.shape ?? shapes.get(name);
  const macs = new Map<string, number>();
  for (const node of graph.nodes) {
    const out = shapeOf(node.outputs[0]!);
    if (!out) continue;
    if (node.op === 'Conv') {
      const w = shapeOf(node.inputs[1]!);
      if (w) macs.set(node.name, size(out) * size(w.slice(1)));
    } else if (node.op === 'Gemm' || node.op === 'MatMul') {
      const a = shapeOf(node.inputs[0]!);
      if (!a) continue;
      const transA = node.op === 'Gemm' && node.attrs.transA;
      const k = transA ? a[a.length - 2] : a[a.length - 1];
      if (typeof k === 'number') macs.set(node.name, size(out) * k);
    }
  }
  return macs;
}
