// `npm run conformance`: the ONNX conformance suite with every case's outcome listed.
// --verbose also lists why each not-applicable case was refused.
// --gpu runs the cases the float CPU reference passes on the fp32 GPU path (Dawn) instead
// (test/conformance/gpu-suite.ts); --verbose then lists each refusal's message too, and
// --only <substring> keeps the cases whose name contains it.
import { runSuite, summarize } from '../test/conformance/onnx-suite.ts';

const verbose = process.argv.includes('--verbose');

if (process.argv.includes('--gpu')) {
  const { nodeGpuDevice } = await import('../src/gpu/node.ts');
  const { runGpuSuite, summarizeGpu } = await import('../test/conformance/gpu-suite.ts');
  const only = process.argv[process.argv.indexOf('--only') + 1];
  const filter = process.argv.includes('--only') ? only : undefined;
  const gpu = await nodeGpuDevice();
  const start = performance.now();
  const results = await runGpuSuite(gpu, {
    select: filter ? (name) => name.includes(filter) : undefined,
    onResult: (r) => {
      const o = r.outcome;
      if (o.status === 'passed') console.log(`passed          ${r.name}`);
      else if (o.status === 'failed' || o.status === 'not on gpu' || (verbose && o.status !== 'skipped')) console.log(`${o.status.padEnd(15)} ${r.name}: ${o.detail}`);
      else if (o.status === 'refused') console.log(`refused         ${r.name}: ${o.op}`);
    },
  });
  const summary = summarizeGpu(results);
  console.log(summary.text);
  console.log(`wall time ${((performance.now() - start) / 1000).toFixed(1)} s`);
  gpu.device.destroy();
  process.exitCode = summary.failed.length > 0 ? 1 : 0;
} else {
  const results = runSuite();
  for (const r of results) {
    if (r.outcome.status === 'passed') console.log(`passed          ${r.name}`);
    else if (r.outcome.status === 'failed' || verbose) {
      console.log(`${r.outcome.status.padEnd(15)} ${r.name}: ${r.outcome.detail}`);
    }
  }
  const summary = summarize(results);
  console.log(summary.text);
  process.exitCode = summary.failed.length > 0 ? 1 : 0;
}
