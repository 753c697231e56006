// The whole GPU plan of an int8 program, without a GPU: static shapes for a batch size, one or
// more kernel specs per step (or an alias), and the activation memory plan.

import { InputError, nodeError } from '../errors.ts';
import { canFuseResidual, convKernel, type FusedResidual } from '../kernels/conv.ts';
import { convInputShape, im2colKernel, im2colSaves, pointwiseOverIm2col, type InputIm2col } from '../kernels/im2col.ts';
import { transposePerm } from '../kernels/layout.ts';
import { wordsFor } from '../kernels/pack.ts';
import { extraTensors, planStep, type PlannedStep, type StepOptions } from '../kernels/registry.ts';
import type { KernelSpec } from '../kernels/spec.ts';
import { stepInputs, stepOutputs } from '../quant/q8-file.ts';
import { int8Bytes } from '../kernels/packed-shape.ts';
import type { ConvStep, QuantizedModel, Step } from '../quant/program.ts';
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

/**
 * The Add right after conv step `index` that can run in the conv's epilogue: it is the only
 * reader of the conv's output (which is no model output), and adds it to another computed
 * tensor of the same shape. Needs a conv kernel that takes a residual (not the reference one).
 */
function fusableResidual(model: QuantizedModel, index: number, readerOf: (tensor: string) => number | undefined, shapes: Map<string, number[]>, outputShape: number[]): FusedResidual | undefined {
  const conv = model.steps[index] as ConvStep;
  const add = model.steps[index + 1];
  if (add?.op !== 'add' || readerOf(conv.output) !== index + 1) return undefined;
  const convOperand = add.inputs.indexOf(conv.output);
  if (convOperand < 0) return undefined;
  const other = add.inputs[1 - convOperand]!;
  if (other === conv.output || model.constants.has(other) || shapes.get(other)?.join() !== outputShape.join()) return undefined;
  return { add, tensor: other, convOperand: convOperand as 0 | 1 };
}

/**
 * A Quantize at step `index` whose only reader is a conv that im2colSaves, directly or through a
 * Transpose (src/kernels/im2col.ts), with the step indices of that Transpose and conv.
 */
function inputIm2col(model: QuantizedModel, index: number, readerOf: (tensor: string) => number | undefined, shapes: Map<string, number[]>): (InputIm2col & { transposeAt?: number; convAt: number }) | undefined {
  const quantize = model.steps[index];
  if (quantize?.op !== 'quantize' || shapes.get(quantize.input)?.length !== 4) return undefined;
  const floatShape = shapes.get(quantize.input)!;
  const stepAt = (i: number | undefined) => (i === undefined ? undefined : model.steps[i]);
  const readerAt = readerOf(quantize.output);
  const reader = stepAt(readerAt);
  if (reader?.op === 'layout' && reader.node.op === 'Transpose') {
    const convAt = readerOf(reader.node.outputs[0]!);
    const conv = stepAt(convAt);
    const perm = transposePerm(reader.node.attrs.perm, 4);
    const fusion = conv?.op === 'conv' ? { quantize, perm, conv, transposeAt: readerAt, convAt: convAt! } : undefined;
    return fusion && im2colSaves(fusion.conv, convInputShape(fusion, floatShape)) ? fusion : undefined;
  }
  return reader?.op === 'conv' && im2colSaves(reader, floatShape) ? { quantize, conv: reader, convAt: readerAt! } : undefined;
}

/** An input im2col's kernel, with its tensors' shapes and uses recorded; and the conv step to plan in place of the original. */
function planInputIm2col(model: QuantizedModel, im2col: InputIm2col, index: number, shapes: Map<string, number[]>, uses: Map<string, TensorUse>): { spec: KernelSpec; conv: ConvStep } {
  const { quantize, conv } = im2col;
  const floatShape = shapes.get(quantize.input)!;
  const name = `${conv.input}:im2col`;
  const info = model.tensors.get(quantize.output);
  if (info?.dtype !== 'int8') throw new Error(`quantize step "${quantize.name}": its output is not int8`);
  const { spec, outputShape } = im2colKernel(im2col, floatShape, info.qparams, name);
  uses.get(quantize.input)!.last = Math.max(uses.get(quantize.input)!.last, index);
  shapes.set(quantize.output, floatShape);
  shapes.set(conv.input, convInputShape(im2col, floatShape));
  shapes.set(name, outputShape);
  uses.set(name, { name, bytes: int8Bytes(outputShape), first: index, last: index });
  return { spec, conv: pointwiseOverIm2col(conv, name) };
}

