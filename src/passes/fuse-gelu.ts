// GELU as exporters write it with Erf (torch.onnx's nn.GELU below opset 20, Transformers' BERT):
//   e = Erf(x / √2)  (or x · (1/√2))   a = e + 1
//   y = (x · a) · 0.5     or     y = (x · 0.5) · a
// as one Gelu(x) (approximate 'none'): one unary_f32 dispatch in place of five. The constants
// must be one-element and equal to √2, 1/√2, 1 and 0.5 in float32; every tensor between is read
// only inside the pattern (the x · 0.5 of the second form too).

import type { Graph, Node } from '../ir/graph.ts';
import { consumersOf, otherInput, soleConsumer } from '../ir/queries.ts';
import { floatScalar, type Tensor } from '../ir/tensor.ts';

const isF32 = (v: number | undefined, want: number): boolean => v !== undefined && Math.fround(v) === Math.fround(want);

/** From the Erf: the nodes of the pattern in graph order of their roles, x and y. */
function match(graph: Graph, erf: Node, consumers: Map<string, Node[]>, producer: Map<string, Node>, constants: ReadonlyMap<string, Tensor>): { nodes: Node[]; x: string; y: string } | undefined {
  const scaled = producer.get(erf.inputs[0] ?? '');
  if (!scaled || soleConsumer(graph, consumers, scaled.outputs[0]!) !== erf) return undefined;
  let x: string | undefined;
  if (scaled.op === 'Div' && isF32(floatScalar(constants.get(scaled.inputs[1] ?? '')), Math.SQRT2)) x = scaled.inputs[0];
  if (scaled.op === 'Mul') {
    const at = scaled.inputs.findIndex((i) => isF32(floatScalar(constants.get(i)), Math.SQRT1_2));
    if (at >= 0) x = scaled.inputs[1 - at];
  }
  if (x === undefined || constants.has(x)) return undefined;
  const add = soleConsumer(graph, consumers, erf.outputs[0]!);
  if (add?.op !== 'Add' || !isF32(floatScalar(constants.get(otherInput(add, erf.outputs[0]!) ?? '')), 1)) return undefined;
  const mul = soleConsumer(graph, consumers, add.outputs[0]!);
  if (mul?.op !== 'Mul') return undefined;
  const other = otherInput(mul, add.outputs[0]!);
  if (other === x) {
    // (x · a) · 0.5
    const half = soleConsumer(graph, consumers, mul.outputs[0]!);
    if (half?.op !== 'Mul' || !isF32(floatScalar(constants.get(otherInput(half, mul.outputs[0]!) ?? '')), 0.5)) return undefined;
    return { nodes: [scaled, erf, add, mul, half], x, y: half.outputs[0]! };
  }
  // (x · 0.5) · a
  const halfX = producer.get(other ?? '');
  if (halfX?.op !== 'Mul' || soleConsumer(graph, consumers, halfX.outputs[0]!) !== mul) return undefined;
  if (otherInput(halfX, x) === undefined || !isF32(floatScalar(constants.get(otherInput(halfX, x)!)), 0.5)) return undefined;
  return { nodes: [halfX, scaled, erf, add, mul], x, y: mul.outputs[0]! };
}

export function fuseGelu(graph: Graph): Graph {
  if (!graph.nodes.some((n) => n.op === 'Erf')) return graph;
  const constants = graph.initializers;
  const consumers = consumersOf(graph);
  const producer = new Map<string, Node>();
  for (const n of graph.nodes) for (const o of n.outputs) if (o !== '') producer.set(o, n);
  const replaced = new Map<Node, Node | null>();
  for (const node of graph.nodes) {
    if (node.op !== 'Erf') continue;
    const m = match(graph, node, consumers, producer, constants);
    if (!m || m.nodes.some((n) => replaced.has(n))) continue;
    // The Gelu takes the place of the last node: x and nothing else is read, x is computed before the first.
    const last = m.nodes.reduce((a, b) => (graph.nodes.indexOf(a) > graph.nodes.indexOf(b) ? a : b));
    for (const n of m.nodes) replaced.set(n, null);
    replaced.set(last, { op: 'Gelu', name: `${node.name}/gelu`, inputs: [m.x], outputs: [m.y], attrs: { approximate: 'none' } });
  }
  if (replaced.size === 0) return graph;
  return { ...graph, nodes: graph.nodes.flatMap((n) => { const r = replaced.get(n); return r === undefined ? [n] : r === null ? [] : [r]; }) };
}
