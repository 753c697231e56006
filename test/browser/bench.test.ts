// The bench end to end, quickly: the bundled model, 2 timed runs, our int8 and fp32 sessions and
// onnxruntime-web's WASM engine, in headless Chromium. Checks the JSON it writes holds measured
// numbers and correctness fields; timings are reported by the bench, never asserted here.
// Fails when no adapter can be had, unless WEBGPU_INT8_SKIP_GPU=1.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { DEFAULT_BROWSER } from '../../bench/driver/browser.ts';
import { runBench } from '../../bench/driver/run.ts';
import { SCHEMA, type BenchReport } from '../../bench/driver/schema.ts';
import { validateReport } from '../../bench/driver/validate.ts';

const skip = process.env.WEBGPU_INT8_SKIP_GPU === '1';
const why = skip ? ' (skipped: WEBGPU_INT8_SKIP_GPU=1)' : '';
const outDir = fs.mkdtempSync(path.join(os.tmpdir(), 'webgpu-int8-bench-'));

const positive = (v: unknown) => typeof v === 'number' && Number.isFinite(v) && v > 0;

describe('webgpu-int8 bench', () => {
  afterAll(() => fs.rmSync(outDir, { recursive: true, force: true }));

  it.skipIf(skip)(`measures the bundled model on our engines and a peer, and writes JSON, markdown and SVG${why}`, { timeout: 180_000 }, async () => {
    const lines: string[] = [];
    await runBench({
      browserPath: DEFAULT_BROWSER,
      flags: [],
      runs: 2,
      warmup: 0,
      models: ['fashion_mnist_cnn'],
      engines: ['int8', 'fp32', 'ort-wasm'],
      outDir,
      log: (line) => lines.push(line),
    });
    console.log(lines.join('\n'));
    const files = fs.readdirSync(outDir).sort();
    expect(files.filter((f) => f.startsWith('latest.'))).toEqual(['latest.json', 'latest.md', 'latest.svg']);
    const report = JSON.parse(fs.readFileSync(path.join(outDir, 'latest.json'), 'utf8')) as BenchReport;

    expect(report.schema).toBe(SCHEMA);
    expect(validateReport(report), 'schema problems').toEqual([]);
    expect(report.machine.cores).toBeGreaterThan(0);
    expect(report.adapter.vendor).not.toBe('');
    for (const peak of [report.peaks.f32, report.peaks.f32vec4, report.peaks.i32vec4]) expect(peak.gops, 'peak GOPS').toSatisfy(positive);
    if (report.adapter.dot4I8Packed) expect('gops' in report.peaks.dot4 ? report.peaks.dot4.gops : report.peaks.dot4, 'dot4 peak GOPS of an adapter with dot4I8Packed').toSatisfy(positive);

    const [model] = report.models;
    expect(model!.macs).toBeGreaterThan(1e6);
    expect(model!.engines.map((e) => e.engine)).toEqual(['int8', 'fp32', 'ort-wasm']);
    for (const e of model!.engines) {
      expect(e.status, `${e.engine}: ${JSON.stringify(e.error)}`).toBe('ok');
      expect(e.runsMs).toHaveLength(2);
      expect(e.runsMs!.filter((ms) => !positive(ms)), `${e.engine}: runs that are not a positive time`).toEqual([]);
      expect({ median: e.latencyMs!.median, first: e.firstRunMs, gops: e.gops!.e2e }, `${e.engine}: latency and GOPS`).toEqual({ median: expect.toSatisfy(positive), first: expect.toSatisfy(positive), gops: expect.toSatisfy(positive) });
      // The bundled model's logits: every engine must keep the reference's class.
      expect(e.correctness!.top1!.agrees, `${e.engine} top-1`).toBe(true);
      expect(e.correctness!.maxAbs, `${e.engine}: max |diff| is a number`).toSatisfy(Number.isFinite);
    }
    const [int8, fp32] = model!.engines;
    for (const ours of [int8!, fp32!]) {
      expect(ours.gpu!.ms, 'GPU time').toSatisfy(positive);
      expect(ours.kernels!.length).toBeGreaterThan(5);
      expect(ours.kernels!.filter((k) => k.macs !== null).length).toBeGreaterThanOrEqual(7);
      expect(ours.memory, 'memory figures').toEqual(expect.objectContaining({ weightBytes: expect.toSatisfy(positive), activationBytes: expect.toSatisfy(positive) }));
    }
    expect(int8!.memory!.totalBytes!).toBeLessThan(fp32!.memory!.totalBytes!);
    expect(int8!.peakFraction!.ofPeak).toBeGreaterThan(0);
    expect(fp32!.correctness!.maxRel).toBeLessThan(1e-3);
    expect(fs.readFileSync(path.join(outDir, 'latest.md'), 'utf8')).toContain('| fashion_mnist_cnn | int8 |');
    expect(fs.readFileSync(path.join(outDir, 'latest.svg'), 'utf8')).toMatch(/^<svg[^>]*>[\s\S]*<\/svg>\n$/);
  });
});
