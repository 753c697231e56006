// NumPy .npy files (format versions 1.0, 2.0 and 3.0): the magic "\x93NUMPY", a version, a
// header length (u16 in 1.0, u32 after), a Python dict literal such as
// {'descr': '<f4', 'fortran_order': False, 'shape': (10, 28, 28), }, then the raw data.
// Only little-endian numeric dtypes in C order are read; anything else is refused by name.

import { InputError } from '../errors.ts';

export type NpyDtype = 'float32' | 'float64' | 'uint8' | 'int8' | 'int32' | 'int64';

export interface NpyArray {
  dtype: NpyDtype;
  shape: number[];
  /** Row-major values. int64 values are held in a Float64Array (exact up to 2^53, like Tensor). */
  data: Float32Array | Float64Array | Uint8Array | Int8Array | Int32Array;
}

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/** True when the bytes start with the .npy magic. */
export const isNpy = (bytes: Uint8Array): boolean => MAGIC.every((b, i) => bytes[i] === b);

/** Byte size of each dtype, keyed by the kind+size part of a descr ('f4', 'u1', ...). */
const DTYPES: Record<string, { dtype: NpyDtype; size: number }> = {
  f4: { dtype: 'float32', size: 4 },
  f8: { dtype: 'float64', size: 8 },
  u1: { dtype: 'uint8', size: 1 },
  i1: { dtype: 'int8', size: 1 },
  i4: { dtype: 'int32', size: 4 },
  i8: { dtype: 'int64', size: 8 },
};

const SUPPORTED = "'<f4', '<f8', '|u1', '|i1', '<i4', '<i8'";

export function parseNpy(bytes: Uint8Array, where = '.npy file'): NpyArray {
  if (!isNpy(bytes)) throw new InputError(`${where}: not a .npy file (bad magic, expected "\\x93NUMPY")`);
  if (bytes.length < 10) throw new InputError(`${where}: file ends inside the .npy header`);
  const major = bytes[6]!;
  const minor = bytes[7]!;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let headerLength: number;
  let headerStart: number;
  if (major === 1) {
    headerLength = view.getUint16(8, true);
    headerStart = 10;
  } else if (major === 2 || major === 3) {
    if (bytes.length < 12) throw new InputError(`${where}: file ends inside the .npy header`);
    headerLength = view.getUint32(8, true);
    headerStart = 12;
  } else {
    throw new InputError(`${where}: unsupported .npy format version ${major}.${minor} (1.0, 2.0 and 3.0 are read)`);
  }
  const dataStart = headerStart + headerLength;
  if (bytes.length < dataStart) throw new InputError(`${where}: header declares ${headerLength} bytes but the file ends early`);
  const decoder = new TextDecoder(major === 3 ? 'utf-8' : 'latin1');
  const header = parseHeader(decoder.decode(bytes.subarray(headerStart, dataStart)), where);

  const descr = header.descr;
  const order = descr[0]!;
  const type = DTYPES[descr.slice(1)];
  if (!type || !'<>|='.includes(order) || descr.length !== 3) {
    throw new InputError(`${where}: unsupported dtype '${descr}' (supported: ${SUPPORTED})`);
  }
  if (order === '>' && type.size > 1) {
    throw new InputError(`${where}: big-endian dtype '${descr}' is not supported; save it little-endian, e.g. arr.astype('<${descr.slice(1)}')`);
  }
  if (header.fortranOrder) {
    throw new InputError(`${where}: the array is stored in Fortran order; save it in C order, e.g. np.save(path, np.ascontiguousarray(arr))`);
  }
  const shape = header.shape;
  const count = shape.reduce((a, b) => a * b, 1);
  const available = bytes.length - dataStart;
  if (available !== count * type.size) {
    throw new InputError(
      `${where}: shape (${shape.join(', ')}) of ${descr} needs ${count * type.size} bytes of data, found ${available}`,
    );
  }
  // Copy the data out: it is rarely aligned for a typed-array view, and a copy detaches it from the file buffer.
  // (Not bytes.slice: on a node Buffer that is a view into the same memory.)
  const copy = new Uint8Array(count * type.size);
  copy.set(bytes.subarray(dataStart, dataStart + copy.length));
  const raw = copy.buffer;
  return { dtype: type.dtype, shape, data: typedData(type.dtype, raw, count, where) };
}

