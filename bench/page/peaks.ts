// The adapter's peak arithmetic rates, measured by the WGSL microbenchmarks next to this file:
// dispatches of 256-thread workgroups doing only arithmetic. For each workgroup count the
// iteration count grows until one dispatch takes at least TARGET_MS, so slow (emulated) and fast
// adapters are both measured over a span their timers resolve; the peak is the best rate over
// the workgroup counts and SAMPLES dispatches each. Several counts, because the best one differs
// by adapter: a GPU needs thousands of threads in flight, while SwiftShader pays a per-workgroup
// cost that favours few workgroups with long loops (measured: 2.3 vs 1.4 GOPS dot4 at 16 vs 1024).

import type { GpuContext } from '../../src/gpu/device.ts';
import type { PeakRate } from './protocol.ts';
import { WGSL } from './wgsl.generated.ts';

const WORKGROUP_COUNTS = [16, 256, 4096];
const THREADS = 256;
/** Independent accumulator chains, each advanced once per loop trip (every shader). No inner
 * loop: SwiftShader does not unroll one, and its loop overhead cost up to a third of the rate. */
const CHAINS_PER_TRIP = 8;
const TARGET_MS = 100;
const MAX_ITERATIONS = 1 << 22;
const SAMPLES = 3;

interface Kernel {
  pipeline: GPUComputePipeline;
  /** Operations per (thread · loop trip). */
  opsPerTrip: number;
  params: (iterations: number) => ArrayBuffer;
}

async function kernel(device: GPUDevice, code: string, constants: Record<string, number>, opsPerTrip: number, params: Kernel['params']): Promise<Kernel> {
  const module = device.createShaderModule({ code });
  const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main', constants } });
  return { pipeline, opsPerTrip, params };
}

/** Milliseconds of one dispatch: timestamp queries when the device has them, else submit → done. */
async function timeDispatch(device: GPUDevice, k: Kernel, workgroups: number, iterations: number): Promise<{ ms: number; timing: PeakRate['timing'] }> {
  const uniforms = device.createBuffer({ size: 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  device.queue.writeBuffer(uniforms, 0, k.params(iterations));
  const sink = device.createBuffer({ size: 1024, usage: GPUBufferUsage.STORAGE });
  const bindGroup = device.createBindGroup({
    layout: k.pipeline.getBindGroupLayout(0),
    entries: [{ binding: 0, resource: { buffer: uniforms } }, { binding: 1, resource: { buffer: sink } }],
  });
  const stamps = device.features.has('timestamp-query');
  const querySet = stamps ? device.createQuerySet({ type: 'timestamp', count: 2 }) : undefined;
  const resolve = device.createBuffer({ size: 16, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
  const read = device.createBuffer({ size: 16, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  try {
    const encoder = device.createCommandEncoder();
    const pass = encoder.beginComputePass(querySet ? { timestampWrites: { querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 } } : {});
    pass.setPipeline(k.pipeline);
    pass.setBindGroup(0, bindGroup);
    pass.dispatchWorkgroups(workgroups);
    pass.end();
    if (querySet) {
      encoder.resolveQuerySet(querySet, 0, 2, resolve, 0);
      encoder.copyBufferToBuffer(resolve, 0, read, 0, 16);
    }
    const start = performance.now();
    device.queue.submit([encoder.finish()]);
    await device.queue.onSubmittedWorkDone();
    const wall = performance.now() - start;
    if (!querySet) return { ms: wall, timing: 'wall-clock' };
    await read.mapAsync(GPUMapMode.READ);
    const [t0, t1] = new BigUint64Array(read.getMappedRange());
    const ms = Number(t1! - t0!) / 1e6;
    read.unmap();
    // Some drivers report zeros (timestamps quantized or disabled): fall back to the wall clock.
    return ms > 0 ? { ms, timing: 'timestamp-query' } : { ms: wall, timing: 'wall-clock' };
  } finally {
    for (const b of [uniforms, sink, resolve, read]) b.destroy();
    querySet?.destroy();
  }
}

async function measureAt(device: GPUDevice, k: Kernel, workgroups: number): Promise<PeakRate> {
  let iterations = 16;
  let probe = await timeDispatch(device, k, workgroups, iterations);
  while (probe.ms < TARGET_MS && iterations < MAX_ITERATIONS) {
    iterations = Math.min(MAX_ITERATIONS, Math.ceil(iterations * Math.min(16, Math.max(2, (TARGET_MS * 1.2) / Math.max(probe.ms, 0.01)))));
    probe = await timeDispatch(device, k, workgroups, iterations);
  }
  const ops = workgroups * THREADS * iterations * k.opsPerTrip;
  const samples: number[] = [];
  let timing = probe.timing;
  for (let i = 0; i < SAMPLES; i++) {
    const t = await timeDispatch(device, k, workgroups, iterations);
    samples.push(t.ms);
    timing = t.timing;
  }
  return { gops: ops / (Math.min(...samples) * 1e6), samples, opsPerDispatch: ops, workgroups, timing };
}

async function measure(device: GPUDevice, k: Kernel): Promise<PeakRate> {
  let best: PeakRate | undefined;
  for (const workgroups of WORKGROUP_COUNTS) {
    const rate = await measureAt(device, k, workgroups);
    if (!best || rate.gops > best.gops) best = rate;
  }
  return best!;
}

const intParams = (iterations: number) => new Uint32Array([iterations, 0x9e3779b9 >>> 0, 0, 0]).buffer;
function floatParams(iterations: number): ArrayBuffer {
  const b = new ArrayBuffer(16);
  new Uint32Array(b, 0, 2).set([iterations, 12345]);
  new Float32Array(b, 8, 2).set([0.5, 0.25]);
  return b;
}
const madParams = (iterations: number) => new Int32Array([iterations, 12345, 0x01000193, 7]).buffer;

export interface Peaks {
  dot4: PeakRate | { error: string };
  f32: PeakRate;
  f32vec4: PeakRate;
  i32vec4: PeakRate;
}

export async function measurePeaks(gpu: GpuContext): Promise<Peaks> {
  const { device } = gpu;
  const f32 = await measure(device, await kernel(device, WGSL['peak-f32.wgsl'], { WIDTH: 1 }, CHAINS_PER_TRIP * 2, floatParams));
  const f32vec4 = await measure(device, await kernel(device, WGSL['peak-f32.wgsl'], { WIDTH: 4 }, CHAINS_PER_TRIP * 8, floatParams));
  const i32vec4 = await measure(device, await kernel(device, WGSL['peak-i32.wgsl'], {}, CHAINS_PER_TRIP * 8, madParams));
  if (!gpu.dot4I8Packed) return { dot4: { error: 'no packed_4x8_integer_dot_product WGSL language feature on this adapter' }, f32, f32vec4, i32vec4 };
  const dot4 = await measure(device, await kernel(device, WGSL['peak-dot4.wgsl'], {}, CHAINS_PER_TRIP * 8, intParams));
  return { dot4, f32, f32vec4, i32vec4 };
}
