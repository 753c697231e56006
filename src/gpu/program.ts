// A list of kernel specs made real on a device: buffers, pipelines and bind groups are created
// once; run() encodes every dispatch in one command encoder and submits once.

import { GpuValidationError } from '../errors.ts';
import type { Int8Path } from '../kernels/shaders.ts';
import type { KernelSpec } from '../kernels/spec.ts';
import { checkLimits } from './limits.ts';
import { PipelineCache } from './pipelines.ts';

export interface SlotLayout {
  slotOf: Map<string, number>;
  slotBytes: number[];
}

function oneSlotEach(tensorBytes: Map<string, number>): SlotLayout {
  const names = [...tensorBytes.keys()];
  return { slotOf: new Map(names.map((n, i) => [n, i])), slotBytes: names.map((n) => tensorBytes.get(n)!) };
}

export interface KernelTiming {
  label: string;
  shader: string;
  ms: number;
}

/**
 * Waits for `work` (the read-back of a submit) and for the validation error scope around its
 * commands: if WebGPU refused any of them, that is the error, whatever the read-back gave.
 */
async function validated<T>(scope: Promise<GPUError | null>, work: Promise<T>): Promise<T> {
  const [refusal, result] = await Promise.allSettled([scope, work]);
  if (refusal.status === 'fulfilled' && refusal.value) {
    throw new GpuValidationError(`WebGPU refused the run's commands: ${refusal.value.message}`, { cause: result.status === 'rejected' ? result.reason : undefined });
  }
  if (result.status === 'rejected') throw result.reason;
  if (refusal.status === 'rejected') throw refusal.reason;
  return result.value;
}

type ReadyPipeline = Awaited<ReturnType<PipelineCache['pipeline']>>;

interface Dispatch {
  label: string;
  shader: string;
  pipeline: GPUComputePipeline;
  bindGroup: GPUBindGroup;
  workgroups: [number, number, number];
}

export class GpuProgram {
  private constructor(
    readonly device: GPUDevice,
    private readonly tensors: Map<string, GPUBuffer>,
    private readonly dispatches: Dispatch[],
    private readonly owned: GPUBuffer[],
    readonly pipelineCount: number,
  ) {}

  /** Readback buffers, made on the first run that reads a tensor and reused after. */
  private readonly staging = new Map<string, GPUBuffer>();

  /**
   * `memory`: either the byte size of every tensor the specs bind (one buffer each), or a plan
   * that maps tensors onto shared slots (src/plan/liveness.ts).
   */
  static async create(device: GPUDevice, specs: KernelSpec[], memory: Map<string, number> | SlotLayout, int8Path: Int8Path): Promise<GpuProgram> {
    checkLimits(device.limits, specs, memory);
    const layout = memory instanceof Map ? oneSlotEach(memory) : memory;
    for (const spec of specs) {
      for (const s of spec.storage) {
        if ('tensor' in s && !layout.slotOf.has(s.tensor)) throw new Error(`kernel "${spec.label}" binds tensor "${s.tensor}", which has no buffer`);
      }
    }
    // Every pipeline requested at once: compiles run side by side where the implementation can.
    const cache = PipelineCache.of(device, int8Path);
    const requested = specs.map((spec) => cache.pipeline(spec));
    requested.forEach((p) => p.catch(() => undefined)); // the first failure is reported below, in spec order
    const pipelines: ReadyPipeline[] = [];
    for (const p of requested) pipelines.push(await p);
    // Then every buffer and bind group in one block with no await inside a validation error scope:
    // programs created or run meanwhile on the device cannot interleave their scopes with it, and
    // nothing is allocated for a program whose pipelines failed.
    const owned: GPUBuffer[] = [];
    device.pushErrorScope('validation');
    let built: ReturnType<typeof GpuProgram.build> | undefined;
    try {
      built = GpuProgram.build(device, specs, layout, pipelines, owned);
    } finally {
      const refusal = await device.popErrorScope();
      if (refusal || !built) for (const b of owned) b.destroy();
      if (refusal) throw new GpuValidationError(`WebGPU refused creating the program's buffers or bind groups: ${refusal.message}`);
    }
    const { tensors, dispatches } = built;
    return new GpuProgram(device, tensors, dispatches, owned, new Set(dispatches.map((d) => d.pipeline)).size);
  }

