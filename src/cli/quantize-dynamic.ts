// `webgpu-int8 quantize MODEL --dynamic -o OUT.q8|OUT.onnx`: dynamic quantization (no calibration
// data): every MatMul / Gemm of constant weights gets int8 weights per output column. OUT.q8: the
// program (quantizeDynamicProgram: the dynamic products and every other node as float steps).
// OUT.onnx: onnxruntime's dynamic format (DynamicQuantizeLinear + MatMulInteger), which
// onnxruntime runs and this engine imports back into the same MatMulDynamicInt8 nodes.

import { readFileSync, writeFileSync } from 'node:fs';
import { InputError } from '../errors.ts';
import { exportDynamicOnnx } from '../export/onnx-dynamic.ts';
import { importOnnx } from '../import/onnx.ts';
import { optimize } from '../passes/pipeline.ts';
import { quantizeDynamicProgram } from '../api.ts';
import { writeQ8 } from '../quant/q8-file.ts';
import { loadModel } from './model.ts';

export function quantizeDynamicFile(modelPath: string, output: string): void {
  if (output.endsWith('.q8')) return writeDynamicProgram(modelPath, output);
  if (!modelPath.endsWith('.onnx')) throw new InputError(`--dynamic -o X.onnx takes a float .onnx model (got ${modelPath})`);
  if (!output.endsWith('.onnx')) throw new InputError(`--dynamic writes a program (-o X.q8) or onnxruntime's dynamic format (-o X.onnx), got ${output}`);
  const { bytes, quantized } = exportDynamicOnnx(readFileSync(modelPath));
  if (quantized.length === 0) throw new InputError(`${modelPath} has no MatMul or Gemm with constant 2-D float weights: nothing to quantize dynamically`);
  // What the engine will run: every exported chain must fuse back into one dynamic node.
  const fused = optimize(importOnnx(bytes)).nodes.filter((n) => n.op === 'MatMulDynamicInt8').length;
  if (fused !== quantized.length) throw new Error(`internal error: ${quantized.length} products exported, ${fused} fused back on import`);
  writeFileSync(output, bytes);
  console.log(`${quantized.length} products with int8 weights per output column, activations quantized at run time (per tensor): ${quantized.join(', ')}`);
  console.log(`wrote ${output} (onnxruntime's dynamic format, ${(bytes.length / 1024).toFixed(1)} KiB)`);
}

function writeDynamicProgram(modelPath: string, output: string): void {
  const float = loadModel(modelPath);
  if (float.kind === 'q8') throw new InputError(`${modelPath} is already an int8 program`);
  const program = quantizeDynamicProgram(float.graph);
  const dynamic = program.steps.flatMap((s) => (s.op === 'float' && s.node.op === 'MatMulDynamicInt8' ? [s.name] : []));
  if (dynamic.length === 0) throw new InputError(`${modelPath} has no MatMul or Gemm with constant 2-D float weights: nothing to quantize dynamically`);
  const bytes = writeQ8(program);
  writeFileSync(output, bytes);
  console.log(`${dynamic.length} products with int8 weights per output column, activations quantized at run time (per tensor): ${dynamic.join(', ')}`);
  console.log(`wrote ${output} (${program.steps.length} steps, every other node in float; ${(bytes.length / 1024).toFixed(1)} KiB)`);
}
