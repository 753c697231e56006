// Float reference kernels of the reduce op family (ir/ops/reduce.ts).

import type { AxesReduceOp, ReduceAttrs } from '../../ir/ops/reduce.ts';
import { need, values, type Kernel, type Kernels } from './kernel.ts';
import { argReduce, reduceAxes } from './reduce-axes.ts';
import { negativeLogLikelihood, softmaxCrossEntropy } from './reduce-loss.ts';
import { groupNorm, instanceNorm, layerNorm, lpNorm, lrn, meanVarianceNorm } from './reduce-norm.ts';
import { cumSum, det, topK } from './reduce-scan.ts';
import { hardmax, logSoftmax } from './reduce-softmax.ts';

const reduce = <Op extends AxesReduceOp>(op: Op): Kernel<Op> => (i, a) => [reduceAxes(op, need(i, 0), values(i[1]), a)];

export const reduceKernels: Kernels<keyof ReduceAttrs> = {
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
  ArgMax: (i, a) => [argReduce(need(i, 0), a, true)],
  ArgMin: (i, a) => [argReduce(need(i, 0), a, false)],
  LogSoftmax: (i, a) => [logSoftmax(need(i, 0), a)],
  Hardmax: (i, a) => [hardmax(need(i, 0), a)],
  LayerNormalization: (i, a) => layerNorm(need(i, 0), need(i, 1), i[2], a),
  InstanceNormalization: (i, a) => [instanceNorm(need(i, 0), need(i, 1), need(i, 2), a.epsilon)],
  GroupNormalization: (i, a) => [groupNorm(need(i, 0), need(i, 1), need(i, 2), a)],
  LpNormalization: (i, a) => [lpNorm(need(i, 0), a)],
  MeanVarianceNormalization: (i, a) => [meanVarianceNorm(need(i, 0), a.axes)],
  LRN: (i, a) => [lrn(need(i, 0), a)],
  CumSum: (i, a) => [cumSum(need(i, 0), need(i, 1).data[0]!, a)],
  TopK: (i, a) => topK(need(i, 0), need(i, 1).data[0]!, a),
  Det: (i) => [det(need(i, 0))],
  NegativeLogLikelihoodLoss: (i, a) => [negativeLogLikelihood(need(i, 0), need(i, 1), i[2], a)],
  SoftmaxCrossEntropyLoss: (i, a) => softmaxCrossEntropy(need(i, 0), need(i, 1), i[2], a),
};
