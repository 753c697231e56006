// One time step of each recurrent op, as ONNX writes its equations (gate rows in ONNX's order:
// LSTM i, o, f, c; GRU z, r, h; RNN one gate).

import { matVec, type Cell, type Direction } from './recurrent-scan.ts';

/** R·h + Rb for all gates. */
function recurrence(h: Float64Array, d: Direction): Float64Array {
  const out = new Float64Array(d.rb.length);
  matVec(d.r, 0, d.hidden, h, d.rb, out);
  return out;
}

export const rnnCell: Cell = (xw, h, _c, d) => {
  const hr = recurrence(h, d);
  const [f] = d.acts as [(x: number) => number];
  for (let k = 0; k < d.hidden; k++) h[k] = f(d.clip(xw[k]! + hr[k]!));
};

export function gruCell(linearBeforeReset: boolean): Cell {
  return (xw, h, _c, d) => {
    const H = d.hidden;
    const [f, g] = d.acts as [(x: number) => number, (x: number) => number];
    const hr = recurrence(h, d);
    const z = new Float64Array(H);
    const r = new Float64Array(H);
    for (let k = 0; k < H; k++) {
      z[k] = f(d.clip(xw[k]! + hr[k]!));
      r[k] = f(d.clip(xw[H + k]! + hr[H + k]!));
    }
    // Without linear_before_reset the reset gate scales Ht-1 before it meets Rh: a second product.
    const reset = linearBeforeReset ? undefined : new Float64Array(H);
    if (reset) {
      const scaled = h.map((v, k) => r[k]! * v);
      matVec(d.r, 2 * H, H, scaled, d.rb, reset);
    }
    for (let k = 0; k < H; k++) {
      const gate = reset ? reset[k]! : r[k]! * hr[2 * H + k]!;
      const candidate = g(d.clip(xw[2 * H + k]! + gate));
      h[k] = (1 - z[k]!) * candidate + z[k]! * h[k]!;
    }
  };
}

export function lstmCell(inputForget: boolean): Cell {
  return (xw, h, c, d) => {
    const H = d.hidden;
    const [f, g, act] = d.acts as [(x: number) => number, (x: number) => number, (x: number) => number];
    const hr = recurrence(h, d);
    const pre = (gate: number, k: number) => xw[gate * H + k]! + hr[gate * H + k]!;
    for (let k = 0; k < H; k++) {
      const i = f(d.clip(pre(0, k) + d.p[k]! * c[k]!));
      const forget = inputForget ? 1 - i : f(d.clip(pre(2, k) + d.p[2 * H + k]! * c[k]!));
      c[k] = forget * c[k]! + i * g(d.clip(pre(3, k)));
      const o = f(d.clip(pre(1, k) + d.p[H + k]! * c[k]!));
      h[k] = o * act(c[k]!);
    }
  };
}
