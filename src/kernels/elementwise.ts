// Elementwise steps → kernels: Quantize (Q14), Dequantize (Q15), int8 Add (Q13) with numpy
// broadcasting, a standalone int8 Clamp (Q18), and the float32 Softmax. Pure functions of
// (step, input shapes[, qparams]), like convKernel.

import type { FloatStep, AddStep, ClampStep, DequantizeStep, LutStep, MulStep, QuantizeStep } from '../quant/program.ts';
import { inverseScale, type QParams } from '../quant/qparams.ts';
import { broadcastShapes } from '../ref/float/broadcast.ts';
import { sizeOf } from '../ir/tensor.ts';
import type { PlannedKernel } from './conv.ts';
import { wordsFor } from './pack.ts';
import { channelsOf, f32Bits, innermostFirst, rowsOf } from './packed-shape.ts';
import { dispatchFor, WORKGROUP_SIZE } from './spec.ts';
import { uniformStruct } from './uniforms.ts';

/**
 * (Q14) float32 [..., C] → int8 [..., C] packed. `qparams` are the output tensor's
 * (model.tensors.get(step.output)); 1/s is rounded to float32 here, as quantizeTensor does.
 *
 * Uniforms (8 words): rows, C, ceil(C/4), dispatch width | inverse scale (f32 bits), z, 0, 0.
 */
export function quantizeKernel(step: QuantizeStep, inputShape: readonly number[], qparams: QParams): PlannedKernel {
  return conversionKernel(step, 'quantize_f32', inputShape, inverseScale(qparams), qparams.zeroPoint);
}

/**
 * (Q15) int8 [..., C] packed → float32 [..., C]. `qparams` are the input tensor's.
 *
 * Uniforms (8 words): rows, C, ceil(C/4), dispatch width | scale (f32 bits), z, 0, 0.
 */
export function dequantizeKernel(step: DequantizeStep, inputShape: readonly number[], qparams: QParams): PlannedKernel {
  return conversionKernel(step, 'dequantize_int8', inputShape, Math.fround(qparams.scale), qparams.zeroPoint);
}

/** Quantize and dequantize: one invocation per packed word of a row, a float32 factor and z. */
function conversionKernel(step: QuantizeStep | DequantizeStep, shader: 'quantize_f32' | 'dequantize_int8', inputShape: readonly number[], factor: number, zeroPoint: number): PlannedKernel {
  const rows = rowsOf(inputShape);
  const channels = channelsOf(inputShape);
  const words = wordsFor(channels);
  const { workgroups, width } = dispatchFor(rows * words);
  return {
    spec: {
      label: step.name,
      shader,
      constants: { WORKGROUP_SIZE },
      // The quantize struct holds 1/scale, the dequantize struct the scale.
      uniforms: uniformStruct({ rows, channels, words, dispatch_width: width, [shader === 'quantize_f32' ? 'inverse_scale' : 'scale']: f32Bits(factor), zero_point: zeroPoint, _pad0: 0, _pad1: 0 }),
      storage: [{ tensor: step.input }, { tensor: step.output, write: true }],
      workgroups,
    },
    outputShape: [...inputShape],
  };
}

/**
 * (Q13) Add and (Q21) Mul with numpy broadcasting: any two shapes that broadcast, as long as each
 * operand's last dimension is the output's or 1 (which broadcasting implies) and the output rank
 * is ≤ 9. One shader, binary_int8, whose MUL override picks the arithmetic.
 *
 * Uniforms (48 words): rows, C, ceil(C/4), dispatch width | leading rank, a words per row,
 * b words per row, 0 | a lane-broadcast, b lane-broadcast, z_a, z_b | M0_a, e_a, M0_b, e_b |
 * M0_out, e_out, z_out, lo | hi, 0, 0, 0 | leading output dims ×8 (innermost first, 1-padded) |
 * a row strides ×8 | b row strides ×8 (0 along broadcast dimensions). Mul's multiplier sits in
 * M0_a, e_a; the rest of the multipliers are 0.
 * Overrides: BROADCAST = 0 when both operands have the output's shape; MUL.
 */
