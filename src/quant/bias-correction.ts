// Empirical bias correction (Nagel et al. 2019, §4.2; docs/quantization.md (E4)): rounding a
// conv's weights to int8 moves the mean of each output channel by E[(W_q − W) ⊛ x]; measured on
// the calibration samples, with x the int8 program's own input to the layer (dequantized), and
// subtracted from the float bias before the layer is quantized again. The expectation is taken
// over samples and output positions, by convolving x with the weight error itself, so padding
// at the borders is counted as it is.

import type { Graph, Node, NodeOf } from '../ir/graph.ts';
import { f32, type Tensor } from '../ir/tensor.ts';
import { conv } from '../ref/float/conv.ts';
import { runInt8 } from '../ref/int8/run.ts';
import type { QuantizedModel } from './program.ts';
import { biasScaleFloors, dequantizeValue, quantizeWeights } from './qparams.ts';

export interface CorrectedLayer {
  node: string;
  /** The largest |shift| applied to a channel's bias. */
  maxShift: number;
}

export interface BiasCorrected {
  graph: Graph;
  layers: CorrectedLayer[];
}

/** W_q − W of a conv step's float weights, as the quantizer rounded them (Q3 with the (Q4) floors). */
function weightError(node: NodeOf<'Conv'>, graph: Graph, inputScale: number, perTensor: boolean): Tensor {
  const w = graph.initializers.get(node.inputs[1]!)!;
  const b = node.inputs[2] ? graph.initializers.get(node.inputs[2]) : undefined;
  const cout = w.shape[0]!;
  const q = quantizeWeights(w.data, cout, perTensor, biasScaleFloors(b?.data, inputScale, cout));
  const inner = w.data.length / cout;
  return f32([...w.shape], Float32Array.from(w.data, (v, i) => q.values[i]! * q.scales[Math.floor(i / inner)]! - v));
}

function dequantized(t: Tensor, qp: { scale: number; zeroPoint: number }): Tensor {
  return f32([...t.shape], Float32Array.from(t.data, (v) => dequantizeValue(v, qp)));
}

/** Per-channel sums of a channels-last or channels-first output, added into `sums`. */
function addChannelMeans(y: Tensor, nhwc: boolean, sums: Float64Array): number {
  const channels = sums.length;
  const inner = nhwc ? 1 : y.data.length / (y.shape[0]! * channels);
  for (let i = 0; i < y.data.length; i++) sums[Math.floor(i / inner) % channels]! += y.data[i]!;
  return y.data.length / channels;
}

interface Layer {
  node: NodeOf<'Conv'>;
  error: Tensor;
  sums: Float64Array;
  count: number;
}

/**
 * The graph with each int8 conv's bias shifted by −E[(W_q − W) ⊛ x] (the program `model` was
 * quantized from `graph`; `samples` are calibration feeds). Convs the program runs in float keep theirs.
 */
export function correctBiases(graph: Graph, model: QuantizedModel, samples: number, sample: (i: number) => Record<string, Tensor>): BiasCorrected {
  const byName = new Map(graph.nodes.map((n) => [n.name, n]));
  // By the int8 tensor they read (several convs may read one).
  const readers = new Map<string, Layer[]>();
  for (const step of model.steps) {
    const node = byName.get(step.name);
    if (step.op !== 'conv' || node?.op !== 'Conv') continue;
    const inQ = model.tensors.get(step.input);
    if (inQ?.dtype !== 'int8') continue;
    const error = weightError(node, graph, inQ.qparams.scale, model.calibration.perTensorWeights);
    const layer = { node, error, sums: new Float64Array(step.weightShape[0]), count: 0 };
    readers.set(step.input, [...(readers.get(step.input) ?? []), layer]);
  }
  for (let i = 0; i < samples; i++) {
    runInt8(model, sample(i), {
      observe: (name, t) => {
        const info = model.tensors.get(name);
        if (!readers.has(name) || info?.dtype !== 'int8') return;
        const x = dequantized(t, info.qparams);
        for (const layer of readers.get(name)!) {
          const attrs = { ...layer.node.attrs, clamp: null };
          layer.count += addChannelMeans(conv(x, layer.error, undefined, attrs), attrs.layout === 'NHWC', layer.sums);
        }
      },
    });
  }
  const initializers = new Map(graph.initializers);
  const replaced = new Map<Node, Node>();
  const report: CorrectedLayer[] = [];
  for (const layer of [...readers.values()].flat()) {
    if (layer.count === 0) continue;
    const { node } = layer;
    const old = node.inputs[2] ? initializers.get(node.inputs[2])!.data : undefined;
    const shift = Float64Array.from(layer.sums, (s) => s / layer.count);
    const name = `${node.name}/bias_corrected`;
    initializers.set(name, f32([shift.length], Float64Array.from(shift, (e, c) => (old?.[c] ?? 0) - e)));
    replaced.set(node, { ...node, inputs: [node.inputs[0]!, node.inputs[1]!, name] });
    report.push({ node: node.name, maxShift: Math.max(...Array.from(shift, Math.abs)) });
  }
  return { graph: { ...graph, initializers, nodes: graph.nodes.map((n) => replaced.get(n) ?? n) }, layers: report };
}
