// The quantize op family: explicit quantization ops run in float reference semantics: QuantizeLinear, DequantizeLinear, DynamicQuantizeLinear, ConvInteger, MatMulInteger, QLinearConv, QLinearMatMul.
// Attributes, traits and shape rules (see graph.ts AttrsByOp for where else an op goes).

import type { ShapeRules } from '../dims.ts';
import type { OpTraits } from '../op-kinds.ts';

// eslint-disable-next-line @typescript-eslint/no-empty-interface -- filled as the family grows
export interface QuantizeAttrs {}

export const QUANTIZE_TRAITS = {} as const satisfies Record<keyof QuantizeAttrs, OpTraits>;

export const QUANTIZE_SHAPES: ShapeRules<keyof QuantizeAttrs> = {};
