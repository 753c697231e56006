// NegativeLogLikelihoodLoss and SoftmaxCrossEntropyLoss: scores [N, C, d1..dk] against class
// targets [N, d1..dk], each target picking its class's score along axis 1.

import type { LossAttrs } from '../../ir/ops/reduce.ts';
import { tensor, type Tensor } from '../../ir/tensor.ts';
import { logSoftmax } from './reduce-softmax.ts';

/** Each target's −weight·score, and that weight (0 for an ignored target). */
function weightedLosses(x: Tensor, target: Tensor, weight: Tensor | undefined, ignoreIndex: number | null) {
  if (x.shape.length < 2) throw new RangeError(`scores of rank ${x.shape.length}: need [N, C, d1..dk]`);
  const classes = x.shape[1]!;
  const inner = x.shape.slice(2).reduce((a, b) => a * b, 1);
  if (target.data.length !== x.shape[0]! * inner) throw new RangeError(`target [${target.shape}] does not match scores [${x.shape}]`);
  const losses = new Float64Array(target.data.length);
  const weights = new Float64Array(target.data.length);
  for (let t = 0; t < target.data.length; t++) {
    const cls = target.data[t]!;
    if (cls === ignoreIndex) continue;
    if (cls < 0 || cls >= classes) throw new RangeError(`target ${cls} out of range for ${classes} classes`);
    const w = weight ? weight.data[cls]! : 1;
    const n = Math.floor(t / inner);
    losses[t] = -w * x.data[(n * classes + cls) * inner + (t % inner)]!;
    weights[t] = w;
  }
  return { losses, weights };
}

const total = (a: Float64Array) => a.reduce((s, v) => s + v, 0);

export function negativeLogLikelihood(x: Tensor, target: Tensor, weight: Tensor | undefined, attrs: LossAttrs): Tensor {
  const { losses, weights } = weightedLosses(x, target, weight, attrs.ignoreIndex);
  if (attrs.reduction === 'none') return tensor(x.dtype, [...target.shape], losses);
  // The mean is over the weights actually applied, so ignored targets drop out of the divisor too.
  const sum = total(losses);
  return tensor(x.dtype, [], [attrs.reduction === 'sum' ? sum : sum / total(weights)]);
}

/** Outputs the loss and the log-softmax over the classes (the optional log_prob). */
export function softmaxCrossEntropy(x: Tensor, target: Tensor, weight: Tensor | undefined, attrs: LossAttrs): Tensor[] {
  const logProb = logSoftmax(x, { axis: 1, coerce2d: false });
  return [negativeLogLikelihood(logProb, target, weight, attrs), logProb];
}
