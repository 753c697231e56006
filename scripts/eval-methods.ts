// Evaluates every calibration method and prints the README's table: on the bundled model (test-set
// accuracy), or with --model ID on a pretrained model and its fetched photos (agreement with fp32).
// Usage: npx tsx scripts/eval-methods.ts [--model ID] [--count N] [--calib-count N] [--jobs 2]
//        [--methods minmax,mse] [--tools "--equalize --bias-correction"] (flags passed to every eval)
import { spawn } from 'node:child_process';
import { OBSERVER_METHODS } from '../src/calibrate/observers/index.ts';
import { BUNDLED } from '../src/cli/bundled.ts';
import type { EvalReport } from '../src/eval/evaluate.ts';

const arg = (name: string, fallback: number) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? Number(process.argv[i + 1]) : fallback;
};
const modelAt = process.argv.indexOf('--model');
const model = modelAt >= 0 ? process.argv[modelAt + 1]! : undefined;
const count = arg('--count', 10_000);
const calibCount = arg('--calib-count', 500);
const jobs = arg('--jobs', 2);
const option = (name: string) => {
  const i = process.argv.indexOf(name);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const tools = (option('--tools') ?? '').split(' ').filter((f) => f !== '');
const methods = option('--methods')?.split(',') ?? [...OBSERVER_METHODS];

function evalMethod(method: string): Promise<EvalReport & { seconds: number }> {
  const started = Date.now();
  // Calibrate on training images, evaluate on the test images.
  const data = model ? [model] : [BUNDLED.model, '--data', BUNDLED.testImages, '--labels', BUNDLED.testLabels, '--calib', BUNDLED.calibImages];
  // The int8 reference on the CPU: it gives the per-layer figures (the GPU's bytes are the same).
  const args = ['bin/webgpu-int8.mjs', 'eval', ...data, '--calib-count', String(calibCount), '--count', String(count), '--method', method, '--device', 'cpu', '--json', ...tools];
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.on('close', (code) => (code === 0 ? resolve({ ...JSON.parse(out), seconds: (Date.now() - started) / 1000 }) : reject(new Error(`${method}: exit ${code}`))));
  });
}

const results = new Map<string, EvalReport & { seconds: number }>();
const queue = [...methods];
await Promise.all(Array.from({ length: jobs }, async () => {
  for (let m = queue.shift(); m; m = queue.shift()) {
    results.set(m, await evalMethod(m));
    console.error(`${m} done in ${results.get(m)!.seconds.toFixed(0)} s`);
  }
}));

const pct = (v: number | null) => (v === null ? 'n/a' : (100 * v).toFixed(2));
const meanSqnr = (r: EvalReport) => {
  const finite = r.per_layer.filter((l) => Number.isFinite(l.sqnr_db));
  return finite.reduce((s, l) => s + l.sqnr_db, 0) / finite.length;
};
const worstLayer = (r: EvalReport) => r.per_layer.reduce((w, l) => (l.sqnr_db < w.sqnr_db ? l : w));

if (!model) {
  console.log(`| method | fp32 accuracy % | int8 accuracy % | Δ points | top-1 agreement % | mean per-layer SQNR dB |`);
  console.log(`|---|---|---|---|---|---|`);
  for (const m of methods) {
    const r = results.get(m)!;
    const delta = r.int8_accuracy !== null && r.fp32_accuracy !== null ? (100 * (r.int8_accuracy - r.fp32_accuracy)).toFixed(2) : 'n/a';
    console.log(`| ${m} | ${pct(r.fp32_accuracy)} | ${pct(r.int8_accuracy)} | ${delta} | ${pct(r.top1_agreement)} | ${meanSqnr(r).toFixed(2)} |`);
  }
  console.log(`\n${count} test images; calibrated on the first ${calibCount} Fashion-MNIST training images (the same for every method).`);
} else {
  console.log(`| method | top-1 agreement % | logit cosine mean / min | ${results.get(methods[0]!)?.task ? 'face boxes | ' : ''}mean per-layer SQNR dB | lowest-SQNR tensor |`);
  console.log(`|---|---|---|${results.get(methods[0]!)?.task ? '---|' : ''}---|---|`);
  for (const m of methods) {
    const r = results.get(m)!;
    const cos = r.logit_cosine ? `${r.logit_cosine.mean.toFixed(4)} / ${r.logit_cosine.min.toFixed(4)}` : 'n/a';
    const worst = worstLayer(r);
    const task = r.task ? `${String(r.task.agreeing_images)} of ${String(r.task.images)} images agree (min IoU ${Number(r.task.min_iou ?? NaN).toFixed(3)}) | ` : '';
    console.log(`| ${m} | ${pct(r.top1_agreement)} | ${cos} | ${task}${meanSqnr(r).toFixed(2)} | ${worst.sqnr_db.toFixed(1)} dB \`${worst.name.split('/').slice(-2).join('/')}\` |`);
  }
  console.log(`\n${model}: ${results.get(methods[0]!)!.images} evaluation photos; calibrated on the model's calibration photos (the same for every method).`);
}
