// onnxruntime's dynamic quantization of a MatMul or Conv (its quantize_dynamic: the q8 / int8 /
// uint8 files Transformers.js ships, @imgly's ISNet) as one MatMulDynamicInt8 / ConvDynamicInt8 node:
//
//   x ─ DynamicQuantizeLinear ─(q, s_x, z_x)─ MatMulInteger(q, W, z_x, z_W) ─ Cast(float) ─ Mul ─ (Add bias) ─ y
//                                  s_x ─ Mul(s_x, s_W) ──────────────────────────────────┘
// (ConvInteger in MatMulInteger's place: a 2-D, group-1 Conv.)
//
// with W, z_W, s_W and the bias constants. The fused node quantizes x on the GPU (docs/
// quantization.md (D1)–(D5)): the same range, scale and zero point, the element codes within one
// step of x / s (the node multiplies by 1/s), the same integer sum and the same float epilogue.
// The DynamicQuantizeLinear and the scales' Mul go once nothing else reads them (dead code).

import type { Graph, Node } from '../ir/graph.ts';
import { consumersOf, hasSoleConsumer, producersOf } from '../ir/queries.ts';
import { sizeOf, type Tensor } from '../ir/tensor.ts';
import { toDynamicConvWeights, toDynamicWeights } from '../quant/dynamic-weights.ts';

interface Chain {
  /** The nodes the fused node replaces; it takes the place of the last. */
  nodes: Node[];
  x: string;
  output: string;
  weights: { q: Tensor; scale: Tensor; zero: Tensor | undefined };
  bias: Tensor | undefined;
}

/** The MatMulInteger chain starting at `mm`, or undefined where any link differs from the pattern. */
function chainAt(graph: Graph, mm: Node, producers: Map<string, Node>, consumers: Map<string, Node[]>): Chain | undefined {
  const constant = (name: string | undefined) => (name ? graph.initializers.get(name) : undefined);
  const [q, wName, xZero, wZero] = mm.inputs;
  const dql = producers.get(q ?? '');
  const w = constant(wName);
  if (dql?.op !== 'DynamicQuantizeLinear' || !w || (xZero ?? '') !== dql.outputs[2]) return undefined;
  const wZeroTensor = constant(wZero);
  if ((wZero ?? '') !== '' && !wZeroTensor) return undefined;
  const only = (name: string) => (hasSoleConsumer(graph, consumers, name) ? consumers.get(name)![0] : undefined);
  const cast = only(mm.outputs[0]!);
  if (cast?.op !== 'Cast' || cast.attrs.to !== 'float32') return undefined;
  const mul = only(cast.outputs[0]!);
  if (mul?.op !== 'Mul') return undefined;
  const scales = producers.get(mul.inputs.find((i) => i !== cast.outputs[0]) ?? '');
  if (scales?.op !== 'Mul' || !scales.inputs.includes(dql.outputs[1]!)) return undefined;
  const wScale = constant(scales.inputs.find((i) => i !== dql.outputs[1]));
  const conv = mm.op === 'ConvInteger';
  if (!wScale || w.shape.length !== (conv ? 4 : 2)) return undefined;
  if (mm.op === 'ConvInteger' && mm.attrs.group !== 1) return undefined;
  const n = conv ? w.shape[0]! : w.shape[1]!;
  // A bias Add of [N] constant values ([1, N] for a product, [1, N, 1, 1] for a conv), where the product feeds nothing else.
  const add = only(mul.outputs[0]!);
  const biasName = add?.op === 'Add' ? add.inputs.find((i) => i !== mul.outputs[0]) : undefined;
  const bias = constant(biasName);
  const along = (t: Tensor) => (conv ? t.shape.length === 1 || (t.shape.length === 4 && t.shape[1] === n) : t.shape.length <= 2 && t.shape[t.shape.length - 1] === n);
  const biasFits = bias !== undefined && bias.dtype === 'float32' && sizeOf(bias.shape) === n && along(bias);
  const nodes = [mm, cast, mul, ...(biasFits ? [add!] : [])];
  return { nodes, x: dql.inputs[0]!, output: nodes[nodes.length - 1]!.outputs[0]!, weights: { q: w, scale: wScale, zero: wZeroTensor }, bias: biasFits ? bias : undefined };
}

export function fuseDynamicMatmul(graph: Graph): Graph {
  const producers = producersOf(graph);
  const consumers = consumersOf(graph);
  const initializers = new Map(graph.initializers);
  const replacing = new Map<Node, Node>();
  const removed = new Set<Node>();
  for (const mm of graph.nodes) {
    if (mm.op !== 'MatMulInteger' && mm.op !== 'ConvInteger') continue;
    const chain = chainAt(graph, mm, producers, consumers);
    if (!chain) continue;
    let weights;
    try {
      weights = mm.op === 'ConvInteger' ? toDynamicConvWeights(chain.weights) : toDynamicWeights(chain.weights);
    } catch {
      continue; // A form the fused node does not take (a zero point per row of A, ...): the ops run as they are.
    }
    const name = (suffix: string) => `${mm.name}/dynamic_${suffix}`;
    initializers.set(name('codes'), weights.codes);
    initializers.set(name('scale'), weights.scale);
    initializers.set(name('zero'), weights.zero);
    if (chain.bias) initializers.set(name('bias'), { ...chain.bias, shape: [sizeOf(chain.bias.shape)] });
    const inputs = [chain.x, name('codes'), name('scale'), name('zero'), chain.bias ? name('bias') : ''];
    const outputs = [chain.output];
    const fused: Node = mm.op === 'ConvInteger' ? { op: 'ConvDynamicInt8', name: mm.name, inputs, outputs, attrs: mm.attrs } : { op: 'MatMulDynamicInt8', name: mm.name, inputs, outputs, attrs: { perRow: false } };
    const last = chain.nodes[chain.nodes.length - 1]!;
    replacing.set(last, fused);
    for (const n of chain.nodes) if (n !== last) removed.add(n);
  }
  if (replacing.size === 0) return graph;
  const nodes = graph.nodes.filter((n) => !removed.has(n)).map((n) => replacing.get(n) ?? n);
  return { ...graph, nodes, initializers };
}
