// Scalar functions of the unary elementwise ops (ONNX definitions), computed in float64.

/** Banker's rounding: ONNX Round takes halves to the even neighbour. */
export function roundHalfEven(v: number): number {
  const r = Math.round(v);
  return Math.abs(v % 1) === 0.5 ? 2 * Math.round(v / 2) : r;
}

// erf by its Maclaurin series near 0 and its continued fraction (Lentz) in the tails: both
// converge to float64 precision, well past what a float32 comparison needs.
export function erf(v: number): number {
  if (Number.isNaN(v)) return v;
  const x = Math.abs(v);
  const r = x < 2.5 ? erfSeries(x) : 1 - erfcFraction(x);
  return v < 0 ? -r : r;
}

function erfSeries(x: number): number {
  let term = x;
  let sum = x;
  for (let n = 1; n < 100; n++) {
    term *= (-x * x) / n;
    const next = term / (2 * n + 1);
    sum += next;
    if (Math.abs(next) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

// erfc(x) = exp(-x²)/√π · 1/(x + 1/2/(x + 1/(x + 3/2/(x + ...)))), for x > 0.
function erfcFraction(x: number): number {
  if (x > 27) return 0;
  let f = x;
  let c = x;
  let d = 0;
  for (let n = 1; n < 200; n++) {
    const a = n / 2;
    d = 1 / (x + a * d);
    c = x + a / c;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

/** log(1 + e^v) without overflow for large v. */
export const softplus = (v: number): number => (v > 0 ? v + Math.log1p(Math.exp(-v)) : Math.log1p(Math.exp(v)));

export const softsign = (v: number): number => v / (1 + Math.abs(v));

export const mish = (v: number): number => v * Math.tanh(softplus(v));

export const elu = (alpha: number) => (v: number): number => (v >= 0 ? v : alpha * (Math.exp(v) - 1));

export const selu = (alpha: number, gamma: number) => (v: number): number => gamma * (v > 0 ? v : alpha * (Math.exp(v) - 1));

export const celu = (alpha: number) => (v: number): number => Math.max(0, v) + Math.min(0, alpha * (Math.exp(v / alpha) - 1));

export const thresholdedRelu = (alpha: number) => (v: number): number => (v > alpha ? v : 0);

export const shrink = (lambd: number, bias: number) => (v: number): number => (v < -lambd ? v + bias : v > lambd ? v - bias : 0);

export function gelu(approximate: 'none' | 'tanh'): (v: number) => number {
  if (approximate === 'none') return (v) => 0.5 * v * (1 + erf(v / Math.SQRT2));
  const k = Math.sqrt(2 / Math.PI);
  return (v) => 0.5 * v * (1 + Math.tanh(k * (v + 0.044715 * v * v * v)));
}

export const isInf = (negative: boolean, positive: boolean) => (v: number): boolean =>
  (positive && v === Infinity) || (negative && v === -Infinity);
