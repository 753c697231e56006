// The LayerNorm that exporters write op by op (torch.onnx below opset 17, TF's keras layers):
//   m = ReduceMean(x, axes)   d = Sub(x, m)   v = ReduceMean(Pow(d, 2), axes)
//   y = Div(d, Sqrt(Add(v, ε)))   [· γ]   [+ β]
// as one LayerNormalization(x, γ, β; axis, ε): one kernel (norm_f32) in place of nine
// dispatches. The axes must be the trailing ones (axis = the first of them), both reductions
// keep dims, ε and the exponent 2 are one-element constants, γ and β constants that cover the
// normalized dims (or one value); every tensor between is read only inside the pattern.
// Without the Mul, γ is ones. Exact up to float rounding: the fused kernel computes the same
// mean and biased variance.

import type { Graph, Node } from '../ir/graph.ts';
import { consumersOf, isGraphOutput, otherInput, soleConsumer } from '../ir/queries.ts';
import { inferShapes, type ShapeMap } from '../ir/shapes.ts';
import { f32, floatScalar, sizeOf, type Tensor } from '../ir/tensor.ts';

/** The first normalized axis of a ReduceMean over trailing axes of x with dims kept; undefined otherwise. */
function trailingAxis(node: Node, constants: ReadonlyMap<string, Tensor>, rank: number): number | undefined {
  if (node.op !== 'ReduceMean' || !node.attrs.keepdims) return undefined;
  const axes = constants.get(node.inputs[1] ?? '');
  if (!axes || axes.data.length === 0) return undefined;
  const sorted = Array.from(axes.data, (a) => (a < 0 ? a + rank : a)).sort((a, b) => a - b);
  const first = sorted[0]!;
  return sorted.every((a, i) => a === first + i) && sorted.at(-1) === rank - 1 ? first : undefined;
}

const sameAxes = (a: Node, b: Node, constants: ReadonlyMap<string, Tensor>): boolean => {
  const x = constants.get(a.inputs[1] ?? '');
  const y = constants.get(b.inputs[1] ?? '');
  return !!x && !!y && Array.from(x.data).join() === Array.from(y.data).join();
};

interface Match {
  /** The nodes the LayerNormalization replaces, the last one's output is its output. */
  nodes: Node[];
  x: string;
  axis: number;
  normalized: number[];
  epsilon: number;
  scale?: string;
  bias?: string;
  output: string;
}

function match(graph: Graph, mean: Node, consumers: Map<string, Node[]>, constants: ReadonlyMap<string, Tensor>, shapes: ShapeMap): Match | undefined {
  const x = mean.inputs[0]!;
  const xShape = shapes.get(x);
  if (!xShape) return undefined;
  const rank = xShape.length;
  const axis = trailingAxis(mean, constants, rank);
  if (axis === undefined) return undefined;
  const sub = soleConsumer(graph, consumers, mean.outputs[0]!);
  if (sub?.op !== 'Sub' || sub.inputs[0] !== x || sub.inputs[1] !== mean.outputs[0]) return undefined;
  const d = sub.outputs[0]!;
  const readers = consumers.get(d) ?? [];
  if (readers.length !== 2 || isGraphOutput(graph, d)) return undefined;
  const pow = readers.find((n) => n.op === 'Pow');
  const div = readers.find((n) => n.op === 'Div');
  if (!pow || !div || pow.inputs[0] !== d || floatScalar(constants.get(pow.inputs[1] ?? '')) !== 2) return undefined;
  const variance = soleConsumer(graph, consumers, pow.outputs[0]!);
  if (variance?.op !== 'ReduceMean' || !variance.attrs.keepdims || !sameAxes(mean, variance, constants)) return undefined;
  const add = soleConsumer(graph, consumers, variance.outputs[0]!);
  const eps = add?.op === 'Add' ? floatScalar(constants.get(otherInput(add, variance.outputs[0]!) ?? '')) : undefined;
  if (!add || eps === undefined) return undefined;
  const sqrt = soleConsumer(graph, consumers, add.outputs[0]!);
  if (sqrt?.op !== 'Sqrt' || soleConsumer(graph, consumers, sqrt.outputs[0]!) !== div || div.inputs[0] !== d || div.inputs[1] !== sqrt.outputs[0]) return undefined;
  const nodes = [mean, sub, pow, variance, add, sqrt, div];
  const normalizedDims = xShape.slice(axis);
  if (!normalizedDims.every((dim): dim is number => typeof dim === 'number')) return undefined;
  // γ and β: constants of the normalized dims' shape (leading 1s allowed, no broadcast into the
  // leading dims of x), or one value.
  const covers = (t: Tensor | undefined): boolean => {
    if (!t || (t.dtype !== 'float32' && t.dtype !== 'float64') || t.shape.length > rank) return false;
    if (t.data.length === 1) return true;
    const first = t.shape.findIndex((dim) => dim !== 1);
    const dims = t.shape.slice(first);
    return dims.length <= normalizedDims.length && dims.join() === normalizedDims.slice(normalizedDims.length - dims.length).join() && sizeOf(dims) === sizeOf(normalizedDims as number[]);
  };
  let out = div.outputs[0]!;
  let scale: string | undefined;
  let bias: string | undefined;
  const mul = soleConsumer(graph, consumers, out);
  if (mul?.op === 'Mul') {
    const g = otherInput(mul, out);
    if (g && covers(constants.get(g))) {
      scale = g;
      nodes.push(mul);
      out = mul.outputs[0]!;
    }
  }
  const plus = soleConsumer(graph, consumers, out);
  if (plus?.op === 'Add') {
    const b = otherInput(plus, out);
    if (b && covers(constants.get(b))) {
      bias = b;
      nodes.push(plus);
      out = plus.outputs[0]!;
    }
  }
  return { nodes, x, axis, normalized: normalizedDims as number[], epsilon: eps, scale, bias, output: out };
}

export function fuseLayerNorm(graph: Graph): Graph {
  if (!graph.nodes.some((n) => n.op === 'ReduceMean')) return graph;
  const constants = new Map(graph.initializers);
  const consumers = consumersOf(graph);
  const shapes = inferShapes(graph);
  const replaced = new Map<Node, Node | null>();
  for (const node of graph.nodes) {
    if (node.op !== 'ReduceMean' || replaced.has(node)) continue;
    const m = match(graph, node, consumers, constants, shapes);
    if (!m || m.nodes.some((n) => replaced.has(n))) continue;
    let scale = m.scale;
    if (!scale) {
      scale = `${node.name}/layernorm_scale`;
      constants.set(scale, f32(m.normalized, new Float32Array(sizeOf(m.normalized)).fill(1)));
    }
    const last = m.nodes.at(-1)!;
    const fused: Node = {
      op: 'LayerNormalization',
      name: `${node.name}/layernorm`,
      inputs: m.bias ? [m.x, scale, m.bias] : [m.x, scale],
      outputs: [m.output],
      attrs: { axis: m.axis, epsilon: Math.fround(m.epsilon) },
    };
    for (const n of m.nodes) replaced.set(n, null);
    replaced.set(last, fused);
  }
  if (replaced.size === 0) return graph;
  const nodes = graph.nodes.flatMap((n) => {
    const r = replaced.get(n);
    return r === undefined ? [n] : r === null ? [] : [r];
  });
  return { ...graph, nodes, initializers: constants };
}
