// What `webgpu-int8 bench` (src/cli/bench.ts) loads through tsx: the driver and its default browser.
import type { BenchDriver } from '../../src/cli/bench-contract.ts';
import { DEFAULT_BROWSER } from './browser.ts';
import { runBench } from './run.ts';

export const driver: BenchDriver = { runBench, DEFAULT_BROWSER };
