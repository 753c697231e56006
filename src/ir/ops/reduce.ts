// The reduce op family: reductions, arg-reductions, normalizations over axes, scans (CumSum) and TopK.
// Attributes, traits and shape rules (see graph.ts AttrsByOp for where else an op goes).

import type { ShapeRules } from '../dims.ts';
import type { OpTraits } from '../op-kinds.ts';

// eslint-disable-next-line @typescript-eslint/no-empty-interface -- filled as the family grows
export interface ReduceAttrs {}

export const REDUCE_TRAITS = {} as const satisfies Record<keyof ReduceAttrs, OpTraits>;

export const REDUCE_SHAPES: ShapeRules<keyof ReduceAttrs> = {};