  /** The buffers (into `owned`), uploads and bind groups of a program whose pipelines are ready. */
  private static build(device: GPUDevice, specs: KernelSpec[], layout: SlotLayout, pipelines: ReadyPipeline[], owned: GPUBuffer[]): { tensors: Map<string, GPUBuffer>; dispatches: Dispatch[] } {
    const buffer = (label: string, size: number, usage: number) => {
      const b = device.createBuffer({ label, size: Math.max(16, Math.ceil(size / 16) * 16), usage });
      owned.push(b);
      return b;
    };
    // Read lazily: in node, the GPU* globals exist only once the Dawn module has been set up.
    const storageUsage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    const slots = layout.slotBytes.map((bytes, i) => buffer(`slot ${i}`, bytes, storageUsage));
    const tensors = new Map([...layout.slotOf].map(([name, slot]) => [name, slots[slot]!]));
    const dispatches = specs.map((spec, i): Dispatch => {
      const uniforms = buffer(`${spec.label}/uniforms`, spec.uniforms.byteLength, GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST);
      device.queue.writeBuffer(uniforms, 0, spec.uniforms);
      const storage = spec.storage.map((s) => {
        if ('tensor' in s) return tensors.get(s.tensor)!; // checked in create
        const b = buffer(s.label, s.data.byteLength, GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST);
        device.queue.writeBuffer(b, 0, s.data.buffer, s.data.byteOffset, s.data.byteLength);
        return b;
      });
      const { pipeline, layout: bindLayout } = pipelines[i]!;
      const bindGroup = device.createBindGroup({
        label: spec.label,
        layout: bindLayout,
        entries: [uniforms, ...storage].map((b, k) => ({ binding: k, resource: { buffer: b } })),
      });
      return { label: spec.label, shader: spec.shader, pipeline, bindGroup, workgroups: spec.workgroups };
    });
    return { tensors, dispatches };
  }

  get dispatchCount(): number {
    return this.dispatches.length;
  }

  write(tensor: string, data: Uint32Array | Float32Array | Int32Array): void {
    this.device.queue.writeBuffer(this.buffer(tensor), 0, data.buffer, data.byteOffset, data.byteLength);
  }

  /** Encodes every dispatch in one pass, submits once, and reads `outputs` back. Not re-entrant: callers serialise runs. */
  async run(requested: string[]): Promise<Map<string, ArrayBuffer>> {
    // Each tensor read back once: a name asked for twice would map its staging buffer twice.
    const outputs = [...new Set(requested)];
    // Pushed and popped with no await between: runs on other programs of the device cannot
    // interleave their own scopes with this one.
    this.device.pushErrorScope('validation');
    const encoder = this.device.createCommandEncoder();
    const pass = encoder.beginComputePass();
    for (const d of this.dispatches) {
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, d.bindGroup);
      pass.dispatchWorkgroups(...d.workgroups);
    }
    pass.end();
    const staging = outputs.map((name) => {
      const source = this.buffer(name);
      let b = this.staging.get(name);
      if (!b) {
        b = this.device.createBuffer({ label: `${name}/readback`, size: source.size, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
        this.staging.set(name, b);
        this.owned.push(b);
      }
      encoder.copyBufferToBuffer(source, 0, b, 0, source.size);
      return b;
    });
    this.device.queue.submit([encoder.finish()]);
    const scope = this.device.popErrorScope();
    const results = new Map<string, ArrayBuffer>();
    const reads = Promise.all(
      staging.map(async (b, i) => {
        await b.mapAsync(GPUMapMode.READ);
        results.set(outputs[i]!, b.getMappedRange().slice(0));
        b.unmap();
      }),
    );
    await validated(scope, reads);
    return results;
  }

  /**
   * Runs every dispatch in its own pass with timestamp queries and returns each one's GPU time.
   * Needs the device's 'timestamp-query' feature (requestGpuDevice enables it when offered).
   */
  async profile(): Promise<KernelTiming[]> {
    if (!this.device.features.has('timestamp-query')) throw new Error('profiling needs the timestamp-query feature, which this device lacks');
    const count = this.dispatches.length * 2;
    this.device.pushErrorScope('validation');
    const querySet = this.device.createQuerySet({ type: 'timestamp', count });
    const resolve = this.device.createBuffer({ size: count * 8, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    const read = this.device.createBuffer({ size: count * 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    const encoder = this.device.createCommandEncoder();
    this.dispatches.forEach((d, i) => {
      const pass = encoder.beginComputePass({ timestampWrites: { querySet, beginningOfPassWriteIndex: 2 * i, endOfPassWriteIndex: 2 * i + 1 } });
      pass.setPipeline(d.pipeline);
      pass.setBindGroup(0, d.bindGroup);
      pass.dispatchWorkgroups(...d.workgroups);
      pass.end();
    });
    encoder.resolveQuerySet(querySet, 0, count, resolve, 0);
    encoder.copyBufferToBuffer(resolve, 0, read, 0, count * 8);
    this.device.queue.submit([encoder.finish()]);
    try {
      await validated(this.device.popErrorScope(), read.mapAsync(GPUMapMode.READ));
      const stamps = new BigUint64Array(read.getMappedRange().slice(0));
      return this.dispatches.map((d, i) => ({ label: d.label, shader: d.shader, ms: Number(stamps[2 * i + 1]! - stamps[2 * i]!) / 1e6 }));
    } finally {
      read.destroy();
      resolve.destroy();
      querySet.destroy();
    }
  }

  private buffer(tensor: string): GPUBuffer {
    const b = this.tensors.get(tensor);
    if (!b) throw new Error(`no GPU buffer for tensor "${tensor}"`);
    return b;
  }

  destroy(): void {
    for (const b of this.owned) b.destroy();
  }
}
