// Malformed model files (issue 7): seeded mutations of the real models — the bundled ONNX CNN,
// an ONNX QDQ model, its .q8, and the BlazeFace TF.js graph model — each end in a typed error or
// in a model that loads and runs, within a time bound and an allocation bound proportional to the
// file's size. A few thousand cases by default; WEBGPU_INT8_FUZZ_CASES=N runs N per file.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/import/onnx.ts';
import { modelDir } from '../../src/models/paths.ts';
import { fuzz, type FuzzReport } from './fuzz.ts';
import { bundledQ8, onnxTarget, q8Target, tfjsTarget, type Target } from './targets.ts';

const PER_FILE = Number(process.env.WEBGPU_INT8_FUZZ_CASES ?? 0);
const SEED = Number(process.env.WEBGPU_INT8_FUZZ_SEED ?? 7);
const reports: FuzzReport[] = [];

function check<F>(target: Target<F>, cases: number): void {
  const report = fuzz(target, SEED, PER_FILE || cases);
  reports.push(report);
  writeSummary();
  // The first failures, each replayable from (seed, index).
  expect(report.failures.slice(0, 10), `${report.failures.length} failures`).toEqual([]);
  expect(Object.values(report.outcomes).reduce((a, b) => a + b, 0)).toBe(report.cases);
}

/** The figures the README quotes: cases and outcomes per file. */
function writeSummary(): void {
  mkdirSync('test-results', { recursive: true });
  writeFileSync(join('test-results', 'fuzz-summary.json'), JSON.stringify(reports, null, 2));
  for (const r of reports.slice(-1)) {
    console.log(`fuzz ${r.target}: ${r.cases} cases in ${(r.totalMs / 1000).toFixed(1)} s (slowest ${r.slowestMs.toFixed(0)} ms, largest allocation ${r.largestPerFileByte.toFixed(2)}× the file): ${JSON.stringify(r.outcomes)}`);
  }
}

describe('malformed model files end in a typed error or a model that runs', () => {
  it('the bundled ONNX CNN', { timeout: 600_000 }, () => {
    check(onnxTarget('fashion_mnist_cnn.onnx', readFileSync('models/fashion_mnist_cnn.onnx')), 600);
  });

  it('an ONNX QDQ model', { timeout: 600_000 }, () => {
    check(onnxTarget('small_qdq.onnx', readFileSync('test/fixtures/qdq/small_qdq.onnx')), 300);
  });

  it('the bundled CNN as a .q8', { timeout: 600_000 }, async () => {
    check(q8Target('fashion_mnist_cnn.q8', await bundledQ8()), 1200);
  });

  it('the BlazeFace TF.js graph model (model.json + shard)', { timeout: 600_000 }, () => {
    const dir = modelDir('blazeface-front');
    const json = JSON.parse(readFileSync(join(dir, 'model.json'), 'utf8'));
    check(tfjsTarget('blazeface-front', { json, shard: readFileSync(join(dir, 'blazeface-front.bin')) }), 300);
  });
});
