// onnxruntime's dynamic quantization of a MatMul or Conv (its quantize_dynamic: the q8 / int8 /
// uint8 files Transformers.js ships, @imgly's ISNet; the chain is drawn in dynamic-chains.ts) as
// one MatMulDynamicInt8 / ConvDynamicInt8 node (a conv: 2-D and group 1). The fused node quantizes x on the GPU (docs/
// quantization.md (D1)–(D5)): the same range, scale and zero point, the element codes within one
// step of x / s (the node multiplies by 1/s), the same integer sum and the same float epilogue.
// The DynamicQuantizeLinear and the scales' Mul go once nothing else reads them (dead code).

import type { Graph, Node } from '../ir/graph.ts';
import { consumersOf, producersOf } from '../ir/queries.ts';
import { sizeOf, type Tensor } from '../ir/tensor.ts';
import { isColumnBias, toDynamicConvWeights, toDynamicWeights } from '../quant/dynamic-weights.ts';
import { dynamicChainAt, type DynamicChain } from './dynamic-chains.ts';

/** A bias the fused node adds: N constant float values (isColumnBias after a product; [N] or [1, N, 1, 1] after a conv). */
function takesBias(product: Node) {
  if (product.op !== 'ConvInteger') return (bias: Tensor, w: Tensor): boolean => isColumnBias(bias, w.shape[1]!);
  return (bias: Tensor, w: Tensor): boolean => {
    const n = w.shape[0]!;
    return bias.dtype === 'float32' && sizeOf(bias.shape) === n && (bias.shape.length === 1 || (bias.shape.length === 4 && bias.shape[1] === n));
  };
}

/** The chain at `mm` in a form the fused nodes take: 2-D weights of a product, 4-D of a group-1 conv. */
function chainAt(graph: Graph, mm: Extract<Node, { op: 'MatMulInteger' | 'ConvInteger' }>, producers: Map<string, Node>, consumers: Map<string, Node[]>): DynamicChain | undefined {
  const chain = dynamicChainAt(graph, mm, producers, consumers, takesBias(mm));
  if (!chain || chain.weights.q.shape.length !== (mm.op === 'ConvInteger' ? 4 : 2)) return undefined;
  return mm.op === 'ConvInteger' && mm.attrs.group !== 1 ? undefined : chain;
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
    const last = chain.after[chain.after.length - 1]!;
    replacing.set(last, fused);
    for (const n of [mm, ...chain.after]) if (n !== last) removed.add(n);
  }
  if (replacing.size === 0) return graph;
  const nodes = graph.nodes.filter((n) => !removed.has(n)).map((n) => replacing.get(n) ?? n);
  return { ...graph, nodes, initializers };
}
