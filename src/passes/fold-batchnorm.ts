// BatchNormalization folded into the Conv or Gemm that feeds it (docs: y = k·(Wx + b − μ) + β,
// k = γ/√(σ² + ε), so W' = k·W per output channel and b' = k·(b − μ) + β).

import type { Graph, Node, NodeOf } from '../ir/graph.ts';
import { consumersOf, hasSoleConsumer, producersOf } from '../ir/queries.ts';
import { f32, type Tensor } from '../ir/tensor.ts';

interface BnFactors {
  k: Float64Array;
  shift: Float64Array;
}

function bnFactors(bn: NodeOf<'BatchNormalization'>, constants: Map<string, Tensor>): BnFactors | undefined {
  const [scale, beta, mean, variance] = bn.inputs.slice(1).map((i) => constants.get(i));
  if (!scale || !beta || !mean || !variance) return undefined;
  const k = Float64Array.from(scale.data, (g, c) => g / Math.sqrt(variance.data[c]! + bn.attrs.epsilon));
  const shift = Float64Array.from(beta.data, (b, c) => b - mean.data[c]! * k[c]!);
  return { k, shift };
}

/** Scales each output channel's weights: Conv keeps output channels on axis 0 in both layouts. */
function scaleRows(w: Tensor, k: Float64Array): Tensor {
  const rows = w.shape[0]!;
  const inner = w.data.length / rows;
  return f32(w.shape, Float32Array.from(w.data, (v, i) => v * k[Math.floor(i / inner)]!));
}

function foldIntoConv(conv: NodeOf<'Conv'>, f: BnFactors, constants: Map<string, Tensor>): Node | undefined {
  const w = constants.get(conv.inputs[1]!);
  const b = conv.inputs[2] ? constants.get(conv.inputs[2]) : undefined;
  if (!w || (conv.inputs[2] && !b) || conv.attrs.clamp) return undefined;
  const wName = `${conv.name}/weight_bn`;
  const bName = `${conv.name}/bias_bn`;
  constants.set(wName, scaleRows(w, f.k));
  constants.set(bName, f32([f.k.length], Float64Array.from(f.k, (k, c) => k * (b?.data[c] ?? 0) + f.shift[c]!)));
  return { ...conv, inputs: [conv.inputs[0]!, wName, bName] };
}

/** Gemm: y = α·A·B + β·C; α, β and k are folded into B and C, which become plain weights and bias. */
function foldIntoGemm(gemm: NodeOf<'Gemm'>, f: BnFactors, constants: Map<string, Tensor>): Node | undefined {
  const w = constants.get(gemm.inputs[1]!);
  const c = gemm.inputs[2] ? constants.get(gemm.inputs[2]) : undefined;
  const n = f.k.length;
  const { alpha, beta, transB } = gemm.attrs;
  if (!w || w.shape[transB ? 0 : 1] !== n || (gemm.inputs[2] && !c) || gemm.attrs.clamp) return undefined;
  if (c && c.data.length !== 1 && c.data.length !== n) return undefined;
  // Column j of the output uses row j of B when transB, else column j.
  const col = (i: number) => (transB ? Math.floor(i / w.shape[1]!) : i % n);
  const wName = `${gemm.name}/weight_bn`;
  const bName = `${gemm.name}/bias_bn`;
  constants.set(wName, f32(w.shape, Float32Array.from(w.data, (v, i) => alpha * v * f.k[col(i)]!)));
  const cAt = (j: number) => (c ? c.data[c.data.length === 1 ? 0 : j]! : 0);
  constants.set(bName, f32([n], Float64Array.from(f.k, (k, j) => k * beta * cAt(j) + f.shift[j]!)));
  return { ...gemm, inputs: [gemm.inputs[0]!, wName, bName], attrs: { ...gemm.attrs, alpha: 1, beta: 1 } };
}

export function foldBatchNorm(graph: Graph): Graph {
  const constants = new Map(graph.initializers);
  const producers = producersOf(graph);
  const consumers = consumersOf(graph);
  const replaced = new Map<Node, Node>();
  const removed = new Set<Node>();
  for (const bn of graph.nodes) {
    if (bn.op !== 'BatchNormalization') continue;
    const x = bn.inputs[0]!;
    const producer = producers.get(x);
    if (!producer || !hasSoleConsumer(graph, consumers, x)) continue;
    const f = bnFactors(bn, constants);
    if (!f) continue;
    let fused: Node | undefined;
    if (producer.op === 'Conv') fused = foldIntoConv(producer, f, constants);
    else if (producer.op === 'Gemm') fused = foldIntoGemm(producer, f, constants);
    if (!fused) continue;
    replaced.set(producer, { ...fused, outputs: [bn.outputs[0]!] } as Node);
    removed.add(bn);
  }
  const nodes = graph.nodes.filter((n) => !removed.has(n)).map((n) => replaced.get(n) ?? n);
  return { ...graph, nodes, initializers: constants };
}
