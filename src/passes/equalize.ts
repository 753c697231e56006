// Cross-layer equalization (Nagel et al. 2019, "Data-Free Quantization", §4.1; docs/quantization.md
// (E1)–(E3)). For Conv A → (clamp) → Conv B where B is A's only reader, output channel i of A is
// divided by sᵢ > 0 and input channel i of B multiplied by it: B(A(x)) is unchanged because a
// positive scale commutes with ReLU, and with a ReLU6 once its bound becomes 6/sᵢ per channel
// (Clamp.channelMax). With sᵢ = √(r₁ᵢ/r₂ᵢ) (r₁ᵢ: max |W_A| of output channel i, r₂ᵢ: max |W_B| of
// input channel i) both become √(r₁ᵢr₂ᵢ); chains (A → B → C) are iterated to convergence. The
// point for int8: one activation scale per tensor then serves channels of similar range.

import type { Clamp, Graph, Node, NodeOf } from '../ir/graph.ts';
import { consumersOf, hasSoleConsumer, producersOf } from '../ir/queries.ts';
import { f32, type Tensor } from '../ir/tensor.ts';

export interface EqualizeOptions {
  /** Stop when every scale of a sweep is within this of 1 (default 1e-4). */
  tolerance?: number;
  maxSweeps?: number;
}

export interface EqualizedPair {
  first: string;
  second: string;
  /** The first conv's clamp bound became per channel (a ReLU6 between them). */
  perChannelBound: boolean;
}

export interface Equalized {
  graph: Graph;
  pairs: EqualizedPair[];
  /** Sweeps until the scales converged (or maxSweeps). */
  sweeps: number;
}

/** A conv's weights and bias in float64, rescaled in place over the sweeps. */
interface Working {
  node: NodeOf<'Conv'>;
  weights: Float64Array;
  shape: readonly number[];
  bias: Float64Array | undefined;
  channelMax: Float64Array | undefined;
}

interface Pair {
  a: Working;
  b: Working;
}

/** A clamp that commutes with a positive per-channel scale once its upper bound is per channel. */
const scalable = (c: Clamp | null): boolean => !c || c.min === 0 || c.min === -Infinity;

function isEqualizableConv(node: Node, graph: Graph): node is NodeOf<'Conv'> {
  if (node.op !== 'Conv') return false;
  const w = graph.initializers.get(node.inputs[1] ?? '');
  const biasOk = !node.inputs[2] || graph.initializers.has(node.inputs[2]);
  return w !== undefined && w.shape.length === 4 && biasOk;
}

function working(node: NodeOf<'Conv'>, graph: Graph): Working {
  const w = graph.initializers.get(node.inputs[1]!)!;
  const b = node.inputs[2] ? graph.initializers.get(node.inputs[2]) : undefined;
  const clamp = node.attrs.clamp;
  const cout = w.shape[0]!;
  const finiteMax = clamp && Number.isFinite(clamp.max);
  return {
    node,
    weights: Float64Array.from(w.data),
    shape: w.shape,
    bias: b && Float64Array.from(b.data),
    channelMax: finiteMax ? Float64Array.from({ length: cout }, (_, c) => clamp.channelMax?.[c] ?? clamp.max) : undefined,
  };
}

/** The flat indices of B's weights that multiply its input channel `i`, for both weight layouts. */
function inputChannelIndices(b: Working, i: number): number[] {
  const [cout, d1, d2, d3] = b.shape as [number, number, number, number];
  const nhwc = b.node.attrs.layout === 'NHWC';
  const cinPerGroup = nhwc ? d3 : d1;
  const taps = nhwc ? d1 * d2 : d2 * d3;
  const coutPerGroup = cout / b.node.attrs.group;
  const group = Math.floor(i / cinPerGroup);
  const j = i % cinPerGroup;
  const out: number[] = [];
  for (let oc = group * coutPerGroup; oc < (group + 1) * coutPerGroup; oc++) {
    for (let t = 0; t < taps; t++) out.push(nhwc ? (oc * taps + t) * cinPerGroup + j : (oc * cinPerGroup + j) * taps + t);
  }
  return out;
}

