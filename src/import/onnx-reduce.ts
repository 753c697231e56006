// ONNX converters of the reduce op family (ir/ops/reduce.ts).

import type { AxesReduceOp, LossAttrs } from '../ir/ops/reduce.ts';
import { tensor } from '../ir/tensor.ts';
import { node, simple, UnsupportedUse, type Converter, type ConvertContext } from './onnx-convert.ts';

/** ReduceSum took its axes as input 1 from opset 13; the other reductions from opset 18. */
const axesInputSince = (op: AxesReduceOp) => (op === 'ReduceSum' ? 13 : 18);

const reduce = (op: AxesReduceOp): Converter => (c) => {
  const keepdims = c.attrs.int('keepdims', 1) === 1;
  if (c.opset >= axesInputSince(op)) {
    return node(c, op, { keepdims, noopWithEmptyAxes: c.attrs.int('noop_with_empty_axes', 0) === 1 });
  }
  const axes = c.attrs.ints('axes');
  const inputs = axes ? [c.proto.input[0]!, c.constant('axes', tensor('int64', [axes.length], axes))] : [c.proto.input[0]!];
  return node(c, op, { keepdims, noopWithEmptyAxes: false }, inputs);
};

const argReduce = (op: 'ArgMax' | 'ArgMin'): Converter => (c) =>
  node(c, op, { axis: c.attrs.int('axis', 0), keepdims: c.attrs.int('keepdims', 1) === 1, selectLastIndex: c.attrs.int('select_last_index', 0) === 1 });

/** Before opset 13, the input was viewed as 2-D from `axis` (default 1) on; since, one axis (default −1). */
const axisSoftmax = (op: 'LogSoftmax' | 'Hardmax'): Converter => (c) =>
  c.opset >= 13 ? node(c, op, { axis: c.attrs.int('axis', -1), coerce2d: false }) : node(c, op, { axis: c.attrs.int('axis', 1), coerce2d: true });

/** The statistics are computed in float32 (stash_type 1); another precision is not offered. */
function float32Stash(c: ConvertContext): void {
  const stash = c.attrs.int('stash_type', 1);
  if (stash !== 1) throw new UnsupportedUse(`stash_type=${stash} (only 1, float32)`);
}

/** The attributes are the same at opsets 12 and 13 (13 only widened the types). */
function lossAttrs(c: ConvertContext): LossAttrs {
  const reduction = c.attrs.string('reduction', 'mean');
  if (reduction !== 'none' && reduction !== 'sum' && reduction !== 'mean') throw new UnsupportedUse(`reduction=${reduction} (ONNX allows none, sum, mean)`);
  return { reduction, ignoreIndex: c.attrs.has('ignore_index') ? c.attrs.int('ignore_index', 0) : null };
}

export const reduceConverters: Record<string, Converter> = {
  ReduceSum: reduce('ReduceSum'),
  ReduceMean: reduce('ReduceMean'),
  ReduceMax: reduce('ReduceMax'),
  ReduceMin: reduce('ReduceMin'),
  ReduceProd: reduce('ReduceProd'),
  ReduceL1: reduce('ReduceL1'),
  ReduceL2: reduce('ReduceL2'),
  ReduceLogSum: reduce('ReduceLogSum'),
  ReduceLogSumExp: reduce('ReduceLogSumExp'),
  ReduceSumSquare: reduce('ReduceSumSquare'),
  ArgMax: argReduce('ArgMax'),
  ArgMin: argReduce('ArgMin'),
  LogSoftmax: axisSoftmax('LogSoftmax'),
  Hardmax: axisSoftmax('Hardmax'),
  LayerNormalization: (c) => {
    float32Stash(c);
    return node(c, 'LayerNormalization', { axis: c.attrs.int('axis', -1), epsilon: c.attrs.float('epsilon', 1e-5) });
  },
  InstanceNormalization: (c) => node(c, 'InstanceNormalization', { epsilon: c.attrs.float('epsilon', 1e-5) }),
  GroupNormalization: (c) => {
    float32Stash(c);
    if (!c.attrs.has('num_groups')) throw new UnsupportedUse('no num_groups attribute');
    const affinePer = c.opset >= 21 ? 'channel' : 'group';
    return node(c, 'GroupNormalization', { epsilon: c.attrs.float('epsilon', 1e-5), numGroups: c.attrs.int('num_groups', 0), affinePer });
  },
  LpNormalization: (c) => {
    const p = c.attrs.int('p', 2);
    if (p !== 1 && p !== 2) throw new UnsupportedUse(`p=${p} (ONNX allows 1 or 2)`);
    return node(c, 'LpNormalization', { axis: c.attrs.int('axis', -1), p });
  },
  MeanVarianceNormalization: (c) => node(c, 'MeanVarianceNormalization', { axes: c.attrs.ints('axes') ?? [0, 2, 3] }),
  LRN: (c) => {
    if (!c.attrs.has('size')) throw new UnsupportedUse('no size attribute');
    const a = c.attrs;
    return node(c, 'LRN', { size: a.int('size', 0), alpha: a.float('alpha', 1e-4), beta: a.float('beta', 0.75), bias: a.float('bias', 1) });
  },
  CumSum: (c) => node(c, 'CumSum', { exclusive: c.attrs.int('exclusive', 0) === 1, reverse: c.attrs.int('reverse', 0) === 1 }),
  TopK: (c) => {
    const attrs = { axis: c.attrs.int('axis', -1), largest: c.attrs.int('largest', 1) === 1 };
    if (c.opset >= 10) return node(c, 'TopK', attrs);
    // Before opset 10, k was an attribute.
    if (!c.attrs.has('k')) throw new UnsupportedUse('no k attribute');
    const k = c.constant('k', tensor('int64', [1], [c.attrs.int('k', 0)]));
    return node(c, 'TopK', attrs, [c.proto.input[0]!, k]);
  },
  Det: simple('Det'),
  NegativeLogLikelihoodLoss: (c) => node(c, 'NegativeLogLikelihoodLoss', lossAttrs(c)),
  SoftmaxCrossEntropyLoss: (c) => node(c, 'SoftmaxCrossEntropyLoss', lossAttrs(c)),
};
