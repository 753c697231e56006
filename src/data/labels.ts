// Class labels, one integer per sample, from an IDX file (optionally .gz), a .npy file of
// integers, or a text file with one integer per line. The kind is told from the content.

import { InputError } from '../errors.ts';
import { parseIdx } from './idx.ts';
import { isNpy, parseNpy } from './npy.ts';

export type Labels = Uint8Array | Int32Array;

export const isGzip = (b: Uint8Array) => b[0] === 0x1f && b[1] === 0x8b;
/** IDX magic: two zero bytes, a type byte, a rank byte (1..4 for anything we could read). */
export const isIdx = (b: Uint8Array) => b.length >= 4 && b[0] === 0 && b[1] === 0 && b[2]! >= 0x08 && b[2]! <= 0x0e && b[3]! >= 1;

/**
 * Parses labels: .npy (integer dtype, or float holding whole numbers; shape [N] or [N, 1]),
 * IDX (shape [N]), or text (one non-negative integer per line; blank lines and lines starting
 * with '#' are skipped). Labels 0..255 come back as a Uint8Array, larger ones as an Int32Array.
 */
export function parseLabels(bytes: Uint8Array, where = 'labels'): Labels {
  let values: ArrayLike<number>;
  if (isNpy(bytes)) {
    const npy = parseNpy(bytes, where);
    if (!(npy.shape.length === 1 || (npy.shape.length === 2 && npy.shape[1] === 1))) {
      throw new InputError(`${where}: labels must have shape [N] or [N, 1], got [${npy.shape}]`);
    }
    values = npy.data;
  } else if (isGzip(bytes) || isIdx(bytes)) {
    const idx = parseIdx(bytes, where);
    if (idx.shape.length !== 1) throw new InputError(`${where}: IDX labels must have shape [N], got [${idx.shape}]`);
    return idx.data;
  } else {
    values = parseTextLabels(bytes, where);
  }
  return toLabels(values, where);
}

function parseTextLabels(bytes: Uint8Array, where: string): number[] {
  const text = new TextDecoder('utf-8', { fatal: false }).decode(bytes);
  const out: number[] = [];
  const lines = text.split(/\r?\n/);
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!.trim();
    if (line === '' || line.startsWith('#')) continue;
    if (!/^[+-]?\d+$/.test(line)) {
      throw new InputError(`${where}: line ${i + 1} is not an integer label: "${line.length > 40 ? line.slice(0, 40) + '…' : line}"`);
    }
    out.push(Number(line));
  }
  return out;
}

function toLabels(values: ArrayLike<number>, where: string): Labels {
  let max = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i]!;
    if (!Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
      throw new InputError(`${where}: label ${i} is ${v}; labels must be non-negative integers`);
    }
    if (v > max) max = v;
  }
  return max <= 255 ? Uint8Array.from(values) : Int32Array.from(values);
}
