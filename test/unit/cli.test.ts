import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { encodeOnnx } from '../helpers/onnx-encode.ts';

function cli(...args: string[]) {
  const r = spawnSync(process.execPath, ['bin/webgpu-int8.mjs', ...args], { encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('webgpu-int8 CLI', () => {
  it('inspect: prints the graph before and after fusion and the float accuracy of the bundled model', () => {
    const r = cli('inspect', '--count', '50');
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('before passes: Conv×6 BatchNormalization×6 Clip×6 GlobalAveragePool×1 Flatten×1 Gemm×1');
    expect(r.stdout).toContain('after passes (fused): Conv×6 GlobalAveragePool×1 Flatten×1 Gemm×1');
    expect(r.stdout).toMatch(/accuracy, fused graph: +0\.\d{4}/);
  });

  it('a missing file is one line on stderr and a non-zero exit', () => {
    const r = cli('inspect', 'no/such/model.onnx');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('webgpu-int8: model not found: no/such/model.onnx');
  });

  it('an unsupported op names the op, the node and the opset', () => {
    const dir = mkdtempSync(join(tmpdir(), 'webgpu-int8-'));
    const path = join(dir, 'erf.onnx');
    writeFileSync(path, encodeOnnx({ inputs: [{ name: 'x', shape: [1] }], outputs: [{ name: 'y' }], nodes: [{ op: 'StringNormalizer', inputs: ['x'], outputs: ['y'], name: 'my_strings' }] }));
    const r = cli('inspect', path, '--count', '0');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('webgpu-int8: unsupported op: StringNormalizer (node "my_strings", opset 13)');
  });

  it('a file that is not ONNX says so', () => {
    const dir = mkdtempSync(join(tmpdir(), 'webgpu-int8-'));
    const path = join(dir, 'junk.onnx');
    writeFileSync(path, 'this is not a model at all, just some text');
    const r = cli('inspect', path);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^webgpu-int8: malformed ONNX model: /);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
  });
});

describe('webgpu-int8 CLI errors', () => {
  const dir = mkdtempSync(join(tmpdir(), 'webgpu-int8-'));
  const corrupt = join(dir, 'corrupt.q8');
  // A .q8 preamble whose JSON header is cut off.
  writeFileSync(corrupt, Buffer.concat([Buffer.from('Q8NN'), Buffer.from([1, 0, 0, 0, 5, 0, 0, 0]), Buffer.from('{"mod')]));
  const run = (...extra: string[]) => cli('run', corrupt, '--input', 'data/fashion-mnist/t10k-images-idx3-ubyte.gz', '--device', 'cpu', ...extra);

  it('a corrupt .q8 is one line naming the problem, exit 1, no stack', () => {
    const r = run();
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toMatch(/^webgpu-int8: \.q8 header is not valid JSON: .+$/);
  });

  it('--verbose adds the stack trace', () => {
    const r = run('--verbose');
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^webgpu-int8: \.q8 header is not valid JSON/);
    expect(r.stderr).toMatch(/ModelFormatError: .*\n\s+at readQ8 /);
  });
});

describe('webgpu-int8 quantize and eval', () => {
  const dir = mkdtempSync(join(tmpdir(), 'webgpu-int8-'));
  const q8 = join(dir, 'model.q8');
  const data = 'data/fashion-mnist/t10k-images-idx3-ubyte.gz';
  const labels = 'data/fashion-mnist/t10k-labels-idx1-ubyte.gz';

  it('quantize writes a .q8 and reports that the program is fully integral', () => {
    const r = cli('quantize', 'models/fashion_mnist_cnn.onnx', '--calib', 'data/fashion-mnist/train-first500-images-idx3-ubyte.gz', '--calib-count', '20', '--method', 'minmax', '-o', q8);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout).toContain('fully integral: every op runs in int8');
    expect(r.stdout).toMatch(/wrote .*model\.q8 \(\d+\.\d KiB\)/);
  });

  it('eval --json of the .q8 prints the documented keys', () => {
    const r = cli('eval', q8, '--float', 'models/fashion_mnist_cnn.onnx', '--data', data, '--labels', labels, '--count', '20', '--json', '--device', 'cpu');
    expect(r.code, r.stderr).toBe(0);
    const report = JSON.parse(r.stdout) as Record<string, unknown>;
    for (const key of ['fp32_accuracy', 'int8_accuracy', 'top1_agreement']) {
      expect(report[key], key).toBeGreaterThanOrEqual(0);
      expect(report[key], key).toBeLessThanOrEqual(1);
    }
    const layers = report.per_layer as { name: string; sqnr_db: number; cosine: number }[];
    expect(layers.length).toBeGreaterThanOrEqual(9);
    for (const l of layers) {
      expect(typeof l.name, JSON.stringify(l)).toBe('string');
      expect(l.cosine, `${l.name} cosine`).toBeGreaterThan(0.5);
      expect(l.sqnr_db, `${l.name} sqnr_db`).toBeGreaterThan(0);
    }
  });

  it('bad input is one line and a non-zero exit', () => {
    const cases: [string[], string][] = [
      [['eval', 'models/fashion_mnist_cnn.onnx', '--data', data], 'webgpu-int8: eval of a float .onnx model needs --calib DATA to calibrate on (or pass a .q8)'],
      [['eval', q8, '--data', 'no/such/images'], 'webgpu-int8: images not found: no/such/images'],
      [['eval', q8, '--data', data, '--labels', 'data/fashion-mnist/README.md'], ''],
      [['quantize', 'models/fashion_mnist_cnn.onnx', '--calib', data, '-o', q8, '--method', 'magic'], 'webgpu-int8: --method must be one of minmax, ema, percentile, entropy, mse; got "magic"'],
      [['eval', q8, '--data', labels], ''],
    ];
    for (const [args, message] of cases) {
      const r = cli(...args);
      expect(r.code, args.join(' ')).toBe(1);
      const lines = r.stderr.trim().split('\n');
      expect(lines, args.join(' ')).toHaveLength(1);
      expect(lines[0]).toMatch(/^webgpu-int8: /);
      if (message) expect(lines[0]).toBe(message);
    }
  });
});
