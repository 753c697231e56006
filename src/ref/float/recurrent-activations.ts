// The activation functions of ONNX's recurrent ops (RNN, GRU, LSTM `activations`).

import type { RecurrentActivation } from '../../ir/ops/recurrent.ts';

export type Activation = (x: number) => number;

export function activation({ fn, alpha, beta }: RecurrentActivation): Activation {
  switch (fn) {
    case 'Relu':
      return (x) => Math.max(0, x);
    case 'Tanh':
      return Math.tanh;
    case 'Sigmoid':
      return (x) => 1 / (1 + Math.exp(-x));
    case 'Affine':
      return (x) => alpha * x + beta;
    case 'LeakyRelu':
      return (x) => (x >= 0 ? x : alpha * x);
    case 'ThresholdedRelu':
      return (x) => (x > alpha ? x : 0);
    case 'ScaledTanh':
      return (x) => alpha * Math.tanh(beta * x);
    case 'HardSigmoid':
      return (x) => Math.min(Math.max(alpha * x + beta, 0), 1);
    case 'Elu':
      return (x) => (x >= 0 ? x : alpha * (Math.exp(x) - 1));
    case 'Softsign':
      return (x) => x / (1 + Math.abs(x));
    case 'Softplus':
      // log(1 + e^x) written so a large x does not overflow to Infinity.
      return (x) => Math.max(x, 0) + Math.log1p(Math.exp(-Math.abs(x)));
  }
}
