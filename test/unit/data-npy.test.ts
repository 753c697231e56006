import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.ts';
import { encodeNpy, parseNpy, type NpyArray } from '../../src/data/npy.ts';

const FIX = 'test/fixtures/images';
const fixture = (name: string) => parseNpy(readFileSync(`${FIX}/${name}`), name);
const signed = [0, -1, 2, -3, 4, -5];

/** A .npy 1.0 file built by hand: header text exactly as given, then the data bytes. */
function handNpy(header: string, data: Uint8Array, version = 1): Uint8Array {
  const pre = version === 1 ? 10 : 12;
  const padded = header.padEnd(Math.ceil((pre + header.length + 1) / 64) * 64 - pre - 1, ' ') + '\n';
  const out = new Uint8Array(pre + padded.length + data.length);
  out.set([0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59, version, 0]);
  const view = new DataView(out.buffer);
  if (version === 1) view.setUint16(8, padded.length, true);
  else view.setUint32(8, padded.length, true);
  out.set(new TextEncoder().encode(padded), pre);
  out.set(data, pre + padded.length);
  return out;
}

describe('parseNpy: files written by NumPy', () => {
  it.each([
    ['npy-f4.npy', 'float32', Float32Array],
    ['npy-f8.npy', 'float64', Float64Array],
    ['npy-i1.npy', 'int8', Int8Array],
    ['npy-i4.npy', 'int32', Int32Array],
    ['npy-i8.npy', 'int64', Float64Array],
    ['npy-v2.npy', 'int32', Int32Array],
    ['npy-v3.npy', 'int32', Int32Array],
  ] as const)('%s → %s', (file, dtype, type) => {
    const a = fixture(file);
    expect(a.dtype).toBe(dtype);
    expect(a.shape).toEqual([2, 3]);
    expect(a.data).toBeInstanceOf(type);
    expect(Array.from(a.data)).toEqual(signed);
  });

  it('|u1', () => {
    const a = fixture('npy-u1.npy');
    expect(a.dtype).toBe('uint8');
    expect(a.data).toBeInstanceOf(Uint8Array);
    expect(Array.from(a.data)).toEqual([0, 1, 2, 3, 4, 5]);
  });

  it('refuses Fortran order, big-endian and unsupported dtypes with the file named', () => {
    expect(() => fixture('npy-fortran.npy')).toThrow(/^npy-fortran\.npy: the array is stored in Fortran order; save it in C order/);
    expect(() => fixture('npy-big-endian.npy')).toThrow(/^npy-big-endian\.npy: big-endian dtype '>f4' is not supported/);
    expect(() => fixture('npy-bool.npy')).toThrow("npy-bool.npy: unsupported dtype '|b1' (supported: '<f4', '<f8', '|u1', '|i1', '<i4', '<i8')");
    expect(() => fixture('npy-bool.npy')).toThrow(InputError);
  });
});

describe('parseNpy: hand-built headers', () => {
  it('round-trips every dtype through encodeNpy', () => {
    const cases: NpyArray[] = [
      { dtype: 'float32', shape: [3], data: Float32Array.of(1.5, -2.25, 1e-8) },
      { dtype: 'float64', shape: [1, 3], data: Float64Array.of(Math.PI, -0, 1e300) },
      { dtype: 'uint8', shape: [3, 1], data: Uint8Array.of(0, 128, 255) },
      { dtype: 'int8', shape: [3], data: Int8Array.of(-128, 0, 127) },
      { dtype: 'int32', shape: [3], data: Int32Array.of(-(2 ** 31), 0, 2 ** 31 - 1) },
      { dtype: 'int64', shape: [3], data: Float64Array.of(-(2 ** 53) + 1, 0, 2 ** 53 - 1) },
      { dtype: 'float32', shape: [], data: Float32Array.of(7) },
      { dtype: 'uint8', shape: [0, 4], data: new Uint8Array(0) },
    ];
    for (const a of cases) {
      const back = parseNpy(encodeNpy(a), 'x.npy');
      expect(back.dtype).toBe(a.dtype);
      expect(back.shape).toEqual(a.shape);
      expect(Array.from(back.data)).toEqual(Array.from(a.data));
    }
  });

  it('reads a header with double quotes, no trailing comma, and a v2 length; data at an odd offset', () => {
    const data = new Uint8Array(Float32Array.of(1, 2).buffer);
    const bytes = handNpy('{"shape": (2,), "fortran_order": False, "descr": "<f4"}', data, 2);
    // Put the file at an odd byte offset of a larger buffer, as a sliced read would.
    const host = new Uint8Array(bytes.length + 1);
    host.set(bytes, 1);
    const a = parseNpy(host.subarray(1), 'odd.npy');
    expect(a.shape).toEqual([2]);
    expect(Array.from(a.data)).toEqual([1, 2]);
  });

  it('says what is wrong: magic, version, data length, int64 range', () => {
    expect(() => parseNpy(new TextEncoder().encode('hello world'), 'a.npy')).toThrow('a.npy: not a .npy file (bad magic, expected "\\x93NUMPY")');
    const v9 = handNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(4));
    v9[6] = 9;
    expect(() => parseNpy(v9, 'b.npy')).toThrow('b.npy: unsupported .npy format version 9.0');
    const short = handNpy("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }", new Uint8Array(20));
    expect(() => parseNpy(short, 'c.npy')).toThrow('c.npy: shape (2, 3) of <f4 needs 24 bytes of data, found 20');
    const big = new Uint8Array(new BigInt64Array([2n ** 60n]).buffer);
    expect(() => parseNpy(handNpy("{'descr': '<i8', 'fortran_order': False, 'shape': (1,), }", big), 'd.npy')).toThrow(
      /d\.npy: int64 value 1152921504606846976 at index 0 is beyond 2\^53/,
    );
    expect(() => parseNpy(handNpy("{'descr': '<U3', 'fortran_order': False, 'shape': (1,), }", new Uint8Array(12)), 'e.npy')).toThrow(
      "e.npy: unsupported dtype '<U3'",
    );
    expect(() => parseNpy(handNpy("{'descr': '<f4', 'shape': (1,), }", new Uint8Array(4)), 'f.npy')).toThrow(
      "f.npy: bad .npy header (no 'fortran_order')",
    );
  });
});
