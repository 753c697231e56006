// The indexing op family: slicing, gathering, scattering, tiling, generating (Range, ConstantOfShape) and other index arithmetic.
// Attributes, traits and shape rules (see graph.ts AttrsByOp for where else an op goes).

import type { ShapeRules } from '../dims.ts';
import type { OpTraits } from '../op-kinds.ts';

// eslint-disable-next-line @typescript-eslint/no-empty-interface -- filled as the family grows
export interface IndexingAttrs {}

export const INDEXING_TRAITS = {} as const satisfies Record<keyof IndexingAttrs, OpTraits>;

export const INDEXING_SHAPES: ShapeRules<keyof IndexingAttrs> = {};
