// Reliability on a real adapter (issue 7): hostile inputs, device limits and faults, load and long
// runs. GPU buffers are counted by wrapping the real device's createBuffer/destroy (instrumentation
// of Dawn's own objects, not a mock). Figures go to test-results/reliability.json for the README.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quantize } from '../../src/api.ts';
import { BUNDLED } from '../../src/cli/bundled.ts';
import { readIdx } from '../../src/cli/files.ts';
import { imageSetFromIdx } from '../../src/data/dataset.ts';
import { DeviceLostError, GpuValidationError, InputError, LimitError } from '../../src/errors.ts';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpu, nodeGpuDevice } from '../../src/gpu/node.ts';
import { PipelineCache } from '../../src/gpu/pipelines.ts';
import { GpuProgram } from '../../src/gpu/program.ts';
import { Session } from '../../src/gpu/session.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import { planProgram } from '../../src/plan/plan.ts';
import { f32, type Tensor } from '../../src/ir/tensor.ts';
import type { QuantizedModel } from '../../src/quant/program.ts';
import { runInt8 } from '../../src/ref/int8/run.ts';
import { encodeOnnx } from '../helpers/onnx-encode.ts';
import { randomTensor } from '../helpers/random.ts';

const skip = process.env.WEBGPU_INT8_SKIP_GPU === '1';
const SOAK_RUNS = 2000;
const figures: Record<string, unknown> = {};

const bits = (t: Tensor) => Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length));
const images = imageSetFromIdx(readIdx(BUNDLED.testImages, 'images'));

/** A small conv net (3×3 conv + ReLU, 1×1 conv) whose runs are cheap enough for a soak. */
function tinyGraph() {
  const w1 = randomTensor([8, 4, 3, 3], 1);
  const w2 = randomTensor([4, 8, 1, 1], 2);
  return importOnnx(
    encodeOnnx({
      inputs: [{ name: 'x', shape: [1, 4, 8, 8] }],
      outputs: [{ name: 'y' }],
      initializers: { w1: { shape: w1.shape, data: Array.from(w1.data) }, w2: { shape: w2.shape, data: Array.from(w2.data) } },
      nodes: [
        { op: 'Conv', inputs: ['x', 'w1'], outputs: ['c'], attrs: { pads: [1, 1, 1, 1] } },
        { op: 'Relu', inputs: ['c'], outputs: ['r'] },
        { op: 'Conv', inputs: ['r', 'w2'], outputs: ['y'] },
      ],
    }),
  );
}

/** Every buffer the device creates, until it is destroyed. */
function liveBuffers(device: GPUDevice): Set<GPUBuffer> {
  const live = new Set<GPUBuffer>();
  const create = device.createBuffer.bind(device);
  device.createBuffer = (descriptor: GPUBufferDescriptor) => {
    const b = create(descriptor);
    live.add(b);
    const destroy = b.destroy.bind(b);
    b.destroy = () => (live.delete(b), destroy());
    return b;
  };
  return live;
}

setFlagsFromString('--expose-gc');
const gc = runInNewContext('gc') as () => void;
/** JS heap in use after a full collection, in MB. */
function heapMb(): number {
  gc();
  gc();
  return process.memoryUsage().heapUsed / 2 ** 20;
}

