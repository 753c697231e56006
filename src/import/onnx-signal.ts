// ONNX converters of the signal op family (ir/ops/signal.ts).

import type { CastType } from '../ir/ops/elementwise.ts';
import { node, UnsupportedUse, type Converter, type ConvertContext } from './onnx-convert.ts';

// The ONNX DataType codes an output_datatype may name, as the IR's cast targets.
const OUTPUT_TYPES: Record<number, CastType> = {
  1: 'float32', 2: 'uint8', 3: 'int8', 4: 'uint16', 5: 'int16', 6: 'int32', 7: 'int64', 10: 'float16', 11: 'float64', 12: 'uint32', 13: 'uint64',
};

function outputType(c: ConvertContext): CastType {
  const code = c.attrs.int('output_datatype', 1);
  const t = OUTPUT_TYPES[code];
  if (!t) throw new UnsupportedUse(`output_datatype ${code}`);
  return t;
}

function flag(c: ConvertContext, name: string, fallback: 0 | 1): boolean {
  const v = c.attrs.int(name, fallback);
  if (v !== 0 && v !== 1) throw new UnsupportedUse(`${name}=${v}`);
  return v === 1;
}

const window =
  (op: 'HannWindow' | 'HammingWindow' | 'BlackmanWindow'): Converter =>
  (c) =>
    node(c, op, { periodic: flag(c, 'periodic', 1), dtype: outputType(c) });

/** DFT-17 has an axis attribute (default 1); DFT-20 an optional axis input (default -2), here a constant. */
function dftAxis(c: ConvertContext): number {
  if (c.opset < 20) return c.attrs.int('axis', 1);
  if (!c.proto.input[2]) return -2;
  const axis = c.constantInput(2);
  if (!axis || axis.data.length !== 1) throw new UnsupportedUse('a computed axis input');
  return axis.data[0]!;
}

function dft(c: ConvertContext) {
  const inputs = c.proto.input.slice(0, 2);
  return node(c, 'DFT', { axis: dftAxis(c), inverse: flag(c, 'inverse', 0), onesided: flag(c, 'onesided', 0) }, inputs);
}

export const signalConverters: Record<string, Converter> = {
  HannWindow: window('HannWindow'),
  HammingWindow: window('HammingWindow'),
  BlackmanWindow: window('BlackmanWindow'),
  DFT: dft,
  STFT: (c) => node(c, 'STFT', { onesided: flag(c, 'onesided', 1) }),
  MelWeightMatrix: (c) => node(c, 'MelWeightMatrix', { dtype: outputType(c) }),
};
