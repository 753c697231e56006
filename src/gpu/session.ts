// A session: an int8 program made ready on a device once (kernels planned, activation memory
// planned with reuse, weights uploaded, pipelines and bind groups built); run() writes the input,
// encodes every dispatch in one command encoder, submits once and reads the output back.
// Concurrent run() calls queue; each gets its own result.
//
// A dynamic session (Session.dynamic: a program whose inputs keep symbolic dims, e.g. a text
// encoder's [batch, sequence]) plans per input shape: a run with shapes it has not seen plans
// and builds a program for them, and the last PLAN_CACHE_SIZE programs are kept, least recently
// used evicted first (its buffers destroyed). Each plan holds its own buffers (SessionInfo.bufferBytes).

import { DeviceLostError, InputError } from '../errors.ts';
import type { DType, Tensor } from '../ir/tensor.ts';
import type { ConvVariantOption } from '../kernels/conv-variants.ts';
import { bindInputShapes } from '../passes/fix-inputs.ts';
import type { Int8Path } from '../kernels/shaders.ts';
import { planProgram, type ProgramPlan } from '../plan/plan.ts';
import { dynamicMathFor } from '../kernels/float/dynamic.ts';
import type { QuantizedModel } from '../quant/program.ts';
import { autotuneConvs } from './autotune.ts';
import type { GpuContext } from './device.ts';
import { GpuProgram, type KernelTiming } from './program.ts';

export interface SessionOptions {
  gpu: GpuContext;
  /** Batch size the session is built for (symbolic batch dims take it). Default 1. */
  batch?: number;
  /** Inputs' symbolic dims bound to numbers (e.g. x: [1, 3, 160, 448]), for a program with dims other than the batch. */
  inputShapes?: Readonly<Record<string, readonly number[]>>;
  /** Force the emulated int8 path (for testing the fallback). Default: native when the adapter has dot4I8Packed. */
  int8Path?: Int8Path;
  /**
   * The int8 conv kernel variant (src/kernels/conv-variants.ts): 'auto' (default) times the
   * candidates on each conv shape once per adapter (src/gpu/autotune.ts); a name forces that
   * variant on every conv that can run it (the rest run 'reference'). The profile's `shader`
   * names the kernel each conv ran.
   */
  convVariant?: ConvVariantOption;
}

export interface SessionInfo {
  int8Path: Int8Path;
  dispatches: number;
  pipelines: number;
  /** Activation memory with reuse, and what one buffer per tensor would take. */
  arenaBytes: number;
  activationBytes: number;
  /** Weights, biases and multipliers uploaded at creation. */
  constantBytes: number;
  /**
   * Every GPU buffer the plan holds, as allocated (each at least 16 bytes, rounded up to 16): the
   * activation slots, the constants and one uniform buffer per dispatch (readback buffers,
   * made on the first run, not included).
   */
  bufferBytes: number;
}

/** How many plans a dynamic session keeps (one per input shape), least recently used evicted first. */
export const PLAN_CACHE_SIZE = 4;

/** A program planned for a program's inputs at one set of shapes. */
export type ShapePlanner = (inputShapes: Readonly<Record<string, readonly number[]>>) => ProgramPlan;

interface Planned {
  key: string;
  program: GpuProgram;
  shapes: Map<string, number[]>;
  info: SessionInfo;
}

/** Bytes of the buffers GpuProgram.create allocates for `plan`. */
function bufferBytesOf(plan: ProgramPlan): number {
  const rounded = (bytes: number) => Math.max(16, Math.ceil(bytes / 16) * 16);
  let total = plan.memory.slotBytes.reduce((sum, b) => sum + rounded(b), 0);
  for (const spec of plan.specs) {
    total += rounded(spec.uniforms.byteLength);
    for (const b of spec.storage) if ('data' in b) total += rounded(b.data.byteLength);
  }
  return total;
}

/** The tensors a session reads (float32, or integer / bool ones of the declared dtype, carried as f32) and returns (float32). */
export interface SessionIO {
  inputs: readonly { name: string; dtype?: DType }[];
  outputs: readonly { name: string }[];
}

export interface SessionProfile {
  /** GPU time of each dispatch, from timestamp queries. */
  kernels: KernelTiming[];
  totalMs: number;
}

const int8PathOf = (options: SessionOptions): Int8Path => options.int8Path ?? (options.gpu.dot4I8Packed ? 'native' : 'emulated');

