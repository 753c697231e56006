// Output sizes and effective padding of sliding-window ops (Conv, MaxPool, AveragePool), per ONNX.

import type { AutoPad } from './graph.ts';

export interface Window {
  kernel: [number, number];
  strides: [number, number];
  pads: [number, number, number, number];
  autoPad: AutoPad;
  dilations: [number, number];
  ceilMode?: boolean;
}

/** One spatial axis resolved: padding before/after and the output length. */
export interface AxisPlan {
  padBefore: number;
  padAfter: number;
  out: number;
}

export function planAxis(w: Window, axis: 0 | 1, inLen: number): AxisPlan {
  const k = w.kernel[axis];
  const s = w.strides[axis];
  const d = w.dilations[axis];
  const span = (k - 1) * d + 1;
  if (w.autoPad === 'SAME_UPPER' || w.autoPad === 'SAME_LOWER') {
    const out = Math.ceil(inLen / s);
    const total = Math.max(0, (out - 1) * s + span - inLen);
    const small = Math.floor(total / 2);
    const big = total - small;
    return w.autoPad === 'SAME_UPPER'
      ? { padBefore: small, padAfter: big, out }
      : { padBefore: big, padAfter: small, out };
  }
  const [padBefore, padAfter] = w.autoPad === 'VALID' ? [0, 0] : [w.pads[axis], w.pads[axis + 2]!];
  const room = inLen + padBefore + padAfter - span;
  if (room < 0) {
    throw new RangeError(`window of span ${span} does not fit input length ${inLen} with padding`);
  }
  let out = (w.ceilMode ? Math.ceil(room / s) : Math.floor(room / s)) + 1;
  // With ceil_mode the last window must still start inside the input or its leading padding.
  if (w.ceilMode && (out - 1) * s >= inLen + padBefore) out--;
  return { padBefore, padAfter, out };
}
