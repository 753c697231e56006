// A session: an int8 program made ready on a device once (kernels planned, activation memory
// planned with reuse, weights uploaded, pipelines and bind groups built); run() writes the input,
// encodes every dispatch in one command encoder, submits once and reads the output back.
// Concurrent run() calls queue; each gets its own result.

import { InputError } from '../errors.ts';
import type { Tensor } from '../ir/tensor.ts';
import { wordsFor } from '../kernels/pack.ts';
import { planStep } from '../kernels/registry.ts';
import type { Int8Path } from '../kernels/shaders.ts';
import type { KernelSpec } from '../kernels/spec.ts';
import { planMemory, type TensorUse } from '../plan/liveness.ts';
import { stepInputs, stepOutputs } from '../quant/q8-file.ts';
import type { QuantizedModel } from '../quant/program.ts';
import type { GpuContext } from './device.ts';
import { GpuProgram } from './program.ts';

export interface SessionOptions {
  gpu: GpuContext;
  /** Batch size the session is built for (symbolic batch dims take it). Default 1. */
  batch?: number;
  /** Force the emulated int8 path (for testing the fallback). Default: native when the adapter has dot4I8Packed. */
  int8Path?: Int8Path;
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

function tensorBytes(model: QuantizedModel, name: string, shape: readonly number[]): number {
  const info = model.tensors.get(name);
  const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const last = shape[shape.length - 1] ?? 1;
  return info?.dtype === 'int8' ? rows * wordsFor(last) * 4 : rows * last * 4;
}

export class Session {
  private queue: Promise<unknown> = Promise.resolve();

  private constructor(
    private readonly model: QuantizedModel,
    private readonly program: GpuProgram,
    private readonly shapes: Map<string, number[]>,
    readonly info: SessionInfo,
  ) {}

  static async create(model: QuantizedModel, options: SessionOptions): Promise<Session> {
    const batch = options.batch ?? 1;
    const int8Path = options.int8Path ?? (options.gpu.dot4I8Packed ? 'native' : 'emulated');
    const shapes = new Map<string, number[]>();
    for (const input of model.inputs) {
      shapes.set(input.name, input.shape.map((d, i) => {
        if (typeof d === 'number') return d;
        if (i === 0) return batch;
        throw new InputError(`input "${input.name}" has a symbolic dimension "${d}" other than the batch: the GPU session needs static shapes`);
      }));
    }
    const specs: KernelSpec[] = [];
    const uses = new Map<string, TensorUse>();
    const use = (name: string, step: number) => {
      const u = uses.get(name);
      if (u) u.last = Math.max(u.last, step);
    };
    for (const input of model.inputs) uses.set(input.name, { name: input.name, bytes: tensorBytes(model, input.name, shapes.get(input.name)!), first: -1, last: -1 });
    model.steps.forEach((step, index) => {
      const inputs = stepInputs(step).filter((n) => n !== '' && !model.constants.has(n));
      const planned = planStep(step, inputs.map((n) => shapes.get(n)!), model);
      for (const n of inputs) use(n, index);
      const [output] = stepOutputs(step);
      shapes.set(output!, planned.outputShape);
      const bytes = tensorBytes(model, output!, planned.outputShape);
      uses.set(output!, { name: output!, bytes, first: index, last: index, ...('alias' in planned ? { aliasOf: planned.alias } : {}) });
      if ('specs' in planned) specs.push(...planned.specs);
    });
    for (const o of model.outputs) use(o.name, Infinity);
    const memory = planMemory([...uses.values()]);
    const program = await GpuProgram.create(options.gpu.device, specs, memory, int8Path);
    const constantBytes = specs.flatMap((s) => s.storage).reduce((sum, b) => sum + ('data' in b ? b.data.byteLength : 0), 0);
    return new Session(model, program, shapes, {
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
    const result = this.queue.then(() => this.runNow(feeds));
    this.queue = result.catch(() => undefined);
    return result;
  }

  private async runNow(feeds: Record<string, Tensor>): Promise<Record<string, Tensor>> {
    for (const input of this.model.inputs) {
      const t = feeds[input.name];
      const expected = this.shapes.get(input.name)!;
      if (!t) throw new InputError(`missing input "${input.name}" (expected float32 [${expected}])`);
      if (t.dtype !== 'float32' || t.shape.join() !== expected.join()) {
        throw new InputError(`input "${input.name}" is ${t.dtype} [${t.shape}], expected float32 [${expected}]`);
      }
      this.program.write(input.name, t.data as Float32Array);
    }
    const names = this.model.outputs.map((o) => o.name);
    const read = await this.program.run(names);
    return Object.fromEntries(
      names.map((name) => {
        const shape = this.shapes.get(name)!;
        const count = shape.reduce((a, b) => a * b, 1);
        return [name, { dtype: 'float32', shape, data: new Float32Array(read.get(name)!, 0, count) } satisfies Tensor];
      }),
    );
  }

  destroy(): void {
    this.program.destroy();
  }
}
