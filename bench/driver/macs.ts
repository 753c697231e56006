// Multiply-accumulates of every Conv, Gemm and MatMul (and the dynamic-int8 nodes made of them,
// ConvDynamicInt8 and MatMulDynamicInt8), from the graph's static shapes, and what kind of layer
// each is. The count does not depend on the layout: a Conv's output elements × the weight's
// per-output extent (Cin/group × kh × kw, whatever the order of those axes); a product's output
// elements × K, batched (3-D, 4-D) products included. A MatMul of two activations (attention's
// Q·Kᵀ and scores·V) is kind 'matmul'; a product with constant weights is 'gemm'.
import type { Graph, Node } from '../../src/ir/graph.ts';
import { inferShapes } from '../../src/ir/shapes.ts';

export type LayerKind = 'pointwise' | 'depthwise' | 'conv' | 'gemm' | 'matmul';

export const LAYER_KINDS: readonly LayerKind[] = ['pointwise', 'depthwise', 'conv', 'gemm', 'matmul'];

export interface Layer {
  macs: number;
  kind: LayerKind;
}

const size = (shape: readonly (number | string)[]): number => shape.reduce<number>((a, d) => a * (typeof d === 'number' ? Math.max(d, 1) : 1), 1);

/** 1×1 group-1 convs are pointwise; one input channel per group with every channel its own group is depthwise. */
function convKind(node: Extract<Node, { op: 'Conv' | 'ConvDynamicInt8' }>, w: readonly (number | string)[]): LayerKind {
  const nhwc = 'layout' in node.attrs && node.attrs.layout === 'NHWC';
  const [kh, kw, cinPerGroup] = nhwc ? [w[1], w[2], w[3]] : [w[2], w[3], w[1]];
  if (node.attrs.group === 1 && kh === 1 && kw === 1) return 'pointwise';
  if (cinPerGroup === 1 && node.attrs.group === w[0]) return 'depthwise';
  return 'conv';
}

/** Node name → MACs of one inference (batch 1) and the layer's kind. */
export function layersOf(graph: Graph): Map<string, Layer> {
  const shapes = inferShapes(graph);
  const shapeOf = (name: string) => graph.initializers.get(name)?.shape ?? shapes.get(name);
  const layers = new Map<string, Layer>();
  for (const node of graph.nodes) {
    const out = shapeOf(node.outputs[0]!);
    if (!out) continue;
    if (node.op === 'Conv' || node.op === 'ConvDynamicInt8') {
      const w = shapeOf(node.inputs[1]!);
      if (w) layers.set(node.name, { macs: size(out) * size(w.slice(1)), kind: convKind(node, w) });
    } else if (node.op === 'Gemm' || node.op === 'MatMul' || node.op === 'MatMulDynamicInt8') {
      const a = shapeOf(node.inputs[0]!);
      if (!a) continue;
      const transA = node.op === 'Gemm' && node.attrs.transA;
      const k = transA ? a[a.length - 2] : a[a.length - 1];
      const weights = graph.initializers.has(node.inputs[1] ?? '');
      if (typeof k === 'number') layers.set(node.name, { macs: size(out) * k, kind: weights ? 'gemm' : 'matmul' });
    }
  }
  return layers;
}
