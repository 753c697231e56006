// ONNX converters of the reduce op family (ir/ops/reduce.ts).

import type { Converter } from './onnx-convert.ts';

export const reduceConverters: Record<string, Converter> = {};
