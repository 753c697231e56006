// Loaded into the headless Chromium page by test/browser/smoke.test.ts (served by
// test/helpers/static-server.ts). Exposes the smoke check on window for page.evaluate.
import { type GpuAdapterSummary, requestGpuDevice } from '../../src/gpu/device.ts';
import type { Int8SmokeInput, Int8SmokeOutput } from '../helpers/int8-ref.ts';
import { runInt8Smoke } from '../helpers/int8-smoke-gpu.ts';

export interface BrowserSmokeResult {
  adapterInfo: GpuAdapterSummary;
  features: string[];
  dot4I8Packed: boolean;
  userAgent: string;
  output: Int8SmokeOutput;
  ms: { device: number; kernel: number };
}

async function int8Smoke(wgsl: string, input: Int8SmokeInput): Promise<BrowserSmokeResult> {
  const t0 = performance.now();
  const ctx = await requestGpuDevice(navigator.gpu, { hint: 'headless Chromium page' });
  const t1 = performance.now();
  try {
    const output = await runInt8Smoke(ctx.device, wgsl, input);
    return {
      adapterInfo: ctx.adapterInfo,
      features: [...ctx.features],
      dot4I8Packed: ctx.dot4I8Packed,
      userAgent: navigator.userAgent,
      output,
      ms: { device: t1 - t0, kernel: performance.now() - t1 },
    };
  } finally {
    ctx.device.destroy();
  }
}

declare global {
  interface Window {
    int8Smoke?: typeof int8Smoke;
  }
}
window.int8Smoke = int8Smoke;
