// Reductions over a set of axes (ReduceSum … ReduceLogSumExp) and along one axis (ArgMax, ArgMin), and
// the [outer, len, inner] view around an axis that the family's one-axis kernels share.

import { reducedAxes, reducedDims, type AxesReduceAttrs, type AxesReduceOp, type ArgReduceAttrs } from '../../ir/ops/reduce.ts';
import { allocData, isFloat, sizeOf, tensor, type Tensor } from '../../ir/tensor.ts';
import { broadcastOffsets } from './broadcast.ts';

/** How one reduction folds its values: from `init`, `step` per value, `finish` with the count. */
interface Fold {
  init: number;
  step: (acc: number, v: number) => number;
  finish: (acc: number, n: number) => number;
}

const sum = (a: number, v: number) => a + v;
const same = (a: number) => a;
const FOLDS: Record<Exclude<AxesReduceOp, 'ReduceLogSumExp'>, Fold> = {
  ReduceSum: { init: 0, step: sum, finish: same },
  ReduceMean: { init: 0, step: sum, finish: (a, n) => a / n },
  // Identities of the empty reduction, as ONNX gives them: −∞ for max, +∞ for min.
  ReduceMax: { init: -Infinity, step: (a, v) => (v > a || Number.isNaN(v) ? v : a), finish: same },
  ReduceMin: { init: Infinity, step: (a, v) => (v < a || Number.isNaN(v) ? v : a), finish: same },
  ReduceProd: { init: 1, step: (a, v) => a * v, finish: same },
  ReduceL1: { init: 0, step: (a, v) => a + Math.abs(v), finish: same },
  ReduceL2: { init: 0, step: (a, v) => a + v * v, finish: Math.sqrt },
  ReduceLogSum: { init: 0, step: sum, finish: Math.log },
  ReduceSumSquare: { init: 0, step: (a, v) => a + v * v, finish: same },
};

/** For every element of x, the flat index of the (keepdims-shaped) output it folds into. */
interface Plan {
  keptShape: number[];
  offsets: Int32Array;
  /** How many input elements fold into each output element. */
  count: number;
}

export function planReduction(shape: readonly number[], axes: readonly number[]): Plan {
  const keptShape = reducedDims(shape, axes, true, 1);
  return { keptShape, offsets: broadcastOffsets(keptShape, shape), count: sizeOf(axes.map((a) => shape[a]!)) };
}

function foldInto(x: Tensor, plan: Plan, fold: Fold): Float64Array {
  const acc = new Float64Array(sizeOf(plan.keptShape)).fill(fold.init);
  for (let i = 0; i < x.data.length; i++) acc[plan.offsets[i]!] = fold.step(acc[plan.offsets[i]!]!, x.data[i]!);
  return acc.map((a) => fold.finish(a, plan.count));
}

/** log Σ exp(v), with the running max taken out first so large values do not overflow. */
function logSumExp(x: Tensor, plan: Plan): Float64Array {
  const max = foldInto(x, plan, FOLDS.ReduceMax);
  const shift = (o: number) => (Number.isFinite(max[o]!) ? max[o]! : 0);
  const acc = new Float64Array(max.length);
  for (let i = 0; i < x.data.length; i++) {
    const o = plan.offsets[i]!;
    acc[o] = acc[o]! + Math.exp(x.data[i]! - shift(o));
  }
  return acc.map((a, o) => Math.log(a) + shift(o));
}

export function reduceAxes(op: AxesReduceOp, x: Tensor, axesInput: number[] | undefined, attrs: AxesReduceAttrs): Tensor {
  const axes = reducedAxes(axesInput ?? [], x.shape.length, attrs.noopWithEmptyAxes);
  if (!axes) return x;
  const plan = planReduction(x.shape, axes);
  const result = op === 'ReduceLogSumExp' ? logSumExp(x, plan) : foldInto(x, plan, FOLDS[op]);
  const out = allocData(x.dtype, result.length);
  // An integer mean rounds toward zero, as numpy's cast back to the input type does.
  out.set(isFloat(x.dtype) ? result : result.map(Math.trunc));
  return { dtype: x.dtype, shape: reducedDims(x.shape, axes, attrs.keepdims, 1), data: out };
}

/** The input as [outer, len, inner] around the axis; coerce2d folds every dim from it into len. */
export function axisView(shape: readonly number[], axis: number, coerce2d = false): { outer: number; len: number; inner: number } {
  const ax = axis < 0 ? axis + shape.length : axis;
  if (!(ax >= 0 && ax < shape.length)) throw new RangeError(`axis ${axis} is out of range for rank ${shape.length}`);
  return {
    outer: sizeOf(shape.slice(0, ax)),
    len: coerce2d ? sizeOf(shape.slice(ax)) : shape[ax]!,
    inner: coerce2d ? 1 : sizeOf(shape.slice(ax + 1)),
  };
}

/** The index of the max (or min) along `axis`: the first of equal extremes, or the last with selectLastIndex. */
export function argReduce(x: Tensor, attrs: ArgReduceAttrs, largest: boolean): Tensor {
  const { outer, len, inner } = axisView(x.shape, attrs.axis);
  const axis = attrs.axis < 0 ? attrs.axis + x.shape.length : attrs.axis;
  const better = (v: number, best: number) => (largest ? v > best : v < best) || (attrs.selectLastIndex && v === best);
  const out = tensor('int64', reducedDims(x.shape, [axis], attrs.keepdims, 1));
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const base = o * len * inner + i;
      let best = 0;
      for (let j = 1; j < len; j++) if (better(x.data[base + j * inner]!, x.data[base + best * inner]!)) best = j;
      out.data[o * inner + i] = best;
    }
  }
  return out;
}