export class Session {
  private queue: Promise<unknown> = Promise.resolve();
  private lostReason: string | undefined;
  private destroyed = false;
  /** The programs by input shapes, least recently used first (one, for a session of static shapes). */
  private readonly plans = new Map<string, Planned>();
  private current: Planned | undefined;

  private constructor(
    private readonly io: SessionIO,
    private readonly device: GPUDevice,
    private readonly int8Path: Int8Path,
    first: Planned | undefined,
    private readonly planner?: ShapePlanner,
  ) {
    if (first) {
      this.plans.set(first.key, first);
      this.current = first;
    }
    // After a loss every call fails with DeviceLostError; a new device and session work again.
    // What the session held on the lost device is freed at once: nothing can use it again.
    void device.lost.then((info) => {
      this.lostReason = `${info.reason}${info.message ? `: ${info.message}` : ''}`;
      this.destroyPlans();
    });
  }

  /** The plan last run (a dynamic session has none before its first run). */
  get info(): SessionInfo {
    if (!this.current) throw new InputError('this dynamic session has planned no input shapes yet: run it first');
    return this.current.info;
  }

  /** The plans a dynamic session holds now, least recently used first: their input shapes and info. */
  get cachedPlans(): { shapes: Record<string, number[]>; info: SessionInfo }[] {
    return [...this.plans.values()].map((p) => ({ shapes: Object.fromEntries(this.io.inputs.map((i) => [i.name, p.shapes.get(i.name)!])), info: p.info }));
  }

  /** An int8 program on the GPU. */
  static async create(quantized: QuantizedModel, options: SessionOptions): Promise<Session> {
    const model = options.inputShapes ? { ...quantized, inputs: bindInputShapes(quantized.inputs, options.inputShapes) } : quantized;
    const batch = options.batch ?? 1;
    const wanted = options.convVariant ?? 'auto';
    const convVariant = wanted === 'auto' ? await autotuneConvs(model, batch, options.gpu, int8PathOf(options)) : () => wanted;
    return Session.fromPlan(model, planProgram(model, batch, { convVariant, dynamicMath: dynamicMathFor(options.gpu, wanted) }), options);
  }

  /** Any planned program (int8, or the fp32 baseline) through the same runtime. */
  static async fromPlan(io: SessionIO, plan: ProgramPlan, options: SessionOptions): Promise<Session> {
    const int8Path = int8PathOf(options);
    return new Session(io, options.gpu.device, int8Path, await Session.build(options.gpu.device, plan, int8Path, ''));
  }

  /**
   * A program whose inputs keep symbolic dims: planned by `planner` for the shapes of each run's
   * inputs, the last PLAN_CACHE_SIZE plans kept. Nothing is planned before the first run.
   */
  static dynamic(io: SessionIO, planner: ShapePlanner, options: SessionOptions): Session {
    return new Session(io, options.gpu.device, int8PathOf(options), undefined, planner);
  }

  private static async build(device: GPUDevice, plan: ProgramPlan, int8Path: Int8Path, key: string): Promise<Planned> {
    const { specs, shapes, memory, constantBytes } = plan;
    const program = await GpuProgram.create(device, specs, memory, int8Path);
    return {
      key,
      program,
      shapes,
      info: {
        int8Path,
        dispatches: program.dispatchCount,
        pipelines: program.pipelineCount,
        arenaBytes: memory.arenaBytes,
        activationBytes: memory.activationBytes,
        constantBytes,
        bufferBytes: bufferBytesOf(plan),
      },
    };
  }

  /**
   * The program for these feeds: the one plan of a static session (at once: nothing may run
   * between the loss check and the run, or a loss would free the program before the run makes
   * its readback buffers); a dynamic one's for the feeds' shapes, planned on a miss.
   */
  private planFor(feeds: Record<string, Tensor>): Planned | Promise<Planned> {
    return this.planner ? this.planDynamic(this.planner, feeds) : this.current!;
  }

