// ONNX converters of the signal op family (ir/ops/signal.ts).

import type { Converter } from './onnx-convert.ts';

export const signalConverters: Record<string, Converter> = {};
