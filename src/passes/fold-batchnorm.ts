// BatchNormalization folded into the Conv or Gemm that feeds it (docs: y = k·(Wx + b − μ) + β,
// k = γ/√(σ² + ε), so W' = k·W per output channel and b' = k·(b − μ) + β); and likewise any
// per-channel affine written as Mul / Add / Sub / Div by a constant (PP-OCRv4 det's "learnable
// affine blocks" follow each Conv with x · a + b): y = k·(Wx + b) + shift, exact up to rounding.

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

/**
 * The per-channel k, shift of Mul / Add / Sub / Div by a constant c read as y = k·x + shift, for
 * an x with `channels` channels on axis 1 of `rank` axes: c must be one element, or `channels`
 * elements along that axis (so the result keeps x's shape). Undefined for anything else.
 */
function affineFactors(node: Node, constants: Map<string, Tensor>, channels: number, rank: number): { x: string; f: BnFactors } | undefined {
  if (node.op !== 'Mul' && node.op !== 'Add' && node.op !== 'Sub' && node.op !== 'Div') return undefined;
  const at = node.inputs.findIndex((i) => constants.has(i));
  if (at < 0 || node.inputs.length !== 2 || constants.has(node.inputs[1 - at]!)) return undefined;
  const c = constants.get(node.inputs[at]!)!;
  const aligned = [...new Array<number>(Math.max(0, rank - c.shape.length)).fill(1), ...c.shape];
  const perChannel = aligned.length === rank && aligned.every((d, i) => d === (i === 1 ? channels : 1));
  if ((c.data.length !== 1 || c.shape.length > rank) && !perChannel) return undefined;
  if (c.dtype !== 'float32' && c.dtype !== 'float64') return undefined;
  const v = (ch: number) => c.data[c.data.length === 1 ? 0 : ch]!;
  const per = (fn: (ch: number) => number) => Float64Array.from({ length: channels }, (_, ch) => fn(ch));
  let f: BnFactors | undefined;
  if (node.op === 'Mul') f = { k: per(v), shift: per(() => 0) };
  else if (node.op === 'Add') f = { k: per(() => 1), shift: per(v) };
  else if (node.op === 'Sub') f = at === 1 ? { k: per(() => 1), shift: per((ch) => -v(ch)) } : { k: per(() => -1), shift: per(v) };
  else if (at === 1) f = { k: per((ch) => 1 / v(ch)), shift: per(() => 0) }; // Div(x, c); Div(c, x) is no affine
  if (!f || ![...f.k, ...f.shift].every(Number.isFinite)) return undefined;
  return { x: node.inputs[1 - at]!, f };
}

/** Output channels and output rank of a Conv or Gemm whose weights are constant. */
function linearShape(node: Node, constants: Map<string, Tensor>): { channels: number; rank: number } | undefined {
  const w = constants.get(node.inputs[1] ?? '');
  if (!w) return undefined;
  if (node.op === 'Conv') return { channels: w.shape[0]!, rank: w.shape.length };
  if (node.op === 'Gemm') return { channels: w.shape[node.attrs.transB ? 0 : 1]!, rank: 2 };
  return undefined;
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
  for (const node of graph.nodes) {
    const x = node.op === 'BatchNormalization' ? node.inputs[0]! : node.inputs.find((i) => !constants.has(i));
    const original = x === undefined ? undefined : producers.get(x);
    if (!original || !hasSoleConsumer(graph, consumers, x!)) continue;
    // The producer may itself have been rewritten by an earlier fold in this pass (Conv → Mul → Add).
    const producer = replaced.get(original) ?? original;
    const shape = linearShape(producer, constants);
    if (!shape) continue;
    const f = node.op === 'BatchNormalization' ? bnFactors(node, constants) : affineFactors(node, constants, shape.channels, shape.rank)?.f;
    if (!f) continue;
    let fused: Node | undefined;
    if (producer.op === 'Conv') fused = foldIntoConv(producer, f, constants);
    else if (producer.op === 'Gemm') fused = foldIntoGemm(producer, f, constants);
    if (!fused) continue;
    replaced.set(original, { ...fused, outputs: [node.outputs[0]!] } as Node);
    producers.set(node.outputs[0]!, original);
    removed.add(node);
  }
  const nodes = graph.nodes.filter((n) => !removed.has(n)).map((n) => replaced.get(n) ?? n);
  return { ...graph, nodes, initializers: constants };
}
