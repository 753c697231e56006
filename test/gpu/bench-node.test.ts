// `bench --node` end to end, quickly: the bundled model, 2 timed runs, all four node engines
// (our int8 and fp32 on Dawn, onnxruntime-node's WebGPU and CPU execution providers), each in a
// worker process; and the dynamic text encoder (int64 inputs) with our int8 engine on its dynamic
// ONNX file and onnxruntime-node's CPU EP on both its files. Checks the JSON against the bench
// schema (bench/driver/validate.ts) and that it holds measured numbers; timings are reported by
// the bench, never asserted here.
// Fails when no adapter can be had (the peaks worker's error says why), unless WEBGPU_INT8_SKIP_GPU=1.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { runNodeBench } from '../../bench/node/run.ts';
import { validateReport } from '../../bench/driver/validate.ts';
import type { BenchReport } from '../../bench/driver/schema.ts';

const skip = process.env.WEBGPU_INT8_SKIP_GPU === '1';
const why = skip ? ' (skipped: WEBGPU_INT8_SKIP_GPU=1)' : '';
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'webgpu-int8-bench-node-'));
const positive = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;

describe('webgpu-int8 bench --node', () => {
  afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

  it.skipIf(skip)(`runs our engines and onnxruntime-node (WebGPU, CPU) on Dawn, and writes a report the schema accepts${why}`, { timeout: 180_000 }, async () => {
    const lines: string[] = [];
    await runNodeBench({ browserPath: '', flags: [], runs: 2, warmup: 0, models: ['fashion_mnist_cnn'], engines: ['int8', 'fp32', 'ort-webgpu', 'ort-cpu'], outDir, log: (line) => lines.push(line) });
    console.log(lines.join('\n'));
    const report = JSON.parse(fs.readFileSync(path.join(outDir, 'latest.json'), 'utf8')) as BenchReport;
    expect(validateReport(report), 'schema problems').toEqual([]);
    expect(report.browser).toBeNull();
    expect(report.node!.adapters, "Dawn's adapter list").toSatisfy((a) => Array.isArray(a) && a.length > 0);
    expect(report.adapter.description).not.toBe('');
    for (const peak of [report.peaks.f32, report.peaks.f32vec4, report.peaks.i32vec4]) expect(peak.gops, 'peak GOPS').toSatisfy(positive);

    const [model] = report.models;
    expect(model!.engines.map((e) => e.engine)).toEqual(['int8', 'fp32', 'ort-webgpu', 'ort-cpu']);
    for (const e of model!.engines) {
      expect(e.status, `${e.engine}: ${JSON.stringify(e.error)}`).toBe('ok');
      expect(e.runsMs!.filter((ms) => !positive(ms)), `${e.engine}: runs that are not a positive time`).toEqual([]);
      expect(e.runsMs).toHaveLength(2);
      expect(e.correctness!.top1!.agrees, `${e.engine} top-1`).toBe(true);
    }
    const [int8, fp32, ortWebgpu, ortCpu] = model!.engines;
    for (const ours of [int8!, fp32!]) {
      expect(ours.gpu!.ms, `${ours.engine} GPU time`).toSatisfy(positive);
      expect(ours.kernels!.filter((k) => k.macs !== null).length).toBeGreaterThanOrEqual(7);
    }
    // onnxruntime-node's WebGPU EP really ran on the GPU: its profiler timed WebGPU kernels.
    expect(ortWebgpu!.info!.executionProvider).toBe('webgpu');
    expect(ortWebgpu!.gpu!.ms, `ort-webgpu GPU time (${ortWebgpu!.gpu!.source})`).toSatisfy(positive);
    expect(ortCpu!.info!.executionProvider).toBe('cpu');
    for (const float of [fp32!, ortWebgpu!, ortCpu!]) expect(float.correctness!.maxRel, `${float.engine} max rel`).toBeLessThan(1e-3);
    expect(fs.readFileSync(path.join(outDir, 'latest.md'), 'utf8')).toContain('| fashion_mnist_cnn | ort-webgpu |');
    expect(fs.readFileSync(path.join(outDir, 'latest.svg'), 'utf8')).toMatch(/^<svg[^>]*>[\s\S]*<\/svg>\n$/);
  });

  it.skipIf(skip)(`runs the dynamic text encoder: our int8 on its dynamic file, onnxruntime-node on its dynamic and float files, each against its own reference${why}`, { timeout: 180_000 }, async () => {
    const dir = path.join(outDir, 'text-encoder');
    const lines: string[] = [];
    await runNodeBench({ browserPath: '', flags: [], runs: 2, warmup: 0, models: ['text-encoder'], engines: ['int8', 'ort-cpu'], outDir: dir, log: (line) => lines.push(line) });
    console.log(lines.join('\n'));
    const report = JSON.parse(fs.readFileSync(path.join(dir, 'latest.json'), 'utf8')) as BenchReport;
    expect(validateReport(report), 'schema problems').toEqual([]);
    const [model] = report.models;
    expect(model!.inputs).toEqual([{ name: 'input_ids', dtype: 'int64', shape: [1, 128] }, { name: 'attention_mask', dtype: 'int64', shape: [1, 128] }]);
    // 2 layers of q, k, v, o, FFN (64 → 256 → 64) and attention at 128 tokens, and the classifier.
    expect(model!.macs).toBe(16_777_728);
    expect(model!.engines.map((e) => [e.engine, e.onnx ?? null, e.correctness?.against ?? null])).toEqual([
      ['int8', null, 'dynamic'],
      ['ort-cpu', 'dynamic', 'dynamic'],
      ['ort-cpu', 'float', 'float'],
    ]);
    for (const e of model!.engines) {
      expect(e.status, `${e.engine}: ${JSON.stringify(e.error)}`).toBe('ok');
      expect(e.correctness!.top1!.agrees, `${e.engine} top-1`).toBe(true);
      expect(e.correctness!.verdict, `${e.engine} verdict`).toBe('agrees');
    }
    const [int8, ortDynamic, ortFloat] = model!.engines;
    // Our GPU dynamic graph against its CPU reference (test/model/text-encoder-dynamic.test.ts's tolerance); onnxruntime's float run against the float reference.
    expect(int8!.correctness!.maxRel).toBeLessThanOrEqual(1e-4);
    expect(ortFloat!.correctness!.maxRel).toBeLessThan(1e-3);
    expect(ortDynamic!.info!.onnx).toBe('dynamic');
    // The dynamic products' GEMMs are counted: 13 of them (and the 4 attention MatMuls).
    const counted = int8!.kernels!.filter((k) => k.macs !== null);
    expect(counted.filter((k) => k.shader.startsWith('dynq_gemm')).length).toBe(13);
    expect(counted.filter((k) => k.layer === 'matmul').length).toBe(4);
    expect(fs.readFileSync(path.join(dir, 'latest.md'), 'utf8')).toContain('| text-encoder | ort-cpu (dynamic) |');
  });
});
