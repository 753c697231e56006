// ONNX converters of the recurrent op family (ir/ops/recurrent.ts).

import type { Converter } from './onnx-convert.ts';

export const recurrentConverters: Record<string, Converter> = {};
