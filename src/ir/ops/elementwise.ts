// The elementwise op family: unary math, binary arithmetic, comparisons, logic, casts and selection (Where).
// Attributes, traits and shape rules (see graph.ts AttrsByOp for where else an op goes).

import type { ShapeRules } from '../dims.ts';
import type { OpTraits } from '../op-kinds.ts';

// eslint-disable-next-line @typescript-eslint/no-empty-interface -- filled as the family grows
export interface ElementwiseAttrs {}

export const ELEMENTWISE_TRAITS = {} as const satisfies Record<keyof ElementwiseAttrs, OpTraits>;

export const ELEMENTWISE_SHAPES: ShapeRules<keyof ElementwiseAttrs> = {};
