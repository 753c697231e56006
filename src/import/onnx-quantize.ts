// ONNX converters of the quantize op family (ir/ops/quantize.ts).

import type { Converter } from './onnx-convert.ts';

export const quantizeConverters: Record<string, Converter> = {};
