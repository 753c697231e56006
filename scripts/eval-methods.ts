// Evaluates every calibration method on the bundled model and prints the README's table.
// Usage: npx tsx scripts/eval-methods.ts [--count N] [--calib-count N] [--jobs 2]
import { spawn } from 'node:child_process';
import { OBSERVER_METHODS } from '../src/calibrate/observers/index.ts';
import { BUNDLED } from '../src/cli/bundled.ts';
import type { EvalReport } from '../src/eval/evaluate.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const count = arg('--count', 10_000);
const calibCount = arg('--calib-count', 500);
const jobs = arg('--jobs', 2);

function evalMethod(method: string): Promise<EvalReport & { seconds: number }> {
  const started = Date.now();
  // Calibrate on training images, evaluate on the test images.
  const args = ['bin/webgpu-int8.mjs', 'eval', BUNDLED.model, '--data', BUNDLED.testImages, '--labels', BUNDLED.testLabels,
    '--calib', BUNDLED.calibImages, '--calib-count', String(calibCount), '--count', String(count), '--method', method, '--json'];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code) => (code === 0 ? resolve({ ...JSON.parse(out), seconds: (Date.now() - started) / 1000 }) : reject(new Error(`${method}: exit ${code}`))));
  });
}

const results = new Map<string, EvalReport & { seconds: number }>();
const queue = [...OBSERVER_METHODS];
await Promise.all(Array.from({ length: jobs }, async () => {
  for (let m = queue.shift(); m; m = queue.shift()) {
    results.set(m, await evalMethod(m));
    console.error(`${m} done in ${results.get(m)!.seconds.toFixed(0)} s`);
  }
}));

const pct = (v: number | null) => (v === null ? 'n/a' : (100 * v).toFixed(2));
console.log(`| method | fp32 accuracy % | int8 accuracy % | Δ points | top-1 agreement % | mean per-layer SQNR dB |`);
console.log(`|---|---|---|---|---|---|`);
for (const m of OBSERVER_METHODS) {
  const r = results.get(m)!;
  const finite = r.per_layer.filter((l) => Number.isFinite(l.sqnr_db));
  const sqnr = finite.reduce((s, l) => s + l.sqnr_db, 0) / finite.length;
  const delta = r.int8_accuracy !== null && r.fp32_accuracy !== null ? (100 * (r.int8_accuracy - r.fp32_accuracy)).toFixed(2) : 'n/a';
  console.log(`| ${m} | ${pct(r.fp32_accuracy)} | ${pct(r.int8_accuracy)} | ${delta} | ${pct(r.top1_agreement)} | ${sqnr.toFixed(2)} |`);
}
console.log(`\n${count} test images; calibrated on the first ${calibCount} Fashion-MNIST training images (the same for every method).`);
