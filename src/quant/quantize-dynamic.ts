// Dynamic quantization (PyTorch's quantize_dynamic, onnxruntime's quantize_dynamic): the weights
// of every MatMul and Gemm of a constant 2-D B become int8 per output column ahead of time; the
// activations are quantized at run time from their own range (docs/quantization.md (D1)–(D5)).
// No calibration data. The result is a float graph whose products are MatMulDynamicInt8 nodes,
// run by the fp32 GPU plan and the float CPU reference like any other op.

import type { Graph, Node } from '../ir/graph.ts';
import { consumersOf, soleConsumer } from '../ir/queries.ts';
import type { Tensor } from '../ir/tensor.ts';
import { isColumnBias, quantizeWeightsPerColumn, toDynamicWeights, transpose2d } from './dynamic-weights.ts';

export interface DynamicOptions {
  /** A scale per row of the activations (per token), instead of one per tensor as onnxruntime's format has. */
  perRow?: boolean;
  /** Names of MatMul / Gemm nodes to leave in float. */
  keepFloat?: readonly string[];
  /** Names of the only MatMul / Gemm nodes to make dynamic (default: every one that can be). */
  only?: readonly string[];
}

export interface DynamicReport {
  /** The nodes made dynamic, and the products left float with why. */
  quantized: string[];
  skipped: { node: string; why: string }[];
}

/** B as [K, N] and the bias the node itself adds (Gemm's C), or why the node stays float. */
function productOf(node: Node, constants: ReadonlyMap<string, Tensor>): { b: Tensor; bias: string | undefined } | string {
  const b = constants.get(node.inputs[1] ?? '');
  if (!b || b.dtype !== 'float32' || b.shape.length !== 2) return 'B is not a constant 2-D float32 tensor';
  if (constants.has(node.inputs[0] ?? '')) return 'A is a constant';
  if (node.op === 'MatMul') return { b, bias: undefined };
  if (node.op !== 'Gemm') return 'not a MatMul or Gemm';
  const a = node.attrs;
  if (a.transA || a.alpha !== 1 || (a.beta !== 1 && (node.inputs[2] ?? '') !== '')) return 'a Gemm with transA, alpha or beta';
  if (a.clamp?.channelMax) return 'a Gemm with a per-channel clamp';
  return { b: a.transB ? transpose2d(b) : b, bias: node.inputs[2] || undefined };
}

/** `names` as a set, each checked against the graph: a typo must not go unquantized silently. */
function knownNames(graph: Graph, names: readonly string[], option: string): Set<string> {
  const unknown = names.filter((n) => !graph.nodes.some((node) => node.name === n));
  if (unknown.length > 0) throw new RangeError(`${option} names no node of the graph: ${unknown.join(', ')}`);
  return new Set(names);
}

export function quantizeDynamic(graph: Graph, options: DynamicOptions = {}): { graph: Graph; report: DynamicReport } {
  const keep = knownNames(graph, options.keepFloat ?? [], 'keepFloat');
  const only = options.only && knownNames(graph, options.only, 'only');
  const consumers = consumersOf(graph);
  const initializers = new Map(graph.initializers);
  const report: DynamicReport = { quantized: [], skipped: [] };
  const replaced = new Map<Node, Node[]>();
  const removed = new Set<Node>();
  for (const node of graph.nodes) {
    if (node.op !== 'MatMul' && node.op !== 'Gemm') continue;
    if (keep.has(node.name) || (only && !only.has(node.name))) {
      report.skipped.push({ node: node.name, why: keep.has(node.name) ? 'kept float (keepFloat)' : 'not named in only' });
      continue;
    }
    const product = productOf(node, initializers);
    if (typeof product === 'string') {
      report.skipped.push({ node: node.name, why: product });
      continue;
    }
    const n = product.b.shape[1]!;
    const fitsBias = (name: string | undefined) => {
      const t = name === undefined ? undefined : initializers.get(name);
      return t !== undefined && isColumnBias(t, n);
    };
    let bias = product.bias;
    if (bias !== undefined && !fitsBias(bias)) {
      report.skipped.push({ node: node.name, why: `its C does not broadcast as a bias of [${n}]` });
      continue;
    }
    // A MatMul's bias is the Add after it (torch's Linear on 3-D input), where nothing else reads the product.
    const next = node.op === 'MatMul' ? soleConsumer(graph, consumers, node.outputs[0]!) : undefined;
    const addBias = next?.op === 'Add' ? next.inputs.find((i) => i !== node.outputs[0]) : undefined;
    const add = fitsBias(addBias) ? next : undefined;
    if (add) bias = addBias;
    const output = (add ?? node).outputs[0]!;
    const w = toDynamicWeights(quantizeWeightsPerColumn(product.b));
    const name = (suffix: string) => `${node.name}/dynamic_${suffix}`;
    initializers.set(name('codes'), w.codes);
    initializers.set(name('scale'), w.scale);
    initializers.set(name('zero'), w.zero);
    const clamp = node.op === 'Gemm' ? node.attrs.clamp : null;
    const productOut = clamp ? `${output}/preact` : output;
    const nodes: Node[] = [{ op: 'MatMulDynamicInt8', name: node.name, inputs: [node.inputs[0]!, name('codes'), name('scale'), name('zero'), bias ?? ''], outputs: [productOut], attrs: { perRow: options.perRow ?? false } }];
    if (clamp) {
      const bound = (which: string, v: number) => {
        if (!Number.isFinite(v)) return '';
        initializers.set(name(which), { dtype: 'float32', shape: [], data: Float32Array.of(v) });
        return name(which);
      };
      nodes.push({ op: 'Clip', name: `${node.name}/clamp`, inputs: [productOut, bound('min', clamp.min), bound('max', clamp.max)], outputs: [output], attrs: {} });
    }
    // The dynamic node takes the place of the last node it replaces.
    replaced.set(add ?? node, nodes);
    if (add) removed.add(node);
    report.quantized.push(node.name);
  }
  const nodes = graph.nodes.flatMap((n) => replaced.get(n) ?? (removed.has(n) ? [] : [n]));
  // The float weights nothing reads any more.
  const read = new Set(nodes.flatMap((n) => n.inputs));
  const kept = new Map([...initializers].filter(([k]) => read.has(k)));
  return { graph: { ...graph, nodes, initializers: kept }, report };
}

/**
 * The graph with the named products made dynamic, for a static quantization of the rest (a mixed
 * program); each must be one quantizeDynamic can make (a MatMul / Gemm of constant 2-D weights).
 */
export function dynamicProducts(nhwc: Graph, names: readonly string[] | undefined): Graph {
  if (!names || names.length === 0) return nhwc;
  const { graph, report } = quantizeDynamic(nhwc, { only: names });
  const why = (name: string) => report.skipped.find((s) => s.node === name)?.why ?? 'not a MatMul or Gemm';
  const refused = names.filter((n) => !report.quantized.includes(n));
  if (refused.length > 0) throw new RangeError(`dynamic: ${refused.map((n) => `"${n}" cannot be quantized dynamically (${why(n)})`).join('; ')}`);
  return graph;
}
