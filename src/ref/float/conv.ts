// Float convolution, NCHW (ONNX) and NHWC (after layout assignment), with an optional fused clamp.
// Weights: NCHW uses [Cout, Cin/group, kh, kw]; NHWC uses [Cout, kh, kw, Cin/group].

import { channelUpperBound, type Clamp, type ConvAttrs } from '../../ir/graph.ts';
import { f32, type Tensor, checkedLength } from '../../ir/tensor.ts';
import { planAxis } from '../../ir/spatial.ts';

interface Geometry {
  n: number; c: number; h: number; w: number;
  cout: number; cinPerGroup: number; coutPerGroup: number;
  kh: number; kw: number; sy: number; sx: number; dy: number; dx: number;
  padTop: number; padLeft: number; oh: number; ow: number;
}

type Data = Float32Array;

const asF32 = (d: ArrayLike<number>): Float32Array => (d instanceof Float32Array ? d : Float32Array.from(d));

/** The output range [lo, hi) whose input coordinate o·stride − pad + offset lies in [0, len). */
function validRange(outLen: number, stride: number, pad: number, offset: number, len: number): [number, number] {
  const lo = Math.max(0, Math.ceil((pad - offset) / stride));
  const hi = Math.min(outLen, Math.floor((len - 1 + pad - offset) / stride) + 1);
  return [lo, Math.max(lo, hi)];
}

export function conv(x: Tensor, w: Tensor, bias: Tensor | undefined, a: ConvAttrs): Tensor {
  if (x.shape.length !== 4) throw new RangeError(`Conv expects a 4-D input, got [${x.shape}]`);
  const nhwc = a.layout === 'NHWC';
  const [n, c, h, wd] = (nhwc ? [x.shape[0], x.shape[3], x.shape[1], x.shape[2]] : x.shape) as number[] as [number, number, number, number];
  const cout = w.shape[0]!;
  const cinPerGroup = nhwc ? w.shape[3]! : w.shape[1]!;
  if (cinPerGroup * a.group !== c || cout % a.group !== 0) {
    throw new RangeError(`Conv: input has ${c} channels; weights [${w.shape}] with group ${a.group} do not fit`);
  }
  const kernel = (nhwc ? [w.shape[1], w.shape[2]] : [w.shape[2], w.shape[3]]) as [number, number];
  const py = planAxis({ ...a, kernel }, 0, h);
  const px = planAxis({ ...a, kernel }, 1, wd);
  const g: Geometry = {
    n, c, h, w: wd, cout, cinPerGroup, coutPerGroup: cout / a.group,
    kh: kernel[0], kw: kernel[1], sy: a.strides[0], sx: a.strides[1], dy: a.dilations[0], dx: a.dilations[1],
    padTop: py.padBefore, padLeft: px.padBefore, oh: py.out, ow: px.out,
  };
  const out = (nhwc ? convNhwc : convNchw)(asF32(x.data), asF32(w.data), bias && asF32(bias.data), g);
  if (a.clamp) applyClamp(out, a.clamp, cout, nhwc ? 1 : g.oh * g.ow);
  return f32(nhwc ? [n, g.oh, g.ow, cout] : [n, cout, g.oh, g.ow], out);
}

/** The fused clamp, channel by channel (channels `inner` values apart: 1 in NHWC, oh·ow in NCHW). */
function applyClamp(out: Float32Array, clamp: Clamp, cout: number, inner: number): void {
  for (let i = 0; i < out.length; i++) {
    const max = channelUpperBound(clamp, Math.floor(i / inner) % cout);
    out[i] = Math.min(max, Math.max(clamp.min, out[i]!));
  }
}

/**
 * NCHW as im2col + GEMM: per image and group, gather the receptive fields into a [K, P] matrix
 * (K = Cin/group·kh·kw, P = oh·ow, zeros where the window reads padding), then every output
 * channel is a sum of K rows scaled by its weights — long contiguous inner loops.
 */
function convNchw(x: Data, w: Data, bias: Data | undefined, g: Geometry): Float32Array {
  const { oh, ow, kh, kw, cinPerGroup, coutPerGroup } = g;
  const P = oh * ow;
  const K = cinPerGroup * kh * kw;
  const out = new Float32Array(checkedLength(g.n * g.cout * P));
  const cols = new Float32Array(checkedLength(K * P));
  const groups = g.cout / coutPerGroup;
  for (let b = 0; b < g.n; b++) {
    for (let grp = 0; grp < groups; grp++) {
      im2col(x, (b * g.c + grp * cinPerGroup) * g.h * g.w, g, cols);
      const first = grp * coutPerGroup;
      const outBase = (b * g.cout + first) * P;
      for (let oc = first; oc < first + coutPerGroup; oc++) out.fill(bias ? bias[oc]! : 0, outBase + (oc - first) * P, outBase + (oc - first + 1) * P);
      gemmRows(w, first * K, cols, out, outBase, coutPerGroup, K, P);
    }
  }
  return out;
}

