// What a .q8 header must hold for the int8 reference and the GPU planner to run it: every field a
// step reads, of the right kind and in range, and array lengths that agree with the shapes they
// declare. A file that fails here is refused with the path of the first bad field, before any
// kernel sees it.

import { ModelFormatError } from '../errors.ts';
import { floatKernels } from '../ref/float/ops.ts';
import { MAX_EXPONENT } from './fixed-point.ts';
import { MUL_MAX_EXPONENT } from './mul.ts';
import { LUT_SIZE } from './lut.ts';
import type { OutputStage, QuantizedModel } from './program.ts';

type Check = (v: unknown, path: string) => void;

const fail = (path: string, what: string): never => {
  throw new ModelFormatError(`.q8: ${path} ${what}`);
};

const integer = (lo: number, hi: number): Check => (v, path) => {
  if (!Number.isInteger(v) || (v as number) < lo || (v as number) > hi) fail(path, `should be an integer in [${lo}, ${hi}], found ${JSON.stringify(v)}`);
};
const int8 = integer(-128, 127);
/** Dims and window sizes: positive, and small enough that products stay exact. */
const positive = integer(1, 2 ** 31);
const nonNegative = integer(0, 2 ** 31);
const string: Check = (v, path) => typeof v === 'string' || fail(path, 'should be a string');
/** A tensor a step reads or writes: '' is only allowed in an IR node's list (an absent optional input). */
const tensorName: Check = (v, path) => (typeof v === 'string' && v !== '') || fail(path, 'should name a tensor');
const boolean: Check = (v, path) => typeof v === 'boolean' || fail(path, 'should be true or false');
const scale: Check = (v, path) => (typeof v === 'number' && Number.isFinite(v) && v > 0) || fail(path, `should be a finite positive scale, found ${JSON.stringify(v)}`);

function tuple(n: number, item: Check): Check {
  return (v, path) => {
    if (!Array.isArray(v) || v.length !== n) fail(path, `should be a list of ${n}`);
    (v as unknown[]).forEach((x, i) => item(x, `${path}[${i}]`));
  };
}

function list(item: Check): Check {
  return (v, path) => {
    if (!Array.isArray(v)) fail(path, 'should be a list');
    (v as unknown[]).forEach((x, i) => item(x, `${path}[${i}]`));
  };
}

function object(fields: Record<string, Check>): Check {
  return (v, path) => {
    if (!v || typeof v !== 'object' || Array.isArray(v)) fail(path, 'should be an object');
    for (const [k, check] of Object.entries(fields)) check((v as Record<string, unknown>)[k], `${path}.${k}`);
  };
}

const array = (Type: new (n: number) => ArrayLike<number>, name: string): Check => (v, path) => v instanceof Type || fail(path, `should be an ${name} array`);

/** (Q8): m0 in [0, 2^31); the shifts the output stage implements bound the exponent. */
const multiplier = object({ m0: integer(0, 2 ** 31 - 1), exponent: integer(-31, MAX_EXPONENT) });

const outputStage = object({ m0: array(Int32Array, 'int32'), exponent: array(Int32Array, 'int32'), zeroPoint: int8, lo: int8, hi: int8 });
const window = { strides: tuple(2, positive), pads: tuple(4, nonNegative), autoPad: string, dilations: tuple(2, positive) };
const io = { name: string, input: tensorName, output: tensorName };

const STEPS: Record<string, Check> = {
  conv: object({ ...io, weights: array(Int8Array, 'int8'), weightShape: tuple(4, positive), bias: array(Int32Array, 'int32'), inputZeroPoint: int8, geometry: object({ ...window, group: positive }), out: outputStage }),
  gemm: object({ ...io, weights: array(Int8Array, 'int8'), weightShape: tuple(2, positive), bias: array(Int32Array, 'int32'), inputZeroPoint: int8, out: outputStage }),
  add: object({ name: string, inputs: tuple(2, tensorName), output: tensorName, zeroPoints: tuple(2, int8), multipliers: tuple(2, multiplier), outMultiplier: multiplier, zeroPoint: int8, lo: int8, hi: int8 }),
  mul: object({ name: string, inputs: tuple(2, tensorName), output: tensorName, zeroPoints: tuple(2, int8), multiplier: object({ m0: integer(0, 2 ** 31 - 1), exponent: integer(-31, MUL_MAX_EXPONENT) }), zeroPoint: int8, lo: int8, hi: int8 }),
  concat: object({ name: string, inputs: list(tensorName), output: tensorName, axis: integer(-8, 8), requant: list((v, p) => v === null || object({ multiplier, inputZeroPoint: int8 })(v, p)), zeroPoint: int8 }),
  maxpool: object({ ...io, ...window, kernel: tuple(2, positive), ceilMode: boolean, countIncludePad: boolean, zeroPoint: int8 }),
  globalavgpool: object(io),
  clamp: object({ ...io, lo: int8, hi: int8 }),
  lut: object({ ...io, table: array(Int8Array, 'int8') }),
  layout: object({ name: string, node: object({ op: (v, p) => (typeof v === 'string' && v in floatKernels) || fail(p, `is not an op this engine knows (${JSON.stringify(v)})`), name: string, inputs: list(string), outputs: list(string), attrs: object({}) }) }),
  quantize: object(io),
};
STEPS.avgpool = STEPS.maxpool!;
STEPS.globalmaxpool = STEPS.globalavgpool!;
STEPS.dequantize = STEPS.quantize!;
STEPS.float = STEPS.layout!;

