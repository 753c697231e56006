// LogSoftmax and Hardmax: along one axis, or (opset < 13) over the input viewed as 2-D from `axis` on.

import type { AxisSoftmaxAttrs } from '../../ir/ops/reduce.ts';
import { allocData, type Tensor } from '../../ir/tensor.ts';
import { axisView } from './reduce-axes.ts';

/** Maps each line of values along the axis through `f`, back to the same positions. */
function perLine(x: Tensor, attrs: AxisSoftmaxAttrs, f: (line: number[]) => number[]): Tensor {
  const { outer, len, inner } = axisView(x.shape, attrs.axis, attrs.coerce2d);
  const out = allocData(x.dtype, x.data.length);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      const line = Array.from({ length: len }, (_, j) => x.data[base + j * inner]!);
      f(line).forEach((v, j) => (out[base + j * inner] = v));
    }
  }
  return { dtype: x.dtype, shape: [...x.shape], data: out };
}

// Spread into Math.max, a long line would overflow the call stack.
const maxOf = (line: number[]) => line.reduce((m, v) => Math.max(m, v), -Infinity);

export function logSoftmax(x: Tensor, attrs: AxisSoftmaxAttrs): Tensor {
  return perLine(x, attrs, (line) => {
    const max = maxOf(line);
    const logSum = Math.log(line.reduce((s, v) => s + Math.exp(v - max), 0));
    return line.map((v) => v - max - logSum);
  });
}

/** 1 at the first maximum of each line, 0 elsewhere. */
export function hardmax(x: Tensor, attrs: AxisSoftmaxAttrs): Tensor {
  return perLine(x, attrs, (line) => {
    const at = line.indexOf(maxOf(line));
    return line.map((_, j) => (j === at ? 1 : 0));
  });
}
