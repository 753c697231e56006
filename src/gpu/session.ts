// A session: an int8 program made ready on a device once (kernels planned, activation memory
// planned with reuse, weights uploaded, pipelines and bind groups built); run() writes the input,
// encodes every dispatch in one command encoder, submits once and reads the output back.
// Concurrent run() calls queue; each gets its own result.

import { DeviceLostError, InputError } from '../errors.ts';
import type { Tensor } from '../ir/tensor.ts';
import type { ConvVariantOption } from '../kernels/conv-variants.ts';
import { bindInputShapes } from '../passes/fix-inputs.ts';
import type { Int8Path } from '../kernels/shaders.ts';
import { planProgram, type ProgramPlan } from '../plan/plan.ts';
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
}

/** The float32 tensors a session reads and returns. */
export interface SessionIO {
  inputs: readonly { name: string }[];
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

  private constructor(
    private readonly io: SessionIO,
    private readonly program: GpuProgram,
    private readonly shapes: Map<string, number[]>,
    readonly info: SessionInfo,
  ) {
    // After a loss every call fails with DeviceLostError; a new device and session work again.
    // What the session held on the lost device is freed at once: nothing can use it again.
    void program.device.lost.then((info) => {
      this.lostReason = `${info.reason}${info.message ? `: ${info.message}` : ''}`;
      this.program.destroy();
    });
  }

  /** An int8 program on the GPU. */
  static async create(quantized: QuantizedModel, options: SessionOptions): Promise<Session> {
    const model = options.inputShapes ? { ...quantized, inputs: bindInputShapes(quantized.inputs, options.inputShapes) } : quantized;
    const batch = options.batch ?? 1;
    const wanted = options.convVariant ?? 'auto';
    const convVariant = wanted === 'auto' ? await autotuneConvs(model, batch, options.gpu, int8PathOf(options)) : () => wanted;
    return Session.fromPlan(model, planProgram(model, batch, { convVariant }), options);
  }

  /** Any planned program (int8, or the fp32 baseline) through the same runtime. */
  static async fromPlan(io: SessionIO, plan: ProgramPlan, options: SessionOptions): Promise<Session> {
    const int8Path = int8PathOf(options);
    const { specs, shapes, memory, constantBytes } = plan;
    const program = await GpuProgram.create(options.gpu.device, specs, memory, int8Path);
    return new Session(io, program, shapes, {
      int8Path,
      dispatches: program.dispatchCount,
      pipelines: program.pipelineCount,
      arenaBytes: memory.arenaBytes,
      activationBytes: memory.activationBytes,
      constantBytes,
    });
  }

  /** Runs one inference; calls made while another runs wait their turn. */
  run(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    return this.enqueue(async () => {
      this.writeInputs(feeds);
      return this.readOutputs(await this.program.run(this.io.outputs.map((o) => o.name)));
    });
  }

  /** One inference with per-kernel GPU times (timestamp queries). */
  profile(feeds: Record<string, Tensor>): Promise<SessionProfile> {
    return this.enqueue(async () => {
      this.writeInputs(feeds);
      const kernels = await this.program.profile();
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

  private writeInputs(feeds: Record<string, Tensor>): void {
    for (const input of this.io.inputs) {
      const t = feeds[input.name];
      const expected = this.shapes.get(input.name)!;
      if (!t) throw new InputError(`missing input "${input.name}" (expected float32 [${expected}])`);
      if (t.dtype !== 'float32' || t.shape.join() !== expected.join()) {
        throw new InputError(`input "${input.name}" is ${t.dtype} [${t.shape}], expected float32 [${expected}]`);
      }
      this.program.write(input.name, t.data as Float32Array);
    }
  }

  private readOutputs(read: Map<string, ArrayBuffer>): Record<string, Tensor> {
    return Object.fromEntries(
      this.io.outputs.map(({ name }) => {
        const shape = this.shapes.get(name)!;
        const count = shape.reduce((a, b) => a * b, 1);
        return [name, { dtype: 'float32', shape, data: new Float32Array(read.get(name)!, 0, count) } satisfies Tensor];
      }),
    );
  }

  destroy(): void {
    this.destroyed = true;
    this.program.destroy();
  }
}
