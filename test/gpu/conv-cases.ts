// Random int8 conv steps with their inputs, shared by the conv kernel tests: regular, depthwise
// (with channel multipliers), grouped and pointwise; 1×1 to 7×7, strides, dilation, padding,
// odd channel counts, batch 1–2.
import { tensor, type Tensor } from '../../src/ir/tensor.ts';
import { quantizeMultiplier } from '../../src/quant/fixed-point.ts';
import type { ConvStep } from '../../src/quant/program.ts';
import { uniform } from '../helpers/random.ts';

export type ConvCaseKind = 'regular' | 'depthwise' | 'grouped' | 'pointwise';
const KINDS: ConvCaseKind[] = ['regular', 'depthwise', 'grouped', 'pointwise'];

/** A random conv step: geometry, int8 weights, folded bias, per-channel multipliers, clamp. */
/**
 * `wide`: dense convs past one 64 × 64 tile of conv2d_int8_tiled and its 8-word K steps (up to 80
 * input channels, 150 output channels, 20 × 20 pixels); otherwise small ones of every kind.
 */
export function randomConv(seed: number, only?: ConvCaseKind, name = `conv_${seed}`, wide = false): { step: ConvStep; input: Tensor } {
  const next = uniform(seed);
  const pick = (n: number) => Math.floor(next() * n);
  const int = (lo: number, hi: number) => lo + pick(hi - lo + 1);
  const kind = only ?? KINDS[pick(4)]!;
  const group = kind === 'depthwise' ? int(1, 9) : kind === 'grouped' ? int(2, 3) : 1;
  const cinPerGroup = kind === 'depthwise' ? 1 : kind === 'grouped' ? [1, 3, 4, 5, 8][pick(5)]! : int(1, wide ? 80 : 13);
  const coutPerGroup = kind === 'depthwise' ? (pick(3) === 0 ? int(2, 3) : 1) : int(1, wide ? 150 : 6);
  const k = kind === 'pointwise' ? 1 : int(1, 7);
  const kw = kind === 'pointwise' ? 1 : pick(3) === 0 ? int(1, 7) : k;
  const cin = group * cinPerGroup;
  const cout = group * coutPerGroup;
  const n = int(1, 2);
  const h = int(Math.max(k, kind === 'pointwise' ? 1 : 3), wide ? 20 : 12);
  const w = int(Math.max(kw, kind === 'pointwise' ? 1 : 3), wide ? 20 : 12);
  const dil = pick(3) === 0 ? 2 : 1;
  const pads: [number, number, number, number] = [pick(k + 1), pick(kw + 1), pick(k + 1), pick(kw + 1)];
  const weights = Int8Array.from({ length: cout * k * kw * cinPerGroup }, () => int(-127, 127));
  // Mostly below 1 (right shifts), sometimes above (left shifts).
  const multipliers = Array.from({ length: cout }, () => quantizeMultiplier(2 ** (pick(5) === 0 ? next() * 3 : -6 - next() * 10)));
  const lo = pick(2) ? -128 : int(-128, 0);
  const plain1x1 = kind === 'pointwise' && pick(2) === 0; // the GEMM specialisation: stride 1, no padding
  const step: ConvStep = {
    op: 'conv',
    name,
    input: `${name}.x`,
    output: `${name}.y`,
    weights,
    weightShape: [cout, k, kw, cinPerGroup],
    bias: Int32Array.from({ length: cout }, () => int(-50_000, 50_000)),
    inputZeroPoint: int(-128, 127),
    geometry: {
      strides: plain1x1 ? [1, 1] : [int(1, 2), int(1, 2)],
      pads: plain1x1 ? [0, 0, 0, 0] : dil === 2 && (h < 2 * k || w < 2 * kw) ? [k, kw, k, kw] : pads,
      autoPad: !plain1x1 && pick(6) === 0 ? 'SAME_UPPER' : 'NOTSET',
      dilations: [dil, dil],
      group,
    },
    out: { m0: Int32Array.from(multipliers, (m) => m.m0), exponent: Int32Array.from(multipliers, (m) => m.exponent), zeroPoint: int(-20, 20), lo, hi: pick(2) ? 127 : int(lo + 1, 127) },
  };
  // A third of the cases clamp each channel at its own upper bound (Q12b: an equalized ReLU6).
  if (pick(3) === 0) step.out.channelHi = Int32Array.from({ length: cout }, () => int(lo, step.out.hi));
  const input = tensor('int8', [n, h, w, cin], Int8Array.from({ length: n * h * w * cin }, () => int(-128, 127)));
  return { step, input };
}

