// DFT and STFT as ONNX's reference (numpy.fft) computes them: a direct transform in float64 of
// each line along the axis, the signal cut or zero-padded to the transform length.

import type { SignalAttrs } from '../../ir/ops/signal.ts';
import { dftLength } from '../../ir/ops/signal.ts';
import { isNum } from '../../ir/dims.ts';
import { tensor, type Tensor } from '../../ir/tensor.ts';

/** A line of complex values. */
interface Line {
  re: Float64Array;
  im: Float64Array;
}

type Direction = 'forward' | 'inverse';

/**
 * The first `bins` values of the length-n transform of `x` (x cut or zero-padded to n). Angles
 * come from one table indexed by k·t mod n, so large k·t lose no precision.
 */
function transform(x: Line, n: number, bins: number, direction: Direction): Line {
  const cos = new Float64Array(n);
  const sin = new Float64Array(n);
  const sign = direction === 'forward' ? -1 : 1;
  for (let j = 0; j < n; j++) {
    cos[j] = Math.cos((2 * Math.PI * j) / n);
    sin[j] = sign * Math.sin((2 * Math.PI * j) / n);
  }
  const used = Math.min(n, x.re.length);
  const scale = direction === 'inverse' ? 1 / n : 1;
  const out: Line = { re: new Float64Array(bins), im: new Float64Array(bins) };
  for (let k = 0; k < bins; k++) {
    let re = 0;
    let im = 0;
    for (let t = 0; t < used; t++) {
      const j = (k * t) % n;
      re += x.re[t]! * cos[j]! - x.im[t]! * sin[j]!;
      im += x.re[t]! * sin[j]! + x.im[t]! * cos[j]!;
    }
    out.re[k] = re * scale;
    out.im[k] = im * scale;
  }
  return out;
}

/**
 * numpy's irfft: the half spectrum (its first floor(n/2)+1 values, zero-padded) extended by
 * conjugate symmetry to the full one, inverted, real part. The imaginary parts of the DC and
 * (even n) Nyquist bins cannot be those of a real signal's spectrum and are dropped, as numpy does.
 */
function inverseReal(x: Line, n: number): Float64Array {
  const half = Math.floor(n / 2) + 1;
  const full: Line = { re: new Float64Array(n), im: new Float64Array(n) };
  for (let k = 0; k < Math.min(half, x.re.length); k++) {
    full.re[k] = x.re[k]!;
    full.im[k] = k === 0 || 2 * k === n ? 0 : x.im[k]!;
  }
  for (let k = half; k < n; k++) {
    full.re[k] = full.re[n - k]!;
    full.im[k] = -full.im[n - k]!;
  }
  return transform(full, n, n, 'inverse').re;
}

export function dft(x: Tensor, dftLengthInput: number[] | undefined, attrs: SignalAttrs['DFT']): Tensor {
  const rank = x.shape.length;
  const axis = attrs.axis < 0 ? attrs.axis + rank : attrs.axis;
  if (axis < 0 || axis > rank - 2) throw new RangeError(`DFT axis ${attrs.axis} is not a signal axis of a rank-${rank} input`);
  const parts = x.shape[rank - 1]!;
  if (parts !== 1 && parts !== 2) throw new RangeError(`DFT input's last dim must be 1 (real) or 2 (complex), got ${parts}`);
  const irfft = attrs.inverse && attrs.onesided;
  const size = x.shape[axis]!;
  const n = dftLength(dftLengthInput?.[0], size, irfft);
  if (!isNum(n) || n < 1) throw new RangeError(`DFT length ${n} is not a positive integer`);
  const bins = attrs.onesided && !attrs.inverse ? Math.floor(n / 2) + 1 : n;
  const outParts = irfft ? 1 : 2;
  const outer = x.shape.slice(0, axis).reduce((a, b) => a * b, 1);
  const inner = x.shape.slice(axis + 1, rank - 1).reduce((a, b) => a * b, 1);
  const shape = [...x.shape];
  shape[axis] = bins;
  shape[rank - 1] = outParts;
  const out = tensor(x.dtype, shape);
  for (let o = 0; o < outer; o++) {
    for (let i = 0; i < inner; i++) {
      const at = (t: number, part: number) => ((o * size + t) * inner + i) * parts + part;
      const line: Line = { re: new Float64Array(size), im: new Float64Array(size) };
      for (let t = 0; t < size; t++) {
        line.re[t] = x.data[at(t, 0)]!;
        if (parts === 2) line.im[t] = x.data[at(t, 1)]!;
      }
      const put = (k: number, part: number, v: number) => (out.data[((o * bins + k) * inner + i) * outParts + part] = v);
      if (irfft) {
        inverseReal(line, n).forEach((v, k) => put(k, 0, v));
        continue;
      }
      const y = transform(line, n, bins, attrs.inverse ? 'inverse' : 'forward');
      for (let k = 0; k < bins; k++) {
        put(k, 0, y.re[k]!);
        put(k, 1, y.im[k]!);
      }
    }
  }
  return out;
}

export interface StftInputs {
  frameStep: number;
  window: number[] | undefined;
  frameLength: number | undefined;
}

/**
 * Frames of the signal [batch, length, 1 | 2] every frameStep samples, each (window-long, zero
 * beyond the signal's end) times the window, transformed at frame_length: [batch, frames, bins, 2].
 */
export function stft(x: Tensor, { frameStep, window, frameLength }: StftInputs, onesided: boolean): Tensor {
  if (x.shape.length !== 3) throw new RangeError(`STFT signal must be [batch, length, 1 | 2], got [${x.shape}]`);
  const [batch, length, parts] = x.shape as [number, number, number];
  const n = frameLength ?? window?.length ?? length;
  const weights = window ?? new Array<number>(n).fill(1);
  if (!(frameStep >= 1) || n < 1) throw new RangeError(`STFT frame_step ${frameStep} and frame_length ${n} must be positive`);
  const frames = 1 + Math.floor((length - n) / frameStep);
  const bins = onesided ? Math.floor(n / 2) + 1 : n;
  const out = tensor(x.dtype, [batch, Math.max(frames, 0), bins, 2]);
  for (let b = 0; b < batch; b++) {
    for (let f = 0; f < frames; f++) {
      const frame: Line = { re: new Float64Array(weights.length), im: new Float64Array(weights.length) };
      for (let t = 0; t < weights.length && f * frameStep + t < length; t++) {
        const at = (b * length + f * frameStep + t) * parts;
        frame.re[t] = x.data[at]! * weights[t]!;
        if (parts === 2) frame.im[t] = x.data[at + 1]! * weights[t]!;
      }
      const y = transform(frame, n, bins, 'forward');
      for (let k = 0; k < bins; k++) {
        out.data[((b * frames + f) * bins + k) * 2] = y.re[k]!;
        out.data[((b * frames + f) * bins + k) * 2 + 1] = y.im[k]!;
      }
    }
  }
  return out;
}
