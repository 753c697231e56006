// onnxruntime's dynamically quantized products as its quantize_dynamic writes them:
//
//   x ─ DynamicQuantizeLinear ─(q, s_x, z_x)─ MatMulInteger | ConvInteger(q, W, z_x, z_W) ─ Cast(float) ─ Mul ─ (Add bias) ─ y
//                                  s_x ─ Mul(s_x, s_W) ──────────────────────────────────────────────────┘
//
// with W, z_W, s_W and the bias constants. Found here once for the two passes that rewrite them:
// fuse-dynamic.ts (one dynamic int8 node) and dequantize-integer.ts (a float Conv).

import type { Graph, Node } from '../ir/graph.ts';
import { soleConsumer } from '../ir/queries.ts';
import type { Tensor } from '../ir/tensor.ts';

export interface DynamicChain {
  /** The MatMulInteger or ConvInteger. */
  product: Extract<Node, { op: 'MatMulInteger' | 'ConvInteger' }>;
  /** The nodes after it the rewrite replaces: the Cast, the Mul, and the bias Add when taken. */
  after: Node[];
  /** The float input of the DynamicQuantizeLinear. */
  x: string;
  /** W (integers), s_W and z_W (undefined when omitted), as the model gives them. */
  weights: { q: Tensor; scale: Tensor; zero: Tensor | undefined };
  /** The bias Add's constant, where `takesBias` accepts it. */
  bias: Tensor | undefined;
  /** The tensor the chain ends in: the bias Add's output, or the Mul's. */
  output: string;
}

/**
 * The chain starting at `product`, or undefined where any link differs from the pattern (each
 * tensor between is read by the next link only). `takesBias(t, W)`: whether the constant added
 * after the Mul is a bias the caller's rewrite can absorb; where it is not, the chain ends at the Mul.
 */
export function dynamicChainAt(
  graph: Graph,
  product: Extract<Node, { op: 'MatMulInteger' | 'ConvInteger' }>,
  producers: Map<string, Node>,
  consumers: Map<string, Node[]>,
  takesBias: (bias: Tensor, w: Tensor) => boolean,
): DynamicChain | undefined {
  const constant = (name: string | undefined) => (name ? graph.initializers.get(name) : undefined);
  const [q, wName, xZero, wZero] = product.inputs;
  const dql = producers.get(q ?? '');
  const w = constant(wName);
  if (dql?.op !== 'DynamicQuantizeLinear' || !w || (xZero ?? '') !== dql.outputs[2]) return undefined;
  const zero = constant(wZero);
  if ((wZero ?? '') !== '' && !zero) return undefined;
  const cast = soleConsumer(graph, consumers, product.outputs[0]!);
  if (cast?.op !== 'Cast' || cast.attrs.to !== 'float32') return undefined;
  const mul = soleConsumer(graph, consumers, cast.outputs[0]!);
  if (mul?.op !== 'Mul' || mul.inputs.length !== 2) return undefined;
  const scales = producers.get(mul.inputs.find((i) => i !== cast.outputs[0]) ?? '');
  if (scales?.op !== 'Mul' || !scales.inputs.includes(dql.outputs[1]!)) return undefined;
  const scale = constant(scales.inputs.find((i) => i !== dql.outputs[1]));
  if (!scale) return undefined;
  const add = soleConsumer(graph, consumers, mul.outputs[0]!);
  const biasTensor = add?.op === 'Add' && add.inputs.length === 2 ? constant(add.inputs.find((i) => i !== mul.outputs[0])) : undefined;
  const bias = biasTensor && takesBias(biasTensor, w) ? biasTensor : undefined;
  const after = bias ? [cast, mul, add!] : [cast, mul];
  return { product, after, x: dql.inputs[0]!, weights: { q: w, scale, zero }, bias, output: after[after.length - 1]!.outputs[0]! };
}