/**
 * A conv whose int32 sums near or pass 2^24 with same-sign products near ±128·127 of mixed parity:
 * f32 partial sums would round past 2^24. The bias cancels each sum to a few units and the
 * multiplier is ~1, so a one-unit error in any sum changes the output. One output pixel: a k×k
 * window over a k×k input, no padding; dense (cout channels, each over all cin) or depthwise (cin
 * channels, each over its own).
 */
export function extremeConv(name: string, cin: number, k: number, cout: number, sign: 1 | -1, seed: number, depthwise = false): { step: ConvStep; input: Tensor } {
  const next = uniform(seed);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const channels = depthwise ? cin : cout;
  const taps = depthwise ? k * k : k * k * cin;
  const x = Int8Array.from({ length: k * k * cin }, () => int(-128, -118));
  const weights = Int8Array.from({ length: channels * taps }, () => sign * int(118, 127));
  // Tap t of output channel oc reads NHWC input element t (dense) or pixel t's channel oc (depthwise).
  const xAt = (oc: number, t: number) => x[depthwise ? t * cin + oc : t]!;
  const bias = Int32Array.from({ length: channels }, (_, oc) => {
    let sum = 0;
    for (let t = 0; t < taps; t++) sum += xAt(oc, t) * weights[oc * taps + t]!;
    return -sum + int(-100, 100);
  });
  const { m0, exponent } = quantizeMultiplier(0.999);
  const step: ConvStep = {
    op: 'conv',
    name,
    input: `${name}.x`,
    output: `${name}.y`,
    weights,
    weightShape: [channels, k, k, depthwise ? 1 : cin],
    bias,
    inputZeroPoint: -128,
    geometry: { strides: [1, 1], pads: [0, 0, 0, 0], autoPad: 'NOTSET', dilations: [1, 1], group: depthwise ? cin : 1 },
    out: { m0: new Int32Array(channels).fill(m0), exponent: new Int32Array(channels).fill(exponent), zeroPoint: 3, lo: -128, hi: 127 },
  };
  return { step, input: tensor('int8', [1, k, k, cin], x) };
}

/**
 * A random depthwise 3×3 conv with dilation 1 across (the depthwise kernel's shared-column path):
 * stride 1 or 2 across, stride and dilation 1 or 2 down, padding 1–2 above and below and 0–2 left,
 * widths 1–13 (output rows that end inside a 4-pixel block; the right padding lets a 3-tap window
 * fit the narrowest), channel multipliers 1–3.
 */
export function depthwise3x3(seed: number, name: string): { step: ConvStep; input: Tensor } {
  const next = uniform(seed * 7919);
  const int = (lo: number, hi: number) => lo + Math.floor(next() * (hi - lo + 1));
  const { step, input } = randomConv(seed, 'depthwise', name);
  const [cout, , , cinPerGroup] = step.weightShape;
  const [n, , , c] = input.shape as [number, number, number, number];
  const h = int(3, 9);
  const w = int(1, 13);
  const padX = int(0, 2);
  const geometry = {
    ...step.geometry,
    strides: [int(1, 2), int(1, 2)] as [number, number],
    dilations: [int(1, 2), 1] as [number, number],
    pads: [int(1, 2), padX, int(1, 2), Math.max(padX, 3 - w)] as [number, number, number, number],
    autoPad: 'NOTSET' as const,
  };
  const weights = Int8Array.from({ length: cout * 9 * cinPerGroup }, () => int(-127, 127));
  return {
    step: { ...step, weights, weightShape: [cout, 3, 3, cinPerGroup], geometry },
    input: tensor('int8', [n, h, w, c], Int8Array.from({ length: n * h * w * c }, () => int(-128, 127))),
  };
}
