// ONNX converters of the elementwise op family (ir/ops/elementwise.ts).

import type { Converter } from './onnx-convert.ts';

export const elementwiseConverters: Record<string, Converter> = {};
