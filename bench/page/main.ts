// The bench page: window.benchEngine runs one model × engine, window.benchPeaks the arithmetic
// microbenchmarks. The node driver opens a fresh page for each call, so engines never share a
// device, a wasm instance or global state. Engines are imported on demand for the same reason.
import { requestGpuDevice } from '../../src/gpu/device.ts';
import type { EngineRequest, EngineResult, PeakResult } from './protocol.ts';
import { measure } from './measure.ts';
import type { Engine } from './engines/runner.ts';

async function engineFor(engine: EngineRequest['engine']): Promise<Engine> {
  switch (engine) {
    case 'int8':
    case 'fp32':
      return { load: async () => {}, create: (await import('./engines/ours.ts')).createOurs };
    case 'tfjs-webgpu': {
      const { loadTfjs, createTfjs } = await import('./engines/tfjs.ts');
      return { load: loadTfjs, create: createTfjs };
    }
    case 'ort-webgpu':
    case 'ort-wasm': {
      const { loadOrt, createOrt } = await import('./engines/ort.ts');
      return { load: loadOrt, create: createOrt };
    }
    default:
      throw new Error(`the bench page has no engine "${engine}" (it runs in bench --node)`);
  }
}

/** The driver exposes this to report progress; absent when the page is opened by hand. */
const progress = (done: number, total: number) => void (window as { benchProgress?: (d: number, t: number) => void }).benchProgress?.(done, total);

async function benchEngine(request: EngineRequest): Promise<EngineResult> {
  return measure(request, await engineFor(request.engine), progress);
}

async function benchPeaks(): Promise<PeakResult> {
  const gpu = await requestGpuDevice(navigator.gpu, { hint: 'bench page in headless Chromium' });
  try {
    const { measurePeaks } = await import('./peaks.ts');
    return {
      adapter: gpu.adapterInfo,
      dot4I8Packed: gpu.dot4I8Packed,
      features: [...gpu.features].sort(),
      userAgent: navigator.userAgent,
      hardwareConcurrency: navigator.hardwareConcurrency,
      peaks: await measurePeaks(gpu),
    };
  } finally {
    gpu.device.destroy();
  }
}

declare global {
  interface Window {
    benchEngine?: typeof benchEngine;
    benchPeaks?: typeof benchPeaks;
  }
}
window.benchEngine = benchEngine;
window.benchPeaks = benchPeaks;
