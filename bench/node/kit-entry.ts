// The GPU kit's command (scripts/gpu-kit.sh bundles this file with esbuild into
// lib/js/bench.mjs): `webgpu-int8 bench --node`, the very option parsing of src/cli/bench.ts,
// with the node driver bundled in instead of loaded from a checkout through tsx.
import { cac } from 'cac';
import { registerBench } from '../../src/cli/bench.ts';
import { InputError } from '../../src/errors.ts';
import { runNodeBench } from './run.ts';

const notInKit = () => Promise.reject(new InputError('the GPU kit runs `bench --node` only (Chromium is not in it)'));
const cli = cac('webgpu-int8');
registerBench(cli, async (node) => {
  if (!node) await notInKit();
  return { runBench: notInKit, runNodeBench, DEFAULT_BROWSER: '' };
});
cli.help();

try {
  cli.parse(process.argv, { run: false });
  if (!cli.matchedCommand && !cli.options.help) {
    cli.outputHelp();
    process.exitCode = 1;
  } else {
    await cli.runMatchedCommand();
  }
} catch (e) {
  console.error(`webgpu-int8: ${(e as Error).message}`);
  process.exitCode = 1;
}
