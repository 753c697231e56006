// The signal op family: signal processing: windows (Hann, Hamming, Blackman), DFT, STFT, MelWeightMatrix.
// Attributes, traits and shape rules (see graph.ts AttrsByOp for where else an op goes).

import { isNum, UNKNOWN, normAxis, type ShapeRule, type ShapeRules } from '../dims.ts';
import type { Dim } from '../graph.ts';
import { CPU_FLOAT, type OpTraits } from '../op-kinds.ts';
import type { CastType } from './elementwise.ts';

/** Input: size (a scalar). `dtype` is output_datatype: the window's values are cast to it as numpy's astype does. */
export interface WindowAttrs {
  periodic: boolean;
  dtype: CastType;
}

export interface SignalAttrs {
  HannWindow: WindowAttrs;
  HammingWindow: WindowAttrs;
  BlackmanWindow: WindowAttrs;
  /**
   * Inputs: x [..., 1 | 2] (real, or complex as (re, im) pairs), dft_length? (scalar). `axis` is
   * resolved at import (opset 20's axis input must be a constant). inverse with onesided is the
   * IRFFT: its output is real, [..., 1].
   */
  DFT: { axis: number; inverse: boolean; onesided: boolean };
  /** Inputs: signal [batch, length, 1 | 2], frame_step (scalar), window? [W], frame_length? (scalar). */
  STFT: { onesided: boolean };
  /** Inputs: num_mel_bins, dft_length, sample_rate, lower_edge_hertz, upper_edge_hertz (scalars). */
  MelWeightMatrix: { dtype: CastType };
}

export const SIGNAL_TRAITS = {
  HannWindow: CPU_FLOAT,
  HammingWindow: CPU_FLOAT,
  BlackmanWindow: CPU_FLOAT,
  DFT: CPU_FLOAT,
  STFT: CPU_FLOAT,
  MelWeightMatrix: CPU_FLOAT,
} as const satisfies Record<keyof SignalAttrs, OpTraits>;

const scalar = (values: number[] | undefined): Dim => (values?.length === 1 ? values[0]! : UNKNOWN);

const windowShape: ShapeRule<'HannWindow' | 'HammingWindow' | 'BlackmanWindow'> = (_node, _x, inputs) => [[scalar(inputs.values(0))]];

/** The transform length a DFT runs at: dft_length, else the axis' size (IRFFT: 2·(size − 1)). */
export function dftLength(given: number | undefined, axisSize: Dim, irfft: boolean): Dim {
  if (given !== undefined) return given;
  if (!irfft) return axisSize;
  return isNum(axisSize) ? 2 * (axisSize - 1) : UNKNOWN;
}

/** How many bins along the axis a transform of length n returns. */
const bins = (n: Dim, half: boolean): Dim => (!half ? n : isNum(n) ? Math.floor(n / 2) + 1 : UNKNOWN);

export const SIGNAL_SHAPES: ShapeRules<keyof SignalAttrs> = {
  HannWindow: windowShape,
  HammingWindow: windowShape,
  BlackmanWindow: windowShape,
  DFT: (node, x, inputs) => {
    const { inverse, onesided } = node.attrs;
    const axis = normAxis(node.attrs.axis, x.length);
    const irfft = inverse && onesided;
    const n = dftLength(inputs.values(1)?.[0], x[axis]!, irfft);
    const out = [...x];
    out[axis] = bins(n, onesided && !inverse);
    out[x.length - 1] = irfft ? 1 : 2;
    return [out];
  },
  STFT: (node, x, inputs) => {
    const step = scalar(inputs.values(1));
    const length = inputs.values(3)?.[0] ?? inputs.shape(2)?.[0] ?? x[1]!;
    const signal = x[1]!;
    const frames = isNum(signal) && isNum(length) && isNum(step) ? 1 + Math.floor((signal - length) / step) : UNKNOWN;
    return [[x[0]!, frames, bins(length, node.attrs.onesided), 2]];
  },
  MelWeightMatrix: (_node, _x, inputs) => [[bins(scalar(inputs.values(1)), true), scalar(inputs.values(0))]],
};
