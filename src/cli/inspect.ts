// `webgpu-int8 inspect`: import a model, run the passes, print the graph before and after
// fusion, and measure the float reference's accuracy on labelled images.

import type { Graph } from '../ir/graph.ts';
import { opHistogram, printGraph } from '../ir/print.ts';
import { argmax, imageSetFromIdx, type ImageSet } from '../data/dataset.ts';
import { importOnnxQdq } from '../import/onnx-qdq.ts';
import { fixInputs, type FixedInput } from '../passes/fix-inputs.ts';
import { optimize } from '../passes/pipeline.ts';
import { runFloat } from '../ref/float/run.ts';
import { besideModel, readBytes, readIdx } from './files.ts';
import { progressBar } from './progress.ts';

export interface InspectOptions {
  data: string;
  labels: string;
  count: number;
  nhwc: boolean;
  /** Graph inputs fixed before the passes (--fix-input). */
  fixedInputs?: Record<string, FixedInput>;
}

export function inspect(modelPath: string, options: InspectOptions): void {
  const t0 = performance.now();
  // A QDQ model shows as its float graph (Q/DQ removed, weights dequantized).
  const imported = importOnnxQdq(readBytes(modelPath, 'model'), { externalData: besideModel(modelPath) });
  const { given } = imported;
  const graph = fixInputs(imported.graph, options.fixedInputs ?? {});
  const qdq = given ? ` (ONNX QDQ: Q/DQ removed; ${given.activations.size} quantized tensors, int8 weights of ${given.linear.size} nodes)` : '';
  console.log(`imported ${modelPath} in ${(performance.now() - t0).toFixed(0)} ms${qdq}\n`);
  console.log(`── before passes: ${opHistogram(graph)}\n${printGraph(graph)}\n`);
  const fused = optimize(graph, { layout: options.nhwc ? 'NHWC' : 'NCHW' });
  console.log(`── after passes (${options.nhwc ? 'NHWC, ' : ''}fused): ${opHistogram(fused)}\n${printGraph(fused)}\n`);
  if (options.count > 0) {
    const images = imageSetFromIdx(readIdx(options.data, 'images'), readIdx(options.labels, 'labels'));
    reportAccuracy(graph, fused, images, Math.min(options.count, images.count));
  }
}

function reportAccuracy(graph: Graph, fused: Graph, images: ImageSet, count: number): void {
  const inputName = graph.inputs[0]!.name;
  const outputName = graph.outputs[0]!.name;
  let correctImported = 0;
  let correctFused = 0;
  let maxDiff = 0;
  const progress = progressBar('float reference', count);
  const t0 = performance.now();
  for (let i = 0; i < count; i++) {
    const feed = { [inputName]: images.input(i) };
    const a = runFloat(graph, feed)[outputName]!.data;
    const b = runFloat(fused, feed)[outputName]!.data;
    for (let j = 0; j < a.length; j++) maxDiff = Math.max(maxDiff, Math.abs(a[j]! - b[j]!));
    if (argmax(a) === images.labels![i]) correctImported++;
    if (argmax(b) === images.labels![i]) correctFused++;
    if (i % 100 === 0) progress.tick(i);
  }
  progress.stop();
  const ms = (performance.now() - t0) / count / 2;
  console.log(`float reference on ${count} images (${ms.toFixed(1)} ms per image per graph):`);
  console.log(`  accuracy, imported graph: ${(correctImported / count).toFixed(4)}`);
  console.log(`  accuracy, fused graph:    ${(correctFused / count).toFixed(4)}`);
  console.log(`  max |logit difference| imported vs fused: ${maxDiff.toExponential(2)}`);
}
