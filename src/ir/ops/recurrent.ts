// The recurrent op family: recurrent networks (RNN, GRU, LSTM).
// Attributes, traits and shape rules (see graph.ts AttrsByOp for where else an op goes).

import type { ShapeRules } from '../dims.ts';
import type { OpTraits } from '../op-kinds.ts';

// eslint-disable-next-line @typescript-eslint/no-empty-interface -- filled as the family grows
export interface RecurrentAttrs {}

export const RECURRENT_TRAITS = {} as const satisfies Record<keyof RecurrentAttrs, OpTraits>;

export const RECURRENT_SHAPES: ShapeRules<keyof RecurrentAttrs> = {};
