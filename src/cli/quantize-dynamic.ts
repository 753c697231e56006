// `webgpu-int8 quantize MODEL.onnx --dynamic -o OUT.onnx`: dynamic quantization (no calibration
// data): every MatMul / Gemm of constant weights gets int8 weights per output column, written in
// onnxruntime's dynamic format (DynamicQuantizeLinear + MatMulInteger), which onnxruntime runs
// and this engine imports back into the same MatMulDynamicInt8 nodes quantizeDynamic makes.

import { readFileSync, writeFileSync } from 'node:fs';
import { InputError } from '../errors.ts';
import { exportDynamicOnnx } from '../export/onnx-dynamic.ts';
import { importOnnx } from '../import/onnx.ts';
import { optimize } from '../passes/pipeline.ts';

export function quantizeDynamicFile(modelPath: string, output: string): void {
  if (!modelPath.endsWith('.onnx')) throw new InputError(`--dynamic takes a float .onnx model (got ${modelPath})`);
  if (!output.endsWith('.onnx')) throw new InputError(`--dynamic writes onnxruntime's dynamic format: -o must name an .onnx file (got ${output})`);
  const { bytes, quantized } = exportDynamicOnnx(readFileSync(modelPath));
  if (quantized.length === 0) throw new InputError(`${modelPath} has no MatMul or Gemm with constant 2-D float weights: nothing to quantize dynamically`);
  // What the engine will run: every exported chain must fuse back into one dynamic node.
  const fused = optimize(importOnnx(bytes)).nodes.filter((n) => n.op === 'MatMulDynamicInt8').length;
  if (fused !== quantized.length) throw new Error(`internal error: ${quantized.length} products exported, ${fused} fused back on import`);
  writeFileSync(output, bytes);
  console.log(`${quantized.length} products with int8 weights per output column, activations quantized at run time (per tensor): ${quantized.join(', ')}`);
  console.log(`wrote ${output} (onnxruntime's dynamic format, ${(bytes.length / 1024).toFixed(1)} KiB)`);
}