export function planProgram(model: QuantizedModel, batch = 1, options: StepOptions = {}): ProgramPlan {
  const readers = new Map<string, number>();
  const lastReader = new Map<string, number>();
  model.steps.forEach((step, i) => {
    for (const n of stepInputs(step)) {
      readers.set(n, (readers.get(n) ?? 0) + 1);
      lastReader.set(n, i);
    }
  });
  const isRead = (tensor: string) => readers.has(tensor) || model.outputs.some((o) => o.name === tensor);
  /** The step index of a tensor's only reader, where it is no model output. */
  const onlyReader = (tensor: string) => (readers.get(tensor) === 1 && !model.outputs.some((o) => o.name === tensor) ? lastReader.get(tensor) : undefined);
  // Steps planned with an earlier one (a fused Add, the Transpose of an input im2col), skipped here.
  const skipped = new Set<number>();
  // Convs planned as a 1×1 over their input's im2col, by step index.
  const overIm2col = new Map<number, ConvStep>();
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
  model.steps.forEach((original, index) => {
    if (skipped.has(index)) return;
    const step = overIm2col.get(index) ?? original;
    const im2col = inputIm2col(model, index, onlyReader, shapes);
    if (im2col) {
      // One dispatch quantizes the input into the conv's im2col; a Transpose between them never runs.
      const { spec, conv } = planInputIm2col(model, im2col, index, shapes, uses);
      specs.push(spec);
      if (im2col.transposeAt !== undefined) skipped.add(im2col.transposeAt);
      overIm2col.set(im2col.convAt, conv);
      return;
    }
    const inputs = stepInputs(step).filter((n) => n !== '' && !model.constants.has(n));
    const planned = planChecked(step, inputs.map((n) => shapes.get(n)!), model, options);
    if (step.op === 'conv') {
      const x = shapes.get(inputs[0]!)!;
      const variant = options.convVariant?.(step, x);
      const residual = canFuseResidual(step, variant) ? fusableResidual(model, index, onlyReader, shapes, planned.outputShape) : undefined;
      if (residual) {
        // One dispatch writes the Add's output; the conv's own output never exists.
        specs.push(convKernel(step, x, variant, residual).spec);
        for (const n of [...inputs, residual.tensor]) uses.get(n)!.last = Math.max(uses.get(n)!.last, index);
        shapes.set(step.output, planned.outputShape);
        shapes.set(residual.add.output, planned.outputShape);
        const bytes = tensorBytes(model, residual.add.output, planned.outputShape);
        uses.set(residual.add.output, { name: residual.add.output, bytes, first: index, last: index });
        skipped.add(index + 1);
        return;
      }
    }
    for (const n of inputs) uses.get(n)!.last = Math.max(uses.get(n)!.last, index);
    const output = stepOutputs(step)[0]!;
    shapes.set(output, planned.outputShape);
    const bytes = tensorBytes(model, output, planned.outputShape);
    uses.set(output, { name: output, bytes, first: index, last: index, ...('alias' in planned ? { aliasOf: planned.alias } : {}) });
    if ('specs' in planned) specs.push(...planned.specs);
    const extras = extrasChecked(step, planned, isRead);
    for (const t of extras.temps) uses.set(t.name, { name: t.name, bytes: tensorBytes(model, t.name, t.shape), first: index, last: index });
    for (const { name, shape } of extras.outputs) {
      shapes.set(name, shape);
      uses.set(name, { name, bytes: tensorBytes(model, name, shape), first: index, last: index });
    }
  });
  for (const o of model.outputs) uses.get(o.name)!.last = Infinity;
  const constantBytes = specs.flatMap((s) => s.storage).reduce((sum, b) => sum + ('data' in b ? b.data.byteLength : 0), 0);
  return { specs, shapes, memory: planMemory([...uses.values()]), constantBytes };
}

/** extraTensors of a planned step, its errors naming the step. */
function extrasChecked(step: Step, planned: PlannedStep, read: (tensor: string) => boolean): ReturnType<typeof extraTensors> {
  try {
    return extraTensors(planned, stepOutputs(step), step.op === 'float' ? step.node.op : step.op, read);
  } catch (e) {
    throw nodeError(`${step.op} step "${step.name}"`, e);
  }
}

/** A step that cannot be planned on the shapes it receives: the program (a .q8 from elsewhere) is at fault, and says where. */
function planChecked(...args: Parameters<typeof planStep>): ReturnType<typeof planStep> {
  try {
    return planStep(...args);
  } catch (e) {
    throw nodeError(`${args[0].op} step "${args[0].name}"`, e);
  }
}