export function binaryKernel(step: AddStep | MulStep, aShape: readonly number[], bShape: readonly number[]): PlannedKernel {
  const outputShape = broadcastShapes(aShape, bShape);
  const out = outputShape.length === 0 ? [1] : outputShape;
  const channels = channelsOf(out);
  const words = wordsFor(channels);
  const rows = rowsOf(out);
  const lead = out.slice(0, -1);
  const operand = (shape: readonly number[]) => {
    const aligned = [...new Array<number>(out.length - shape.length).fill(1), ...shape];
    const c = channelsOf(aligned);
    const dims = aligned.slice(0, -1);
    const strides = dims.map((d, i) => (d === 1 ? 0 : sizeOf(dims.slice(i + 1))));
    return { same: aligned.every((d, i) => d === out[i]), broadcastLanes: c === 1 && channels !== 1 ? 1 : 0, words: wordsFor(c), strides };
  };
  const a = operand(aShape);
  const b = operand(bShape);
  const none = { m0: 0, exponent: 0 };
  const [ma, mb, mOut] = step.op === 'add' ? [...step.multipliers, step.outMultiplier] : [step.multiplier, none, none];
  const { workgroups, width } = dispatchFor(rows * words);
  const uniforms = uniformStruct({
    rows, channels, words, dispatch_width: width,
    lead_rank: lead.length, a_words: a.words, b_words: b.words, _pad0: 0,
    a_broadcast_lanes: a.broadcastLanes, b_broadcast_lanes: b.broadcastLanes, a_zero: step.zeroPoints[0], b_zero: step.zeroPoints[1],
    a_m0: ma.m0, a_exponent: ma.exponent, b_m0: mb.m0, b_exponent: mb.exponent,
    out_m0: mOut.m0, out_exponent: mOut.exponent, out_zero: step.zeroPoint, lo: step.lo,
    hi: step.hi, _pad1: 0, _pad2: 0, _pad3: 0,
    lead_shape: innermostFirst(lead, 1, `${step.op} "${step.name}"`),
    a_row_strides: innermostFirst(a.strides, 0, `${step.op} "${step.name}"`),
    b_row_strides: innermostFirst(b.strides, 0, `${step.op} "${step.name}"`),
  });
  return {
    spec: {
      label: step.name,
      shader: 'binary_int8',
      constants: { WORKGROUP_SIZE, BROADCAST: a.same && b.same ? 0 : 1, MUL: step.op === 'mul' ? 1 : 0 },
      uniforms,
      storage: [{ tensor: step.inputs[0] }, { tensor: step.inputs[1] }, { tensor: step.output, write: true }],
      workgroups,
    },
    outputShape,
  };
}

/**
 * (Q18) q clamped to [lo, hi], word by word.
 *
 * Uniforms (4 words): total words, dispatch width, lo, hi.
 */
export function clampKernel(step: ClampStep, inputShape: readonly number[]): PlannedKernel {
  const total = rowsOf(inputShape) * wordsFor(channelsOf(inputShape));
  const { workgroups, width } = dispatchFor(total);
  return {
    spec: {
      label: step.name,
      shader: 'clamp_int8',
      constants: { WORKGROUP_SIZE },
      uniforms: uniformStruct({ total_words: total, dispatch_width: width, lo: step.lo, hi: step.hi }),
      storage: [{ tensor: step.input }, { tensor: step.output, write: true }],
      workgroups,
    },
    outputShape: [...inputShape],
  };
}

/**
 * (Q20) Each code looked up in the step's 256-entry table, word by word.
 *
 * Uniforms (4 words): total words, dispatch width, 0, 0. The table is storage data, one i32 per entry.
 */
export function lutKernel(step: LutStep, inputShape: readonly number[]): PlannedKernel {
  const total = rowsOf(inputShape) * wordsFor(channelsOf(inputShape));
  const { workgroups, width } = dispatchFor(total);
  return {
    spec: {
      label: step.name,
      shader: 'lut_int8',
      constants: { WORKGROUP_SIZE },
      uniforms: uniformStruct({ total_words: total, dispatch_width: width, _pad0: 0, _pad1: 0 }),
      storage: [{ tensor: step.input }, { data: Int32Array.from(step.table), label: `${step.name}/table` }, { tensor: step.output, write: true }],
      workgroups,
    },
    outputShape: [...inputShape],
  };
}

/**
 * Softmax on float32 (a FloatStep whose node is Softmax), with the float reference's axis and
 * opset < 13 `coerce2d` semantics: the data is [outer, len, inner], softmax over len.
 *
 * Uniforms (4 words): outer, len, inner, dispatch width.
 */
export function softmaxKernel(step: FloatStep, inputShape: readonly number[]): PlannedKernel {
  const node = step.node;
  if (node.op !== 'Softmax') throw new Error(`softmaxKernel: step "${step.name}" is a ${node.op}, not a Softmax`);
  const rank = inputShape.length;
  const axis = node.attrs.axis < 0 ? node.attrs.axis + rank : node.attrs.axis;
  if (axis < 0 || axis >= rank) throw new RangeError(`softmax "${step.name}": axis ${node.attrs.axis} is out of range for rank ${rank}`);
  const len = node.attrs.coerce2d ? sizeOf(inputShape.slice(axis)) : inputShape[axis]!;
  const inner = node.attrs.coerce2d ? 1 : sizeOf(inputShape.slice(axis + 1));
  const outer = sizeOf(inputShape.slice(0, axis));
  const { workgroups, width } = dispatchFor(outer * inner);
  return {
    spec: {
      label: step.name,
      shader: 'softmax_f32',
      constants: { WORKGROUP_SIZE },
      uniforms: uniformStruct({ outer, len, inner, dispatch_width: width }),
      storage: [{ tensor: node.inputs[0]! }, { tensor: node.outputs[0]!, write: true }],
      workgroups,
    },
    outputShape: [...inputShape],
  };
}
