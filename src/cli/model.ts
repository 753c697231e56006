// Loading MODEL arguments: a float .onnx (imported and optimised for the int8 path) or a .q8.

import { InputError } from '../errors.ts';
import { importOnnxQdq } from '../import/onnx-qdq.ts';
import type { Graph } from '../ir/graph.ts';
import { optimize } from '../passes/pipeline.ts';
import { assignNhwcLayout } from '../passes/to-nhwc.ts';
import type { QuantizedModel } from '../quant/program.ts';
import type { GivenQuantization } from '../quant/qdq-import.ts';
import { readQ8 } from '../quant/q8-file.ts';
import { readBytes } from './files.ts';

export interface FloatModel {
  kind: 'onnx';
  graph: Graph;
  /** Fused, NCHW: what the QDQ export annotates. */
  fused: Graph;
  /** Fused, NHWC: what calibration observes and the quantizer consumes. */
  nhwc: Graph;
  /** For an ONNX QDQ model: its own quantization, used instead of calibration. */
  given: GivenQuantization | null;
}

export type LoadedModel = FloatModel | { kind: 'q8'; model: QuantizedModel };

export function loadFloatModel(path: string): FloatModel {
  // A QDQ model imports as its float graph (Q/DQ removed, weights dequantized) and its quantization.
  const { graph, given } = importOnnxQdq(readBytes(path, 'model'));
  const fused = optimize(graph);
  // The NHWC graph is the fused one with its layout assigned: no need to run the fusion passes twice.
  return { kind: 'onnx', graph, fused, nhwc: assignNhwcLayout(fused), given };
}

export function loadModel(path: string): LoadedModel {
  if (path.endsWith('.q8')) return { kind: 'q8', model: readQ8(readBytes(path, 'model')) };
  if (path.endsWith('.onnx')) return loadFloatModel(path);
  throw new InputError(`${path}: MODEL must be a float .onnx or a quantized .q8 file`);
}

/** The model input's shape with a concrete batch of 1, for the data loaders. */
export function inputShapeOf(inputs: readonly { shape: readonly (number | string)[] }[]): (number | string)[] {
  const input = inputs[0];
  if (!input) throw new InputError('the model has no inputs');
  return input.shape.map((d, i) => (i === 0 ? 1 : d));
}
