// The time loop RNN, GRU and LSTM share: per direction and batch row, the steps of the row's
// sequence (backwards for the reverse direction), each a cell update of the hidden state.

import type { RecurrentCommon } from '../../ir/ops/recurrent.ts';
import { tensor, type Tensor } from '../../ir/tensor.ts';
import { need, type Inputs } from './kernel.ts';
import { activation, type Activation } from './recurrent-activations.ts';

/** One direction's parameters; gate g holds rows g·H to (g+1)·H, in the op's gate order. */
export interface Direction {
  hidden: number;
  /** R [gates·H, H]. */
  r: Float64Array;
  /** Rb [gates·H] (zeros when B is omitted). */
  rb: Float64Array;
  /** LSTM peepholes P [3·H] in i, o, f order (zeros when P is omitted). */
  p: Float64Array;
  acts: Activation[];
  /** The bound on gate pre-activations (the identity when the op has no clip). */
  clip: (x: number) => number;
}

/** One step of one batch row. `xw` is W·x + Wb for all gates; h (and, for LSTM, c) are updated in place. */
export type Cell = (xw: Float64Array, h: Float64Array, c: Float64Array, d: Direction) => void;

/** out[k] = bias[row + k] + Σj m[(row + k)·cols + j]·v[j] for k < out.length. */
export function matVec(m: ArrayLike<number>, row: number, cols: number, v: ArrayLike<number>, bias: ArrayLike<number>, out: Float64Array): void {
  for (let k = 0; k < out.length; k++) {
    let sum = bias[row + k]!;
    const base = (row + k) * cols;
    for (let j = 0; j < cols; j++) sum += m[base + j]! * v[j]!;
    out[k] = sum;
  }
}

function expectShape(t: Tensor, what: string, shape: number[]): void {
  if (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i])) {
    throw new RangeError(`${what} has shape [${t.shape}], expected [${shape}]`);
  }
}

const slice = (t: Tensor | undefined, index: number, length: number): Float64Array =>
  t ? Float64Array.from(t.data.subarray(index * length, (index + 1) * length)) : new Float64Array(length);

function sequenceLengths(t: Tensor | undefined, batch: number, seq: number): number[] {
  if (!t) return new Array<number>(batch).fill(seq);
  expectShape(t, 'sequence_lens', [batch]);
  const lens = Array.from(t.data);
  const bad = lens.find((n) => !Number.isInteger(n) || n < 0 || n > seq);
  if (bad !== undefined) throw new RangeError(`sequence_lens has ${bad}, outside 0 to the sequence length ${seq}`);
  return lens;
}

interface Dims {
  seq: number;
  batch: number;
  size: number;
  dirs: number;
  hidden: number;
  rows: number;
}

/** The op's sizes, once every input is checked to agree with them. */
function dims(inputs: Inputs, attrs: RecurrentCommon, gates: number): Dims {
  const [x, w, r] = [need(inputs, 0), need(inputs, 1), need(inputs, 2)];
  if (x.shape.length !== 3) throw new RangeError(`X has shape [${x.shape}], expected [seq, batch, input]`);
  const [seq, batch, size] = x.shape as [number, number, number];
  const dirs = attrs.direction === 'bidirectional' ? 2 : 1;
  const hidden = attrs.hiddenSize ?? r.shape[2] ?? 0;
  const rows = gates * hidden;
  expectShape(w, 'W', [dirs, rows, size]);
  expectShape(r, 'R', [dirs, rows, hidden]);
  const [b, h0, c0, p] = [inputs[3], inputs[5], inputs[6], inputs[7]];
  if (b) expectShape(b, 'B', [dirs, 2 * rows]);
  for (const [t, what] of [[h0, 'initial_h'], [c0, 'initial_c']] as const) if (t) expectShape(t, what, [dirs, batch, hidden]);
  if (p) expectShape(p, 'P', [dirs, 3 * hidden]);
  return { seq, batch, size, dirs, hidden, rows };
}

/**
 * Runs the op on its ONNX inputs (X, W, R, B?, sequence_lens?, initial_h?, initial_c?, P?) and
 * returns Y [seq, dirs, batch, H], Y_h and Y_c [dirs, batch, H] (Y_c is zeros but for LSTM).
 */
export function scan(inputs: Inputs, attrs: RecurrentCommon, gates: number, cell: Cell): Tensor[] {
  const { seq, batch, size, dirs, hidden, rows } = dims(inputs, attrs, gates);
  const [x, w, r, b, h0, c0, p] = [need(inputs, 0), need(inputs, 1), need(inputs, 2), inputs[3], inputs[5], inputs[6], inputs[7]];
  const lens = sequenceLengths(inputs[4], batch, seq);

  const y = tensor(x.dtype, [seq, dirs, batch, hidden]);
  const yh = tensor(x.dtype, [dirs, batch, hidden]);
  const yc = tensor(x.dtype, [dirs, batch, hidden]);
  const xt = new Float64Array(size);
  const xw = new Float64Array(rows);
  const bound = attrs.clip;
  for (let d = 0; d < dirs; d++) {
    const bias = slice(b, d, 2 * rows);
    const params: Direction = {
      hidden,
      r: slice(r, d, rows * hidden),
      rb: bias.subarray(rows),
      p: slice(p, d, 3 * hidden),
      acts: attrs.activations[d]!.map(activation),
      clip: bound === null ? (v) => v : (v) => Math.min(Math.max(v, -bound), bound),
    };
    const wd = slice(w, d, rows * size);
    const reverse = attrs.direction === 'reverse' || d === 1;
    for (let n = 0; n < batch; n++) {
      const h = slice(h0, d * batch + n, hidden);
      const c = slice(c0, d * batch + n, hidden);
      const len = lens[n]!;
      for (let s = 0; s < len; s++) {
        const t = reverse ? len - 1 - s : s;
        xt.set(x.data.subarray((t * batch + n) * size, (t * batch + n + 1) * size));
        matVec(wd, 0, size, xt, bias, xw);
        cell(xw, h, c, params);
        y.data.set(h, ((t * dirs + d) * batch + n) * hidden);
      }
      // ONNX leaves an empty sequence's Y_h and Y_c unsaid; onnxruntime gives zeros, not the initial states.
      if (len === 0) continue;
      yh.data.set(h, (d * batch + n) * hidden);
      yc.data.set(c, (d * batch + n) * hidden);
    }
  }
  return [y, yh, yc];
}