function typedData(dtype: NpyDtype, raw: ArrayBuffer, count: number, where: string): NpyArray['data'] {
  switch (dtype) {
    case 'float32':
      return new Float32Array(raw);
    case 'float64':
      return new Float64Array(raw);
    case 'uint8':
      return new Uint8Array(raw);
    case 'int8':
      return new Int8Array(raw);
    case 'int32':
      return new Int32Array(raw);
    case 'int64': {
      const big = new BigInt64Array(raw);
      const out = new Float64Array(count);
      for (let i = 0; i < count; i++) {
        const v = big[i]!;
        if (v > BigInt(Number.MAX_SAFE_INTEGER) || v < BigInt(Number.MIN_SAFE_INTEGER)) {
          throw new InputError(`${where}: int64 value ${v} at index ${i} is beyond 2^53 and cannot be held exactly`);
        }
        out[i] = Number(v);
      }
      return out;
    }
  }
}

interface Header {
  descr: string;
  fortranOrder: boolean;
  shape: number[];
}

/** Reads the header dict: only the three keys NumPy writes, with their literal forms. */
function parseHeader(text: string, where: string): Header {
  const bad = (what: string) => new InputError(`${where}: bad .npy header (${what}): ${text.trim()}`);
  const descr = /['"]descr['"]\s*:\s*['"]([^'"]*)['"]/.exec(text);
  if (!descr) {
    // Structured dtypes are written as a list of fields.
    if (/['"]descr['"]\s*:\s*\[/.test(text)) throw new InputError(`${where}: structured dtypes are not supported (supported: ${SUPPORTED})`);
    throw bad("no 'descr'");
  }
  const fortran = /['"]fortran_order['"]\s*:\s*(True|False)/.exec(text);
  if (!fortran) throw bad("no 'fortran_order'");
  const shapeMatch = /['"]shape['"]\s*:\s*\(([^)]*)\)/.exec(text);
  if (!shapeMatch) throw bad("no 'shape'");
  const parts = shapeMatch[1]!.split(',').map((s) => s.trim()).filter((s) => s !== '');
  const shape = parts.map((s) => {
    // NumPy on some platforms writes longs as "3L".
    const n = Number(s.replace(/L$/, ''));
    if (!Number.isInteger(n) || n < 0) throw bad(`shape entry '${s}'`);
    return n;
  });
  return { descr: descr[1]!, fortranOrder: fortran[1] === 'True', shape };
}

/** Encodes an array as .npy version 1.0 bytes (little-endian, C order); used to write fixtures and outputs. */
export function encodeNpy(array: NpyArray): Uint8Array {
  const descr = { float32: '<f4', float64: '<f8', uint8: '|u1', int8: '|i1', int32: '<i4', int64: '<i8' }[array.dtype];
  const shape = array.shape.length === 1 ? `(${array.shape[0]},)` : `(${array.shape.join(', ')})`;
  let header = `{'descr': '${descr}', 'fortran_order': False, 'shape': ${shape}, }`;
  // Pad with spaces so that magic + version + length + header + '\n' is a multiple of 64.
  const total = Math.ceil((10 + header.length + 1) / 64) * 64;
  header = header.padEnd(total - 10 - 1, ' ') + '\n';
  const size = DTYPES[descr.slice(1)]!.size;
  const out = new Uint8Array(total + array.data.length * size);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[10 + i] = header.charCodeAt(i);
  if (array.dtype === 'int64') {
    const big = new BigInt64Array(out.buffer, total, array.data.length);
    for (let i = 0; i < array.data.length; i++) big[i] = BigInt(array.data[i]!);
  } else {
    out.set(new Uint8Array(array.data.buffer, array.data.byteOffset, array.data.byteLength), total);
  }
  return out;
}
