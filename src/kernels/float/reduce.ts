// Reductions on float32 (reduce_f32): ReduceSum … ReduceLogSumExp over any set of axes (input 1,
// a constant), keepdims or not, and ArgMax / ArgMin along one axis; and the axis-normalizing ops
// Softmax, LogSoftmax and Hardmax (softmax_f32's MODE). An ArgMax's int64 indices are f32 on the
// GPU (exact below 2^24), as every integer tensor of the GPU float path is.

import type { Node } from '../../ir/graph.ts';
import { reducedAxes, reducedDims } from '../../ir/ops/reduce.ts';
import { sizeOf, stridesOf, type Tensor } from '../../ir/tensor.ts';
import type { PlannedKernel } from '../conv.ts';
import { innermostFirst } from '../packed-shape.ts';
import { dispatchFor, WORKGROUP_SIZE } from '../spec.ts';
import { uniformStruct } from '../uniforms.ts';

export const REDUCE_OPS = {
  ReduceSum: 0, ReduceMean: 1, ReduceMax: 2, ReduceMin: 3, ReduceProd: 4, ReduceL1: 5, ReduceL2: 6,
  ReduceSumSquare: 7, ReduceLogSum: 8, ReduceLogSumExp: 9, ArgMax: 10, ArgMin: 11,
} as const;
export type ReduceOpType = keyof typeof REDUCE_OPS;

export type ReducePlanned = PlannedKernel | { alias: string; outputShape: number[] };

/**
 * Uniforms (40 words): total, dispatch width, rank, reduced rank | count, select_last, 0, 0 |
 * output dims ×8 (keepdims, innermost first) | input stride of each output axis ×8 | reduced
 * dims ×8 | their input strides ×8. Override OP (REDUCE_OPS).
 */
export function reduceF32Kernel(node: Extract<Node, { op: ReduceOpType }>, inputShape: readonly number[], constants: ReadonlyMap<string, Tensor>): ReducePlanned {
  const rank = inputShape.length;
  let axes: number[];
  let keepdims: boolean;
  let selectLast = 0;
  if (node.op === 'ArgMax' || node.op === 'ArgMin') {
    const a = node.attrs.axis < 0 ? node.attrs.axis + rank : node.attrs.axis;
    if (a < 0 || a >= rank) throw new RangeError(`axis ${node.attrs.axis} is out of range for rank ${rank}`);
    axes = [a];
    keepdims = node.attrs.keepdims;
    selectLast = node.attrs.selectLastIndex ? 1 : 0;
  } else {
    const name = node.inputs[1] ?? '';
    const t = name === '' ? undefined : constants.get(name);
    if (name !== '' && !t) throw new RangeError(`its axes input "${name}" is not a constant`);
    const r = reducedAxes(t ? Array.from(t.data) : [], rank, node.attrs.noopWithEmptyAxes);
    if (!r) return { alias: node.inputs[0]!, outputShape: [...inputShape] };
    axes = r;
    keepdims = node.attrs.keepdims;
  }
  const count = sizeOf(axes.map((a) => inputShape[a]!));
  if (count === 0) throw new RangeError('it reduces an empty set (no GPU kernel for the empty reduction)');
  const kept = reducedDims(inputShape, axes, true, 1);
  const strides = stridesOf(inputShape);
  const what = `${node.op} "${node.name}"`;
  const total = sizeOf(kept);
  const { workgroups, width } = dispatchFor(total);
  return {
    spec: {
      label: node.name,
      shader: 'reduce_f32',
      constants: { WORKGROUP_SIZE, OP: REDUCE_OPS[node.op] },
      uniforms: uniformStruct({
        total, dispatch_width: width, rank, red_rank: axes.length,
        count, select_last: selectLast, _pad0: 0, _pad1: 0,
        out_shape: innermostFirst(kept, 1, what),
        out_strides: innermostFirst(strides.map((s, i) => (axes.includes(i) ? 0 : s)), 0, what),
        red_shape: innermostFirst(axes.map((a) => inputShape[a]!), 1, what),
        red_strides: innermostFirst(axes.map((a) => strides[a]!), 0, what),
      }),
      storage: [{ tensor: node.inputs[0]! }, { tensor: node.outputs[0]!, write: true }],
      workgroups,
    },
    outputShape: reducedDims(inputShape, axes, keepdims, 1),
  };
}

export const SOFTMAX_MODES = { Softmax: 0, LogSoftmax: 1, Hardmax: 2 } as const;

/** Softmax / LogSoftmax / Hardmax along an axis (coerce2d: every dim from it on). Uniforms: outer, len, inner, width. */
export function softmaxF32Kernel(node: Extract<Node, { op: keyof typeof SOFTMAX_MODES }>, inputShape: readonly number[]): PlannedKernel {
  const rank = inputShape.length;
  const axis = node.attrs.axis < 0 ? node.attrs.axis + rank : node.attrs.axis;
  if (axis < 0 || axis >= rank) throw new RangeError(`axis ${node.attrs.axis} is out of range for rank ${rank}`);
  const len = node.attrs.coerce2d ? sizeOf(inputShape.slice(axis)) : inputShape[axis]!;
  const inner = node.attrs.coerce2d ? 1 : sizeOf(inputShape.slice(axis + 1));
  const outer = sizeOf(inputShape.slice(0, axis));
  const { workgroups, width } = dispatchFor(outer * inner);
  return {
    spec: {
      label: node.name,
      shader: 'softmax_f32',
      constants: { WORKGROUP_SIZE, MODE: SOFTMAX_MODES[node.op] },
      uniforms: uniformStruct({ outer, len, inner, dispatch_width: width }),
      storage: [{ tensor: node.inputs[0]! }, { tensor: node.outputs[0]!, write: true }],
      workgroups,
    },
    outputShape: [...inputShape],
  };
}
