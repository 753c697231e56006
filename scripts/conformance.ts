// `npm run conformance`: the ONNX conformance suite with every case's outcome listed.
// --verbose also lists why each not-applicable case was refused.
import { runSuite, summarize } from '../test/conformance/onnx-suite.ts';

const results = runSuite();
for (const r of results) {
  if (r.outcome.status === 'passed') console.log(`passed          ${r.name}`);
  else if (r.outcome.status === 'failed' || process.argv.includes('--verbose')) {
    console.log(`${r.outcome.status.padEnd(15)} ${r.name}: ${r.outcome.detail}`);
  }
}
const summary = summarize(results);
console.log(summary.text);
process.exitCode = summary.failed.length > 0 ? 1 : 0;
