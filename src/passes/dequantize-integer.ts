// onnxruntime's dynamically quantized convs (its quantize_dynamic output: ISNet's file in
// @imgly/background-removal-data; the chain is found by dynamic-chains.ts) turned back into plain
// float Convs, the model's fp32 form: with W_q (uint8 or int8), z_W (scalar, or one per output
// channel) and s_W (scalar, or one per output channel) constants, a chain becomes y = Conv(x, W),
// W = (W_q − z_W) · s_W per output channel,
// with ConvInteger's strides, pads, dilations and group. Only the weights keep their
// quantization error; the activations are no longer quantized, so this is not the quantized
// model's arithmetic but what it approximates. A bias Add after the Mul of a per-channel constant
// ([1, C, 1, 1], [C, 1, 1] or one value; the graph's constants are folded first, so quantize_dynamic's
// Reshape of the bias counts) becomes the Conv's bias. The DynamicQuantizeLinear and the scales'
// Mul go once nothing else reads them (eliminate-dead-code). A chain that differs anywhere (non-constant weights, a zero point from
// elsewhere, a Cast or Mul read by something else, a non-2-D conv) stays as it is.
//
// Not part of optimize(): the caller asks for it (the fp32 baseline of a dynamic model).

import type { Graph, Node } from '../ir/graph.ts';
import { consumersOf, producersOf } from '../ir/queries.ts';
import { f32, sizeOf, type Tensor } from '../ir/tensor.ts';
import { dynamicChainAt, type DynamicChain } from './dynamic-chains.ts';
import { eliminateDeadCode } from './eliminate-dead-code.ts';
import { foldConstants } from './fold-constants.ts';

/**
 * Per-output-channel values of a constant: a scalar (any rank, one element), or `channels`
 * values along the axis `shapes` allows: a zero point is 1-D [C] (ConvInteger's form); a scale
 * multiplies the [N, C, H, W] product, so [C, 1, 1] or [1, C, 1, 1]. Undefined for any other shape.
 */
function perChannel(t: Tensor, channels: number, form: 'zero-point' | 'scale'): Float64Array | undefined {
  if (sizeOf(t.shape) === 1) return new Float64Array(channels).fill(t.data[0]!);
  const dims = t.shape.join(',');
  const fits = form === 'zero-point' ? dims === `${channels}` : dims === `${channels},1,1` || dims === `1,${channels},1,1`;
  return fits ? Float64Array.from(t.data) : undefined;
}

/** The chain at `conv` with uint8 or int8 4-D weights and float32 scales; a bias taken where it is per channel. */
function chainAt(graph: Graph, conv: Node & { op: 'ConvInteger' }, producers: Map<string, Node>, consumers: Map<string, Node[]>): DynamicChain | undefined {
  const takesBias = (bias: Tensor, w: Tensor) => bias.dtype === 'float32' && perChannel(bias, w.shape[0]!, 'scale') !== undefined;
  const chain = dynamicChainAt(graph, conv, producers, consumers, takesBias);
  const w = chain?.weights.q;
  if (!chain || !w || w.shape.length !== 4 || (w.dtype !== 'uint8' && w.dtype !== 'int8') || chain.weights.scale.dtype !== 'float32') return undefined;
  return chain;
}

/** (W_q − z_W) · s_W, per output channel (axis 0 of [Cout, Cin/g, kh, kw]). */
function dequantizedWeights({ q, zero: z, scale: s }: DynamicChain['weights']): Tensor | undefined {
  const channels = q.shape[0]!;
  const zero = z ? perChannel(z, channels, 'zero-point') : new Float64Array(channels);
  const scale = perChannel(s, channels, 'scale');
  if (!zero || !scale) return undefined;
  const inner = q.data.length / channels;
  const out = new Float32Array(q.data.length);
  for (let i = 0; i < out.length; i++) {
    const o = Math.floor(i / inner);
    out[i] = (q.data[i]! - zero[o]!) * scale[o]!;
  }
  return f32(q.shape, out);
}

/** Each ConvInteger chain of the pattern as a float Conv; how many were rewritten is `rewritten`. */
export function dequantizeIntegerConvs(input: Graph): { graph: Graph; rewritten: number } {
  if (!input.nodes.some((n) => n.op === 'ConvInteger')) return { graph: input, rewritten: 0 };
  const graph = foldConstants(input);
  const producers = producersOf(graph);
  const consumers = consumersOf(graph);
  const initializers = new Map(graph.initializers);
  const replacing = new Map<Node, Node>();
  const removed = new Set<Node>();
  for (const node of graph.nodes) {
    if (node.op !== 'ConvInteger') continue;
    const chain = chainAt(graph, node, producers, consumers);
    const w = chain && dequantizedWeights(chain.weights);
    if (!chain || !w) continue;
    const bias = chain.bias && perChannel(chain.bias, w.shape[0]!, 'scale');
    const a = node.attrs;
    if (a.strides.length > 2 || a.dilations.length > 2 || a.pads.length > 4) continue;
    const wName = `${node.name}/weight_dequantized`;
    const bName = `${node.name}/bias`;
    initializers.set(wName, w);
    if (bias) initializers.set(bName, f32([bias.length], bias));
    const conv: Node = {
      op: 'Conv',
      name: node.name,
      inputs: [chain.x, wName, ...(bias ? [bName] : [])],
      outputs: [chain.output],
      attrs: {
        strides: [a.strides[0] ?? 1, a.strides[1] ?? 1],
        pads: [a.pads[0] ?? 0, a.pads[1] ?? 0, a.pads[2] ?? 0, a.pads[3] ?? 0],
        autoPad: a.autoPad,
        dilations: [a.dilations[0] ?? 1, a.dilations[1] ?? 1],
        group: a.group,
        layout: 'NCHW',
        clamp: null,
      },
    };
    const last = chain.after[chain.after.length - 1]!;
    replacing.set(last, conv);
    for (const n of [node, ...chain.after]) if (n !== last) removed.add(n);
  }
  if (replacing.size === 0) return { graph: input, rewritten: 0 };
  const nodes = graph.nodes.filter((n) => !removed.has(n)).map((n) => replacing.get(n) ?? n);
  return { graph: eliminateDeadCode({ ...graph, nodes, initializers }), rewritten: replacing.size };
}

/** The graph with its dynamically quantized convs dequantized (dequantizeIntegerConvs), as a Pass. */
export function dequantizeInteger(graph: Graph): Graph {
  return dequantizeIntegerConvs(graph).graph;
}