describe.skipIf(skip)('reliability on Dawn', () => {
  let gpu: GpuContext;
  let live: Set<GPUBuffer>;
  let bundled: QuantizedModel;
  let tiny: QuantizedModel;
  const int8Path = () => (gpu.dot4I8Packed ? 'native' : 'emulated');
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
    live = liveBuffers(gpu.device);
    const calibration = Array.from({ length: 16 }, (_, i) => ({ input: images.input(i) }));
    bundled = await quantize(importOnnx(readFileSync(BUNDLED.model)), { calibration, method: 'minmax' });
    tiny = await quantize(tinyGraph(), { calibration: [1, 2, 3, 4].map((s) => ({ x: randomTensor([1, 4, 8, 8], 10 + s) })), method: 'minmax' });
  });
  afterAll(() => {
    gpu?.device.destroy();
    mkdirSync('test-results', { recursive: true });
    writeFileSync('test-results/reliability.json', JSON.stringify(figures, null, 2));
  });

  it('NaN and ±Inf inputs give the CPU reference bytes (NaN → zero point, ±Inf saturate)', async () => {
    const session = await Session.create(bundled, { gpu });
    const x = images.input(3);
    x.data.set([NaN, Infinity, -Infinity, NaN], 100);
    expect(bits((await session.run({ input: x })).logits!)).toEqual(bits(runInt8(bundled, { input: x }).logits!));
    session.destroy();
  });

  it('200 concurrent run() calls each return their own output, equal to sequential runs', { timeout: 300_000 }, async () => {
    const session = await Session.create(bundled, { gpu });
    const feeds = Array.from({ length: 200 }, (_, i) => ({ input: images.input(2000 + i) }));
    const sequential: number[][] = [];
    for (const f of feeds) sequential.push(bits((await session.run(f)).logits!));
    const t0 = performance.now();
    const concurrent = await Promise.all(feeds.map((f) => session.run(f)));
    figures.concurrent = { runs: 200, ms: Math.round(performance.now() - t0), allEqualSequential: true };
    concurrent.forEach((r, i) => expect(bits(r.logits!), `run ${i}`).toEqual(sequential[i]));
    expect(sequential[0]).toEqual(bits(runInt8(bundled, feeds[0]!).logits!));
    session.destroy();
  });

  it(`${SOAK_RUNS} sequential runs keep the JS heap and the live GPU buffers flat`, { timeout: 600_000 }, async () => {
    const session = await Session.create(tiny, { gpu });
    const x = randomTensor([1, 4, 8, 8], 99);
    const expected = bits(runInt8(tiny, { x }).y!);
    await session.run({ x }); // the first run makes the readback buffer
    const start = { heapMb: heapMb(), gpuBuffers: live.size };
    const t0 = performance.now();
    for (let i = 0; i < SOAK_RUNS; i++) {
      const y = (await session.run({ x })).y!;
      if (i % 500 === 0) expect(bits(y), `run ${i}`).toEqual(expected);
    }
    const ms = performance.now() - t0;
    const end = { heapMb: heapMb(), gpuBuffers: live.size };
    figures.soak = { runs: SOAK_RUNS, msPerRun: +(ms / SOAK_RUNS).toFixed(2), start, end };
    console.log(`soak: ${SOAK_RUNS} runs, ${(ms / SOAK_RUNS).toFixed(2)} ms each; heap ${start.heapMb.toFixed(1)} → ${end.heapMb.toFixed(1)} MB; GPU buffers ${start.gpuBuffers} → ${end.gpuBuffers}`);
    expect(end.gpuBuffers).toBe(start.gpuBuffers);
    // Flat: a leak of even 1 KB per run would add 2 MB.
    expect(end.heapMb - start.heapMb).toBeLessThan(1.5);
    session.destroy();
  });

  it('creating and destroying 50 sessions leaks no GPU buffers', { timeout: 600_000 }, async () => {
    const before = live.size;
    let most = 0;
    for (let i = 0; i < 50; i++) {
      const session = await Session.create(tiny, { gpu });
      await session.run({ x: randomTensor([1, 4, 8, 8], i) });
      most = Math.max(most, live.size);
      session.destroy();
    }
    figures.sessions = { created: 50, gpuBuffersBefore: before, gpuBuffersPerSession: most - before, gpuBuffersAfter: live.size };
    expect(most).toBeGreaterThan(before);
    expect(live.size).toBe(before);
  });

  it('a device lost mid-run rejects the run with DeviceLostError and frees every buffer the session held', { timeout: 120_000 }, async () => {
    const own = await nodeGpuDevice();
    const held = liveBuffers(own.device);
    const session = await Session.create(bundled, { gpu: own });
    expect(held.size).toBeGreaterThan(0);
    const pending = session.run({ input: images.input(5) });
    own.device.destroy();
    await expect(pending).rejects.toBeInstanceOf(DeviceLostError);
    expect(held.size).toBe(0);
    const again = await Session.create(bundled, { gpu });
    const feeds = { input: images.input(5) };
    expect(bits((await again.run(feeds)).logits!)).toEqual(bits(runInt8(bundled, feeds).logits!));
    again.destroy();
  });

  it('a tensor larger than the device allows is refused with LimitError naming the limit, before any allocation', async () => {
    // A device with WebGPU's default limits (128 MiB per storage binding), as a browser may give.
    const adapter = (await (await nodeGpu()).requestAdapter())!;
    const device = await adapter.requestDevice();
    const held = liveBuffers(device);
    const small: GpuContext = { ...gpu, device };
    const error = await Session.create(bundled, { gpu: small, batch: 20_000 }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(LimitError);
    expect(String(error)).toMatch(/kernel ".*": tensor ".*" needs \d+ bytes, but this device's maxStorageBufferBindingSize is 134217728 bytes/);
    expect(held.size).toBe(0);
    device.destroy();
  });

  it('a pipeline the device rejects names its kernel and step, and its program allocates nothing', async () => {
    const cache = new PipelineCache(gpu.device, int8Path());
    const spec = {
      label: 'oversized step',
      shader: 'clamp_int8' as const,
      // More invocations per workgroup than any device allows.
      constants: { WORKGROUP_SIZE: 1 << 20 },
      uniforms: new ArrayBuffer(16),
      storage: [{ data: new Uint32Array(4), label: 'in' }, { tensor: 'out', write: true }],
      workgroups: [1, 1, 1] as [number, number, number],
    };
    await expect(cache.pipeline(spec)).rejects.toThrow(/kernel clamp_int8 \(step "oversized step"\)/);
    // A program with that kernel allocates nothing: its buffers are made only once every pipeline is.
    const before = new Set(live);
    await expect(GpuProgram.create(gpu.device, [spec], new Map([['out', 16]]), int8Path())).rejects.toThrow(/kernel clamp_int8/);
    expect([...live].filter((b) => !before.has(b))).toEqual([]);
  });

  it('a run whose commands WebGPU refuses rejects with GpuValidationError instead of returning stale bytes', async () => {
    const plan = planProgram(tiny, 1, { convVariant: () => 'dp4a' });
    const before = new Set(live);
    const program = await GpuProgram.create(gpu.device, plan.specs, plan.memory, int8Path());
    const output = tiny.outputs[0]!.name;
    expect((await program.run([output])).get(output)!.byteLength).toBeGreaterThan(0);
    // One weights buffer destroyed behind the program's back: WebGPU refuses the whole submit, and
    // the read-back buffer still holds the first run's bytes, which a run without the check returned.
    const weights = [...live].find((b) => !before.has(b) && b.label.endsWith('/weights'))!;
    weights.destroy();
    const refused = program.run([output]);
    await expect(refused).rejects.toBeInstanceOf(GpuValidationError);
    await expect(refused).rejects.toThrow(/WebGPU refused the run's commands: .*destroyed/i);
    await expect(program.profile()).rejects.toBeInstanceOf(GpuValidationError);
    program.destroy();
  });

  it('a bind group WebGPU refuses at creation is a GpuValidationError, with nothing left allocated', async () => {
    const plan = planProgram(tiny, 1, { convVariant: () => 'dp4a' });
    const before = new Set(live);
    // Fault injection on the real device: the second bind group loses its last entry, which Dawn refuses.
    const createBindGroup = gpu.device.createBindGroup.bind(gpu.device);
    let calls = 0;
    gpu.device.createBindGroup = (d: GPUBindGroupDescriptor) => createBindGroup(++calls === 2 ? { ...d, entries: [...d.entries].slice(0, -1) } : d);
    try {
      const creating = GpuProgram.create(gpu.device, plan.specs, plan.memory, int8Path());
      await expect(creating).rejects.toBeInstanceOf(GpuValidationError);
      await expect(creating).rejects.toThrow(/WebGPU refused creating the program's buffers or bind groups: /);
    } finally {
      gpu.device.createBindGroup = createBindGroup;
    }
    expect([...live].filter((b) => !before.has(b))).toEqual([]);
  });

  it('run() on a destroyed session is refused with InputError', async () => {
    const session = await Session.create(tiny, { gpu });
    session.destroy();
    await expect(session.run({ x: randomTensor([1, 4, 8, 8], 3) })).rejects.toThrow(new InputError('this session was destroyed (destroy() frees its GPU buffers): create a new session'));
  });

  it('the same wrong input to run() is refused the same way on the GPU as on the CPU', async () => {
    const session = await Session.create(tiny, { gpu });
    await expect(session.run({ x: f32([1, 4, 8, 7]) })).rejects.toThrow('input "x" is float32 [1,4,8,7], expected float32 [1,4,8,8]');
    expect(() => runInt8(tiny, { x: f32([1, 4, 8, 7]) })).toThrow('input "x" is float32 [1,4,8,7], expected float32 [1,4,8,8]');
    session.destroy();
  });
});