  private async planDynamic(planner: ShapePlanner, feeds: Record<string, Tensor>): Promise<Planned> {
    const shapes: Record<string, number[]> = {};
    for (const input of this.io.inputs) {
      const t = feeds[input.name];
      if (!t) throw new InputError(`missing input "${input.name}" (a ${input.dtype ?? 'float32'} tensor)`);
      shapes[input.name] = [...t.shape];
    }
    const key = this.io.inputs.map((i) => shapes[i.name]!.join('x')).join(';');
    let planned = this.plans.get(key);
    if (planned) {
      this.plans.delete(key); // re-inserted below as the most recently used
    } else {
      planned = await Session.build(this.device, planner(shapes), this.int8Path, key);
      if (this.lostReason !== undefined) {
        planned.program.destroy(); // lost while it was built: the loss handler did not see it
        this.throwIfLost();
      }
      while (this.plans.size >= PLAN_CACHE_SIZE) {
        const [oldest] = this.plans.values();
        this.plans.delete(oldest!.key);
        oldest!.program.destroy();
      }
    }
    this.plans.set(key, planned);
    this.current = planned;
    return planned;
  }

  /** Runs one inference; calls made while another runs wait their turn. */
  run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    return this.enqueue(async () => {
      const next = this.planFor(feeds);
      const planned = next instanceof Promise ? await next : next;
      this.throwIfLost(); // a dynamic session awaited its plan: the device may have gone meanwhile
      this.writeInputs(planned, feeds);
      return this.readOutputs(planned, await planned.program.run(this.io.outputs.map((o) => o.name)));
    });
  }

  /** One inference with per-kernel GPU times (timestamp queries). */
  profile(feeds: Record<string, Tensor>): Promise<SessionProfile> {
    return this.enqueue(async () => {
      const next = this.planFor(feeds);
      const planned = next instanceof Promise ? await next : next;
      this.throwIfLost(); // a dynamic session awaited its plan: the device may have gone meanwhile
      this.writeInputs(planned, feeds);
      const kernels = await planned.program.profile();
      return { kernels, totalMs: kernels.reduce((s, k) => s + k.ms, 0) };
    });
  }

  private enqueue<T>(work: () => Promise<T>): Promise<T> {
    const result = this.queue.then(async () => {
      this.throwIfLost();
      if (this.destroyed) throw new InputError('this session was destroyed (destroy() frees its GPU buffers): create a new session');
      try {
        return await work();
      } catch (e) {
        // A loss rejects the pending mapAsync before device.lost resolves: let that settle first.
        await new Promise((resolve) => setTimeout(resolve, 0));
        this.throwIfLost(e);
        throw e;
      }
    });
    this.queue = result.catch(() => undefined);
    return result;
  }

  private throwIfLost(cause?: unknown): void {
    if (this.lostReason !== undefined) {
      throw new DeviceLostError(`the GPU device was lost (${this.lostReason}); create a new device and session`, { cause });
    }
  }

  private writeInputs(planned: Planned, feeds: Record<string, Tensor>): void {
    for (const input of this.io.inputs) {
      const t = feeds[input.name];
      const expected = planned.shapes.get(input.name)!;
      const dtype = input.dtype ?? 'float32';
      if (!t) throw new InputError(`missing input "${input.name}" (expected ${dtype} [${expected}])`);
      if (t.dtype !== dtype || t.shape.join() !== expected.join()) {
        throw new InputError(`input "${input.name}" is ${t.dtype} [${t.shape}], expected ${dtype} [${expected}]`);
      }
      // Integer and bool inputs (token ids, masks) as the f32 every GPU tensor is, exact below 2^24.
      if (t.data instanceof Float32Array) {
        planned.program.write(input.name, t.data);
        continue;
      }
      const big = t.data.find((v) => !(Math.abs(v) <= 2 ** 24));
      if (big !== undefined) throw new InputError(`input "${input.name}" holds ${big}, which the GPU's f32 does not hold exactly`);
      planned.program.write(input.name, Float32Array.from(t.data));
    }
  }

  private readOutputs(planned: Planned, read: Map<string, ArrayBuffer>): Record<string, Tensor> {
    return Object.fromEntries(
      this.io.outputs.map(({ name }) => {
        const shape = planned.shapes.get(name)!;
        const count = shape.reduce((a, b) => a * b, 1);
        return [name, { dtype: 'float32', shape, data: new Float32Array(read.get(name)!, 0, count) } satisfies Tensor];
      }),
    );
  }

  private destroyPlans(): void {
    for (const p of this.plans.values()) p.program.destroy();
    this.plans.clear();
  }

  destroy(): void {
    this.destroyed = true;
    this.destroyPlans();
  }
}
