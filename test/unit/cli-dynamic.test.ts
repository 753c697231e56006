// `webgpu-int8 quantize --dynamic`: the trained text encoder written in onnxruntime's dynamic
// format (what it prints, and that onnxruntime-node loads and runs the file), and the refusals.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as ort from 'onnxruntime-node';
import { describe, expect, it } from 'vitest';

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

  it('refuses an output that is not .onnx, and a model with nothing to quantize', () => {
    const q8 = cli('quantize', 'models/text_encoder.onnx', '--dynamic', '-o', join(tmpdir(), 'x.q8'));
    expect(q8.status).not.toBe(0);
    expect(q8.stderr).toContain("--dynamic writes onnxruntime's dynamic format: -o must name an .onnx file");
    const tfjs = cli('quantize', 'models/fashion_mnist_cnn.json', '--dynamic', '-o', join(tmpdir(), 'x.onnx'));
    expect(tfjs.status).not.toBe(0);
    expect(tfjs.stderr).toContain('--dynamic takes a float .onnx model');
  });
});