/**
 * out[r][p] += Σ_k w[r][k] · cols[k][p] for `rows` output rows. Four rows share each load of
 * cols (this alone is worth ~2× in V8); float32 accumulation, as the frameworks we compare with do.
 */
function gemmRows(w: Data, wBase: number, cols: Float32Array, out: Float32Array, outBase: number, rows: number, K: number, P: number): void {
  let r = 0;
  for (; r + 4 <= rows; r += 4) {
    const o = outBase + r * P;
    const wr = wBase + r * K;
    for (let k = 0; k < K; k++) {
      const w0 = w[wr + k]!, w1 = w[wr + K + k]!, w2 = w[wr + 2 * K + k]!, w3 = w[wr + 3 * K + k]!;
      const row = k * P;
      for (let p = 0; p < P; p++) {
        const c = cols[row + p]!;
        out[o + p]! += w0 * c;
        out[o + P + p]! += w1 * c;
        out[o + 2 * P + p]! += w2 * c;
        out[o + 3 * P + p]! += w3 * c;
      }
    }
  }
  for (; r < rows; r++) {
    const o = outBase + r * P;
    for (let k = 0; k < K; k++) {
      const wv = w[wBase + r * K + k]!;
      const row = k * P;
      for (let p = 0; p < P; p++) out[o + p]! += wv * cols[row + p]!;
    }
  }
}

/** Fills cols[(ic·kh + ky)·kw + kx][oy·ow + ox] with the input pixel that tap reads, or 0 in padding. */
function im2col(x: Data, base: number, g: Geometry, cols: Float32Array): void {
  const { oh, ow, kh, kw, sy, sx, dy, dx, padTop, padLeft } = g;
  const P = oh * ow;
  cols.fill(0);
  for (let ic = 0; ic < g.cinPerGroup; ic++) {
    const plane = base + ic * g.h * g.w;
    for (let ky = 0; ky < kh; ky++) {
      const [oy0, oy1] = validRange(oh, sy, padTop, ky * dy, g.h);
      for (let kx = 0; kx < kw; kx++) {
        const [ox0, ox1] = validRange(ow, sx, padLeft, kx * dx, g.w);
        const row = ((ic * kh + ky) * kw + kx) * P;
        for (let oy = oy0; oy < oy1; oy++) {
          const src = plane + (oy * sy - padTop + ky * dy) * g.w - padLeft + kx * dx;
          const dst = row + oy * ow;
          for (let ox = ox0; ox < ox1; ox++) cols[dst + ox] = x[src + ox * sx]!;
        }
      }
    }
  }
}

function convNhwc(x: Data, w: Data, bias: Data | undefined, g: Geometry): Float32Array {
  const out = new Float32Array(checkedLength(g.n * g.oh * g.ow * g.cout));
  for (let b = 0; b < g.n; b++) {
    for (let oy = 0; oy < g.oh; oy++) {
      for (let ox = 0; ox < g.ow; ox++) {
        const outBase = ((b * g.oh + oy) * g.ow + ox) * g.cout;
        for (let oc = 0; oc < g.cout; oc++) {
          const firstIc = Math.floor(oc / g.coutPerGroup) * g.cinPerGroup;
          let acc = bias ? bias[oc]! : 0;
          for (let ky = 0; ky < g.kh; ky++) {
            const iy = oy * g.sy - g.padTop + ky * g.dy;
            if (iy < 0 || iy >= g.h) continue;
            for (let kx = 0; kx < g.kw; kx++) {
              const ix = ox * g.sx - g.padLeft + kx * g.dx;
              if (ix < 0 || ix >= g.w) continue;
              const inBase = ((b * g.h + iy) * g.w + ix) * g.c + firstIc;
              const wBase = ((oc * g.kh + ky) * g.kw + kx) * g.cinPerGroup;
              for (let ic = 0; ic < g.cinPerGroup; ic++) acc += x[inBase + ic]! * w[wBase + ic]!;
            }
          }
          out[outBase + oc] = acc;
        }
      }
    }
  }
  return out;
}
