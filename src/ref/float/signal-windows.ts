// Window functions and the mel filter bank, as ONNX's reference computes them (in float64, then
// cast to output_datatype).

import type { WindowAttrs } from '../../ir/ops/signal.ts';
import type { CastType } from '../../ir/ops/elementwise.ts';
import { tensor, type Tensor } from '../../ir/tensor.ts';
import { cast } from './cast.ts';

export type WindowKind = 'hann' | 'hamming' | 'blackman';

const SHAPES: Record<WindowKind, (angle: number) => number> = {
  hann: (a) => Math.sin(a / 2) ** 2,
  // ONNX takes alpha = 25/46 (not 0.54), the value that cancels the first sidelobe.
  hamming: (a) => 25 / 46 - (21 / 46) * Math.cos(a),
  blackman: (a) => 0.42 - 0.5 * Math.cos(a) + 0.08 * Math.cos(2 * a),
};

/** w[n] at angle 2πn/N, N = size (periodic) or size − 1 (symmetric). */
export function windowFunction(kind: WindowKind, size: number, { periodic, dtype }: WindowAttrs): Tensor {
  if (!Number.isSafeInteger(size) || size < 0) throw new RangeError(`window size ${size} is not a non-negative integer`);
  const period = periodic ? size : size - 1;
  const values = Array.from({ length: size }, (_, n) => SHAPES[kind]((2 * Math.PI * n) / period));
  return cast(tensor('float64', [size], values), dtype);
}

export interface MelInputs {
  melBins: number;
  dftLength: number;
  sampleRate: number;
  lowerHertz: number;
  upperHertz: number;
}

const toMel = (hertz: number) => 2595 * Math.log10(1 + hertz / 700);
const toHertz = (mel: number) => 700 * (10 ** (mel / 2595) - 1);

/**
 * [dft_length/2 + 1, num_mel_bins]: triangular filters between num_mel_bins + 2 points evenly
 * spaced in mel (the step divides the range by num_mel_bins + 2, as ONNX's reference does), each
 * point floored to a spectrogram bin.
 */
export function melWeightMatrix({ melBins, dftLength, sampleRate, lowerHertz, upperHertz }: MelInputs, dtype: CastType): Tensor {
  const spectrogramBins = Math.floor(dftLength / 2) + 1;
  const low = toMel(lowerHertz);
  const step = (toMel(upperHertz) - low) / (melBins + 2);
  const points = Array.from({ length: melBins + 2 }, (_, i) => Math.floor(((dftLength + 1) * toHertz(i * step + low)) / sampleRate));
  const out = tensor('float64', [spectrogramBins, melBins]);
  // An edge past the Nyquist frequency puts a filter's points beyond the last bin: those weights are dropped.
  const set = (bin: number, mel: number, v: number) => {
    if (bin >= 0 && bin < spectrogramBins) out.data[bin * melBins + mel] = v;
  };
  for (let m = 0; m < melBins; m++) {
    const [left, center, right] = [points[m]!, points[m + 1]!, points[m + 2]!];
    if (center === left) set(center, m, 1);
    else for (let j = left; j <= center; j++) set(j, m, (j - left) / (center - left));
    for (let j = center; j < right; j++) set(j, m, (right - j) / (right - center));
  }
  return cast(out, dtype);
}
