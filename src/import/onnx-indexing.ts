// ONNX converters of the indexing op family (ir/ops/indexing.ts).

import type { Converter } from './onnx-convert.ts';

export const indexingConverters: Record<string, Converter> = {};
