// The window of a pooling kernel, resolved for an NHWC input shape: shared by the int8 and the
// fp32 pool kernels. A global pool is one window covering the whole image.

import { planAxis, type Window } from '../ir/spatial.ts';

export interface PoolWindow {
  out: [number, number];
  kernel: [number, number];
  strides: [number, number];
  dilations: [number, number];
  /** top, left, bottom, right, as resolved by planAxis (auto_pad, ceil mode). */
  pads: [number, number, number, number];
}

export function poolWindow(w: Window, inputShape: readonly number[]): PoolWindow {
  const py = planAxis(w, 0, inputShape[1]!);
  const px = planAxis(w, 1, inputShape[2]!);
  return {
    out: [py.out, px.out],
    kernel: w.kernel,
    strides: w.strides,
    dilations: w.dilations,
    pads: [py.padBefore, px.padBefore, py.padAfter, px.padAfter],
  };
}

export function globalWindow(inputShape: readonly number[]): PoolWindow {
  return { out: [1, 1], kernel: [inputShape[1]!, inputShape[2]!], strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0] };
}
