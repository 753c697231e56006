// What `webgpu-int8 bench` (src/cli/bench.ts) loads through tsx: the browser driver (and its default browser) and the node one.
import type { BenchDriver } from '../../src/cli/bench-contract.ts';
import { DEFAULT_BROWSER } from './browser.ts';
import { runBench } from './run.ts';
import { runNodeBench } from '../node/run.ts';

export const driver: BenchDriver = { runBench, runNodeBench, DEFAULT_BROWSER };