const dim: Check = (v, path) => (typeof v === 'string' ? undefined : positive(v, path));
const valueInfo = list(object({ name: string, shape: list(dim) }));
const INPUT_DTYPES = ['int64', 'int32', 'int8', 'uint8', 'bool'];
/** An input's dtype, where it is not float32 (token ids, masks). */
const inputDtype: Check = (v, path) => v === undefined || INPUT_DTYPES.includes(v as string) || fail(path, `should be one of ${INPUT_DTYPES.join(', ')} (or absent: float32), found ${JSON.stringify(v)}`);
const inputInfo = list(object({ name: string, shape: list(dim), dtype: inputDtype }));
const qparams = object({ scale, zeroPoint: int8 });

export function checkQ8Model(model: QuantizedModel): void {
  object({ name: string, inputs: inputInfo, outputs: valueInfo, steps: list(object({ op: string })) })(model, 'model');
  if (!(model.tensors instanceof Map) || !(model.constants instanceof Map)) fail('model', 'needs "tensors" and "constants" maps');
  for (const [name, info] of model.tensors) {
    const path = `model.tensors["${name}"]`;
    if (info?.dtype === 'int8') qparams(info.qparams, `${path}.qparams`);
    else if (info?.dtype !== 'float32') fail(path, 'should be an int8 or float32 tensor description');
  }
  model.steps.forEach((step, i) => {
    const path = `model.steps[${i}]`;
    const check = STEPS[step.op] ?? fail(`${path}.op`, `"${step.op}" is not a step this engine knows`);
    check(step, path);
    if (step.op === 'conv' || step.op === 'gemm') checkLinearSizes(step.weights, step.weightShape, step.bias, step.out, path);
    if (step.op === 'conv' && step.weightShape[0] % step.geometry.group !== 0) fail(`${path}.geometry.group`, `${step.geometry.group} does not divide ${step.weightShape[0]} output channels`);
    if (step.op === 'lut' && step.table.length !== LUT_SIZE) fail(`${path}.table`, `has ${step.table.length} entries, one per int8 code (${LUT_SIZE}) expected`);
    if (step.op === 'concat' && step.requant.length !== step.inputs.length) fail(`${path}.requant`, 'should have one entry per input');
    if ((step.op === 'layout' || step.op === 'float') && step.node.op === 'Transpose') checkPermutation(step.node.attrs.perm, `${path}.node.attrs.perm`);
  });
}

/** Array lengths must agree with the declared shape: a mismatch would read past an array's end. */
function checkLinearSizes(weights: Int8Array, shape: readonly number[], bias: Int32Array, out: OutputStage, path: string): void {
  const channels = shape[0]!;
  const count = shape.reduce((a, b) => a * b, 1);
  if (weights.length !== count) fail(`${path}.weights`, `has ${weights.length} values, but weightShape [${shape}] needs ${count}`);
  for (const [name, a] of [['bias', bias], ['out.m0', out.m0], ['out.exponent', out.exponent]] as const) {
    if (a.length !== channels) fail(`${path}.${name}`, `has ${a.length} values, one per output channel (${channels}) expected`);
  }
  if (out.channelHi !== undefined) checkChannelHi(out, channels, `${path}.out.channelHi`);
  for (let c = 0; c < channels; c++) {
    if (out.m0[c]! < 0 || out.exponent[c]! < -31 || out.exponent[c]! > MAX_EXPONENT) fail(`${path}.out`, `channel ${c} has multiplier (${out.m0[c]}, ${out.exponent[c]}) outside m0 ∈ [0, 2^31), exponent ∈ [-31, ${MAX_EXPONENT}]`);
  }
}

/** (Q12b): one int8 bound per output channel, within the stage's [lo, hi]. */
function checkChannelHi(out: OutputStage, channels: number, path: string): void {
  array(Int32Array, 'int32')(out.channelHi, path);
  const bounds = out.channelHi!;
  if (bounds.length !== channels) fail(path, `has ${bounds.length} values, one per output channel (${channels}) expected`);
  bounds.forEach((v, c) => integer(out.lo, out.hi)(v, `${path}[${c}]`));
}

function checkPermutation(perm: unknown, path: string): void {
  if (perm === null) return; // reverse the axes
  const ok = Array.isArray(perm) && perm.every((p) => Number.isInteger(p)) && [...perm].sort((a, b) => a - b).every((p, i) => p === i);
  if (!ok) fail(path, `should be a permutation of 0..rank-1, found ${JSON.stringify(perm)}`);
}
