// `webgpu-int8 quantize --dynamic`: the trained text encoder written in onnxruntime's dynamic
// format (what it prints, and that onnxruntime-node loads and runs the file); the bundled CNN as
// a .q8 program, all dynamic and (--dynamic-nodes) mixed with static convs; the refusals.
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';
import { readQ8 } from '../../src/quant/q8-file.ts';

const cli = (...args: string[]) => spawnSync(process.execPath, ['bin/webgpu-int8.mjs', ...args], { encoding: 'utf8', timeout: 120_000 });

describe('quantize --dynamic', () => {
  it("writes the text encoder in onnxruntime's dynamic format, which onnxruntime-node runs", async () => {
    const out = join(mkdtempSync(join(tmpdir(), 'dyn-')), 'text_encoder.dynamic.onnx');
    const r = cli('quantize', 'models/text_encoder.onnx', '--dynamic', '-o', out);
    expect(r.stderr).toBe('');
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/^13 products with int8 weights per output column/);
    const session = await ort.InferenceSession.create(out, { executionProviders: ['cpu'], logSeverityLevel: 3 });
    const ids = new ort.Tensor('int64', BigInt64Array.from([1n, 5n, 9n]), [1, 3]);
    const mask = new ort.Tensor('int64', BigInt64Array.from([1n, 1n, 1n]), [1, 3]);
    const logits = (await session.run({ input_ids: ids, attention_mask: mask })).logits!;
    expect(logits.dims).toEqual([1, 8]);
  });

  it('writes the program as a .q8 (every product dynamic, the rest float steps), and with --calib mixes dynamic products into a static program', () => {
    const dir = mkdtempSync(join(tmpdir(), 'dyn-'));
    const pure = cli('quantize', 'models/fashion_mnist_cnn.onnx', '--dynamic', '-o', join(dir, 'pure.q8'));
    expect(pure.stderr).toBe('');
    expect(pure.stdout).toContain('1 products with int8 weights per output column, activations quantized at run time (per tensor): /fc/Gemm');
    const program = readQ8(readFileSync(join(dir, 'pure.q8')));
    expect(program.steps.map((s) => (s.op === 'float' ? s.node.op : s.op))).toContain('MatMulDynamicInt8');
    expect(program.steps.every((s) => s.op === 'float')).toBe(true);
    const calib = 'data/fashion-mnist/train-first500-images-idx3-ubyte.gz';
    const mixed = cli('quantize', 'models/fashion_mnist_cnn.onnx', '--calib', calib, '--calib-count', '50', '--dynamic-nodes', '/fc/Gemm', '-o', join(dir, 'mixed.q8'));
    expect(mixed.stderr).toBe('');
    const steps = readQ8(readFileSync(join(dir, 'mixed.q8'))).steps;
    expect(steps.filter((s) => s.op === 'conv')).toHaveLength(6);
    expect(steps.filter((s) => s.op === 'float').map((s) => s.op === 'float' && s.node.op)).toEqual(['MatMulDynamicInt8']);
  });

  it('refuses an output that is neither .q8 nor .onnx, a model with nothing to quantize, and a node that cannot be dynamic', () => {
    const other = cli('quantize', 'models/text_encoder.onnx', '--dynamic', '-o', join(tmpdir(), 'x.bin'));
    expect(other.status).not.toBe(0);
    expect(other.stderr).toContain("--dynamic writes a program (-o X.q8) or onnxruntime's dynamic format (-o X.onnx)");
    const tfjs = cli('quantize', 'models/fashion_mnist_cnn.json', '--dynamic', '-o', join(tmpdir(), 'x.onnx'));
    expect(tfjs.status).not.toBe(0);
    expect(tfjs.stderr).toContain('--dynamic -o X.onnx takes a float .onnx model');
    const conv = cli('quantize', 'models/fashion_mnist_cnn.onnx', '--calib', 'data/fashion-mnist/train-first500-images-idx3-ubyte.gz', '--calib-count', '5', '--dynamic-nodes', '/features/features.0/features.0.0/Conv', '-o', join(tmpdir(), 'x.q8'));
    expect(conv.status).not.toBe(0);
    expect(conv.stderr).toContain('"/features/features.0/features.0.0/Conv" cannot be quantized dynamically (not a MatMul or Gemm)');
  });
});
