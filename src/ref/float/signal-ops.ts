// Float reference kernels of the signal op family (ir/ops/signal.ts).

import type { SignalAttrs } from '../../ir/ops/signal.ts';
import { need, values, type Inputs, type Kernels } from './kernel.ts';
import { dft, stft } from './signal-dft.ts';
import { melWeightMatrix, windowFunction } from './signal-windows.ts';

/** Input i's one value (a scalar input); undefined when omitted. */
function scalar(inputs: Inputs, i: number): number | undefined {
  const v = values(inputs[i]);
  if (v && v.length !== 1) throw new RangeError(`input ${i} must be a scalar, got ${v.length} values`);
  return v?.[0];
}

const required = (inputs: Inputs, i: number): number => scalar([need(inputs, i)], 0)!;

export const signalKernels: Kernels<keyof SignalAttrs> = {
  HannWindow: (i, a) => [windowFunction('hann', required(i, 0), a)],
  HammingWindow: (i, a) => [windowFunction('hamming', required(i, 0), a)],
  BlackmanWindow: (i, a) => [windowFunction('blackman', required(i, 0), a)],
  DFT: (i, a) => [dft(need(i, 0), values(i[1]), a)],
  STFT: (i, a) => [stft(need(i, 0), { frameStep: required(i, 1), window: values(i[2]), frameLength: scalar(i, 3) }, a.onesided)],
  MelWeightMatrix: (i, a) => [
    melWeightMatrix(
      { melBins: required(i, 0), dftLength: required(i, 1), sampleRate: required(i, 2), lowerHertz: required(i, 3), upperHertz: required(i, 4) },
      a.dtype,
    ),
  ],
};
