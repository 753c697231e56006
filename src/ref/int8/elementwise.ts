// int8 Add (Q13), Mul (Q21), Concat (Q16), Clamp (Q18), tables (Q20), Quantize (Q14) and Dequantize (Q15).

import { allocData, tensor, type Tensor } from '../../ir/tensor.ts';
import { multiplyByQuantizedMultiplier } from '../../quant/fixed-point.ts';
import type { AddStep, ConcatStep, MulStep } from '../../quant/program.ts';
import { dequantizeValue, inverseScale, quantizeValue, type QParams } from '../../quant/qparams.ts';
import { broadcastOffsets, broadcastShapes } from '../float/broadcast.ts';
import { concat } from '../float/shape-ops.ts';

const clamp = (v: number, lo: number, hi: number) => (v < lo ? lo : v > hi ? hi : v);
const LEFT_SHIFT = 2 ** 20;

/** An elementwise int8 op of two broadcast tensors: `f` of their centred codes, then + z_out and the clamp. */
function broadcastInt8(a: Tensor, b: Tensor, step: AddStep | MulStep, f: (ca: number, cb: number) => number): Tensor {
  const shape = broadcastShapes(a.shape, b.shape);
  const out = tensor('int8', shape);
  const ao = broadcastOffsets(a.shape, shape);
  const bo = broadcastOffsets(b.shape, shape);
  const [za, zb] = step.zeroPoints;
  for (let i = 0; i < out.data.length; i++) out.data[i] = clamp(step.zeroPoint + f(a.data[ao[i]!]! - za, b.data[bo[i]!]! - zb), step.lo, step.hi);
  return out;
}

/** (Q13) */
export function addInt8(a: Tensor, b: Tensor, step: AddStep): Tensor {
  const [ma, mb] = step.multipliers;
  return broadcastInt8(a, b, step, (ca, cb) =>
    multiplyByQuantizedMultiplier(multiplyByQuantizedMultiplier(ca * LEFT_SHIFT, ma) + multiplyByQuantizedMultiplier(cb * LEFT_SHIFT, mb), step.outMultiplier),
  );
}

/** (Q21) q_out = clamp(z_out + MBQM((q_a − z_a)(q_b − z_b), M), lo, hi), broadcast. */
export function mulInt8(a: Tensor, b: Tensor, step: MulStep): Tensor {
  return broadcastInt8(a, b, step, (ca, cb) => multiplyByQuantizedMultiplier(ca * cb, step.multiplier));
}

export function concatInt8(inputs: Tensor[], step: ConcatStep): Tensor {
  const requantized = inputs.map((t, i) => {
    const r = step.requant[i];
    if (!r) return t;
    const data = allocData('int8', t.data.length);
    for (let j = 0; j < data.length; j++) {
      data[j] = clamp(step.zeroPoint + multiplyByQuantizedMultiplier(t.data[j]! - r.inputZeroPoint, r.multiplier), -128, 127);
    }
    return { ...t, data };
  });
  return concat(requantized, step.axis);
}

export function clampInt8(x: Tensor, lo: number, hi: number): Tensor {
  return { dtype: 'int8', shape: [...x.shape], data: Int8Array.from(x.data, (v) => clamp(v, lo, hi)) };
}

/** (Q20) Each code replaced by its table entry. */
export function lutInt8(x: Tensor, table: Int8Array): Tensor {
  return { dtype: 'int8', shape: [...x.shape], data: Int8Array.from(x.data, (v) => table[v + 128]!) };
}

export function quantizeTensor(x: Tensor, q: QParams): Tensor {
  const inverse = inverseScale(q);
  return { dtype: 'int8', shape: [...x.shape], data: Int8Array.from(x.data, (v) => quantizeValue(v, q, inverse)) };
}

export function dequantizeTensor(x: Tensor, q: QParams): Tensor {
  return { dtype: 'float32', shape: [...x.shape], data: Float32Array.from(x.data, (v) => dequantizeValue(v, q)) };
}
