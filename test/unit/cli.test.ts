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
    writeFileSync(path, encodeOnnx({ inputs: [{ name: 'x', shape: [1] }], outputs: [{ name: 'y' }], nodes: [{ op: 'Erf', inputs: ['x'], outputs: ['y'], name: 'my_erf' }] }));
    const r = cli('inspect', path, '--count', '0');
    expect(r.code).toBe(1);
    expect(r.stderr.trim()).toBe('webgpu-int8: unsupported op: Erf (node "my_erf", opset 13)');
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
