// The int8 reference executor: runs a QuantizedModel step by step with integer-only arithmetic
// in every int8 step. It is the living specification the GPU kernels must match bit for bit.

import { InputError } from '../../errors.ts';
import { sizeOf, type Tensor } from '../../ir/tensor.ts';
import type { QuantizedModel, Step } from '../../quant/program.ts';
import type { QParams } from '../../quant/qparams.ts';
import { floatKernels } from '../float/ops.ts';
import { nodeError } from '../../errors.ts';
import { convInt8, gemmInt8 } from './conv.ts';
import { addInt8, clampInt8, concatInt8, dequantizeTensor, lutInt8, mulInt8, quantizeTensor } from './elementwise.ts';
import { globalPoolInt8, poolInt8 } from './pool.ts';

export interface Int8RunOptions {
  /** Called with every tensor a step produces (int8 tensors as int8). */
  observe?: (name: string, value: Tensor, step: Step) => void;
}

type Env = Map<string, Tensor>;

export function runInt8(model: QuantizedModel, feeds: Record<string, Tensor>, options: Int8RunOptions = {}): Record<string, Tensor> {
  const env: Env = new Map(model.constants);
  for (const input of model.inputs) {
    const value = feeds[input.name];
    // float32 unless the input says (token ids), or a program cut out of a larger one (withOutputs, per-step tests) starts at int8 tensors.
    const dtype = input.dtype ?? model.tensors.get(input.name)?.dtype ?? 'float32';
    if (!value) throw new InputError(`missing input "${input.name}" (expected ${dtype} [${input.shape}])`);
    const ok = value.shape.length === input.shape.length && input.shape.every((d, i) => typeof d === 'string' || d === value.shape[i]);
    if (!ok || value.dtype !== dtype) throw new InputError(`input "${input.name}" is ${value.dtype} [${value.shape}], expected ${dtype} [${input.shape}]`);
    if (value.data.length !== sizeOf(value.shape)) throw new InputError(`input "${input.name}" has ${value.data.length} values for shape [${value.shape}]`);
    env.set(input.name, value);
  }
  for (const step of model.steps) {
    let produced: [string, Tensor][];
    try {
      produced = runStep(model, step, env);
    } catch (e) {
      throw nodeError(`int8 step ${step.op} "${step.name}"`, e);
    }
    for (const [name, value] of produced) {
      env.set(name, value);
      options.observe?.(name, value, step);
    }
  }
  return Object.fromEntries(model.outputs.map((o) => [o.name, env.get(o.name)!]));
}

function get(env: Env, name: string): Tensor {
  const t = env.get(name);
  if (!t) throw new Error(`tensor "${name}" is not computed yet`);
  return t;
}

function qparams(model: QuantizedModel, name: string): QParams {
  const info = model.tensors.get(name);
  if (info?.dtype !== 'int8') throw new Error(`tensor "${name}" is not int8`);
  return info.qparams;
}

function runStep(model: QuantizedModel, step: Step, env: Env): [string, Tensor][] {
  switch (step.op) {
    case 'conv':
      return [[step.output, convInt8(get(env, step.input), step)]];
    case 'gemm':
      return [[step.output, gemmInt8(get(env, step.input), step)]];
    case 'add':
      return [[step.output, addInt8(get(env, step.inputs[0]), get(env, step.inputs[1]), step)]];
    case 'mul':
      return [[step.output, mulInt8(get(env, step.inputs[0]), get(env, step.inputs[1]), step)]];
    case 'concat':
      return [[step.output, concatInt8(step.inputs.map((i) => get(env, i)), step)]];
    case 'maxpool':
    case 'avgpool':
      return [[step.output, poolInt8(get(env, step.input), step)]];
    case 'globalavgpool':
    case 'globalmaxpool':
      return [[step.output, globalPoolInt8(get(env, step.input), step.op === 'globalavgpool' ? 'avg' : 'max')]];
    case 'clamp':
      return [[step.output, clampInt8(get(env, step.input), step.lo, step.hi)]];
    case 'lut':
      return [[step.output, lutInt8(get(env, step.input), step.table)]];
    case 'quantize':
      return [[step.output, quantizeTensor(get(env, step.input), qparams(model, step.output))]];
    case 'dequantize':
      return [[step.output, dequantizeTensor(get(env, step.input), qparams(model, step.input))]];
    case 'layout':
    case 'float': {
      // Layout ops move values whatever their dtype; float ops are the float reference's kernels.
      const node = step.node;
      const inputs = node.inputs.map((i) => (i === '' ? undefined : get(env, i)));
      const outputs = (floatKernels[node.op] as (i: typeof inputs, a: typeof node.attrs) => Tensor[])(inputs, node.attrs);
      return node.outputs.flatMap((name, i) => (name !== '' && outputs[i] ? [[name, outputs[i]] as [string, Tensor]] : []));
    }
  }
}
