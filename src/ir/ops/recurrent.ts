// The recurrent op family: recurrent networks (RNN, GRU, LSTM).
// Attributes, traits and shape rules (see graph.ts AttrsByOp for where else an op goes).

import { UNKNOWN, type ShapeRule, type ShapeRules } from '../dims.ts';
import { CPU_FLOAT, type OpTraits } from '../op-kinds.ts';

/** The activation functions ONNX's recurrent ops name in `activations`. */
export const RECURRENT_ACTIVATIONS = [
  'Relu',
  'Tanh',
  'Sigmoid',
  'Affine',
  'LeakyRelu',
  'ThresholdedRelu',
  'ScaledTanh',
  'HardSigmoid',
  'Elu',
  'Softsign',
  'Softplus',
] as const;
export type RecurrentActivationName = (typeof RECURRENT_ACTIVATIONS)[number];

/** An activation with its alpha and beta resolved (0 where the function takes none). */
export interface RecurrentActivation {
  fn: RecurrentActivationName;
  alpha: number;
  beta: number;
}

export type RecurrentDirection = 'forward' | 'reverse' | 'bidirectional';

/**
 * What RNN, GRU and LSTM share. Inputs are ONNX's, in its order: X [seq, batch, input], W, R,
 * B?, sequence_lens?, initial_h? [dirs, batch, H], and for LSTM initial_c?, P?. Outputs Y
 * [seq, dirs, batch, H], Y_h [dirs, batch, H], and for LSTM Y_c. The IR form is seq-major only:
 * ONNX's layout=1 (batch-major) is transposed around the op at import.
 */
export interface RecurrentCommon {
  /** Null where the model leaves it to R's shape [dirs, gates·H, H]. */
  hiddenSize: number | null;
  direction: RecurrentDirection;
  /** Per direction (forward first), the gate activations in the op's order: LSTM f, g, h; GRU f, g; RNN f. */
  activations: RecurrentActivation[][];
  /** Gate pre-activations are clipped to [-clip, clip]; null for none. */
  clip: number | null;
}

export interface RecurrentAttrs {
  /** `inputForget` couples the gates: the forget gate is 1 − the input gate. */
  LSTM: RecurrentCommon & { inputForget: boolean };
  /** `linearBeforeReset`: the reset gate scales Ht-1·Rh^T + Rbh instead of Ht-1. */
  GRU: RecurrentCommon & { linearBeforeReset: boolean };
  RNN: RecurrentCommon;
}

export const RECURRENT_TRAITS = {
  LSTM: CPU_FLOAT,
  GRU: CPU_FLOAT,
  RNN: CPU_FLOAT,
} as const satisfies Record<keyof RecurrentAttrs, OpTraits>;

const recurrentShapes: ShapeRule<keyof RecurrentAttrs> = (node, x, inputs) => {
  const dirs = node.attrs.direction === 'bidirectional' ? 2 : 1;
  const hidden = node.attrs.hiddenSize ?? inputs.shape(2)?.[2] ?? UNKNOWN;
  const [seq, batch] = [x[0] ?? UNKNOWN, x[1] ?? UNKNOWN];
  const state = [dirs, batch, hidden];
  return [[seq, dirs, batch, hidden], state, ...(node.op === 'LSTM' ? [state] : [])];
};

export const RECURRENT_SHAPES: ShapeRules<keyof RecurrentAttrs> = {
  LSTM: recurrentShapes,
  GRU: recurrentShapes,
  RNN: recurrentShapes,
};