function rowMaxAbs(w: Working, row: number): number {
  const inner = w.weights.length / w.shape[0]!;
  let m = 0;
  for (let k = row * inner; k < (row + 1) * inner; k++) m = Math.max(m, Math.abs(w.weights[k]!));
  return m;
}

/** One equalization step of a pair; returns the largest |log sᵢ| applied. */
function equalizePair({ a, b }: Pair, columns: number[][]): number {
  const inner = a.weights.length / a.shape[0]!;
  let worst = 0;
  for (let i = 0; i < a.shape[0]!; i++) {
    const r1 = rowMaxAbs(a, i);
    let r2 = 0;
    for (const k of columns[i]!) r2 = Math.max(r2, Math.abs(b.weights[k]!));
    if (r1 === 0 || r2 === 0) continue; // a dead channel: nothing to balance
    const s = Math.sqrt(r1 / r2); // (E2)
    for (let k = i * inner; k < (i + 1) * inner; k++) a.weights[k]! /= s;
    if (a.bias) a.bias[i]! /= s;
    if (a.channelMax) a.channelMax[i]! /= s;
    for (const k of columns[i]!) b.weights[k]! *= s;
    worst = Math.max(worst, Math.abs(Math.log(s)));
  }
  return worst;
}

/** The pairs: A's output read only by B, as B's data input, with a clamp that scales. */
function findPairs(graph: Graph, works: Map<Node, Working>): Pair[] {
  const producers = producersOf(graph);
  const consumers = consumersOf(graph);
  const pairs: Pair[] = [];
  const work = (n: NodeOf<'Conv'>) => works.get(n) ?? works.set(n, working(n, graph)).get(n)!;
  for (const b of graph.nodes) {
    if (!isEqualizableConv(b, graph)) continue;
    const x = b.inputs[0]!;
    const a = producers.get(x);
    if (!a || !isEqualizableConv(a, graph) || !hasSoleConsumer(graph, consumers, x) || !scalable(a.attrs.clamp)) continue;
    if (a.attrs.layout !== b.attrs.layout) continue;
    const wa = work(a);
    const wb = work(b);
    pairs.push({ a: wa, b: wb });
  }
  return pairs;
}

function rebuilt(w: Working, initializers: Map<string, Tensor>): Node {
  const { node } = w;
  const weightName = `${node.name}/weight_cle`;
  initializers.set(weightName, f32([...w.shape], w.weights));
  const inputs = [node.inputs[0]!, weightName];
  if (w.bias) {
    const biasName = `${node.name}/bias_cle`;
    initializers.set(biasName, f32([w.bias.length], w.bias));
    inputs.push(biasName);
  }
  const clamp = node.attrs.clamp;
  const channelMax = w.channelMax && Float32Array.from(w.channelMax);
  const newClamp = clamp && channelMax ? { min: clamp.min, max: Math.max(...channelMax), channelMax } : clamp;
  return { ...node, inputs, attrs: { ...node.attrs, clamp: newClamp } };
}

/** Equalizes every Conv → Conv pair of the graph (after optimize(): BN folded, activations fused). */
export function equalizeCrossLayer(graph: Graph, options: EqualizeOptions = {}): Equalized {
  const works = new Map<Node, Working>();
  const pairs = findPairs(graph, works);
  const columns = pairs.map((p) => Array.from({ length: p.a.shape[0]! }, (_, i) => inputChannelIndices(p.b, i)));
  const tolerance = options.tolerance ?? 1e-4;
  const maxSweeps = options.maxSweeps ?? 100;
  let sweeps = 0;
  while (pairs.length > 0 && sweeps < maxSweeps) {
    sweeps++;
    let worst = 0;
    for (const [k, p] of pairs.entries()) worst = Math.max(worst, equalizePair(p, columns[k]!));
    if (worst < tolerance) break;
  }
  const initializers = new Map(graph.initializers);
  const replaced = new Map([...works].map(([n, w]) => [n, rebuilt(w, initializers)]));
  const nodes = graph.nodes.map((n) => replaced.get(n) ?? n);
  const equalized = { ...graph, nodes, initializers };
  return {
    graph: equalized,
    pairs: pairs.map((p) => ({ first: p.a.node.name, second: p.b.node.name, perChannelBound: p.a.channelMax !== undefined })),
    sweeps,
  };
}
