// The whole GPU plan of an int8 program, without a GPU: static shapes for a batch size, one or
// more kernel specs per step (or an alias), and the activation memory plan.

import { InputError } from '../errors.ts';
import { nodeError } from '../ref/float/run.ts';
import { wordsFor } from '../kernels/pack.ts';
import { planStep, type StepOptions } from '../kernels/registry.ts';
import type { KernelSpec } from '../kernels/spec.ts';
import { stepInputs, stepOutputs } from '../quant/q8-file.ts';
import type { QuantizedModel } from '../quant/program.ts';
import { planMemory, type MemoryPlan, type TensorUse } from './liveness.ts';

export interface ProgramPlan {
  specs: KernelSpec[];
  shapes: Map<string, number[]>;
  memory: MemoryPlan;
  /** Bytes of weights, biases and multipliers the specs upload. */
  constantBytes: number;
}

/** Bytes of a tensor on the GPU: int8 packed four per u32 along the last dimension, float32 as is. */
export function tensorBytes(model: QuantizedModel, name: string, shape: readonly number[]): number {
  const rows = shape.slice(0, -1).reduce((a, b) => a * b, 1);
  const last = shape[shape.length - 1] ?? 1;
  return model.tensors.get(name)?.dtype === 'int8' ? rows * wordsFor(last) * 4 : rows * last * 4;
}

export function planProgram(model: QuantizedModel, batch = 1, options: StepOptions = {}): ProgramPlan {
  const shapes = new Map<string, number[]>();
  const uses = new Map<string, TensorUse>();
  for (const input of model.inputs) {
    const shape = input.shape.map((d, i) => {
      if (typeof d === 'number') return d;
      if (i === 0) return batch;
      throw new InputError(`input "${input.name}" has a symbolic dimension "${d}" other than the batch: the GPU plan needs static shapes`);
    });
    shapes.set(input.name, shape);
    uses.set(input.name, { name: input.name, bytes: tensorBytes(model, input.name, shape), first: -1, last: -1 });
  }
  const specs: KernelSpec[] = [];
  model.steps.forEach((step, index) => {
    const inputs = stepInputs(step).filter((n) => n !== '' && !model.constants.has(n));
    const planned = planChecked(step, inputs.map((n) => shapes.get(n)!), model, options);
    for (const n of inputs) uses.get(n)!.last = Math.max(uses.get(n)!.last, index);
    const output = stepOutputs(step)[0]!;
    shapes.set(output, planned.outputShape);
    const bytes = tensorBytes(model, output, planned.outputShape);
    uses.set(output, { name: output, bytes, first: index, last: index, ...('alias' in planned ? { aliasOf: planned.alias } : {}) });
    if ('specs' in planned) specs.push(...planned.specs);
  });
  for (const o of model.outputs) uses.get(o.name)!.last = Infinity;
  const constantBytes = specs.flatMap((s) => s.storage).reduce((sum, b) => sum + ('data' in b ? b.data.byteLength : 0), 0);
  return { specs, shapes, memory: planMemory([...uses.values()]), constantBytes };
}

/** A step that cannot be planned on the shapes it receives: the program (a .q8 from elsewhere) is at fault, and says where. */
function planChecked(...args: Parameters<typeof planStep>): ReturnType<typeof planStep> {
  try {
    return planStep(...args);
  } catch (e) {
    throw nodeError(`${args[0].op} step "${args[0].name}"`, e);
  }
}
