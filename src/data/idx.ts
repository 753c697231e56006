// IDX files (the MNIST / Fashion-MNIST format), optionally gzipped: a big-endian header of
// magic (0x0000, element type, rank), then one u32 per dimension, then the data.

import { gunzipSync } from 'fflate';
import { ModelFormatError } from '../errors.ts';

export interface IdxArray {
  shape: number[];
  data: Uint8Array;
}

const isGzip = (b: Uint8Array) => b[0] === 0x1f && b[1] === 0x8b;

export function parseIdx(bytes: Uint8Array, where = 'IDX file'): IdxArray {
  const raw = isGzip(bytes) ? gunzipSync(bytes) : bytes;
  if (raw.length < 4) throw new ModelFormatError(`${where}: too short for an IDX header`);
  const view = new DataView(raw.buffer, raw.byteOffset, raw.byteLength);
  const type = raw[2]!;
  const rank = raw[3]!;
  if (view.getUint16(0) !== 0 || type !== 0x08) {
    throw new ModelFormatError(`${where}: not an unsigned-byte IDX file (magic ${view.getUint32(0).toString(16)})`);
  }
  const headerBytes = 4 + 4 * rank;
  if (raw.length < headerBytes) throw new ModelFormatError(`${where}: header declares rank ${rank} but the file ends early`);
  const shape = Array.from({ length: rank }, (_, i) => view.getUint32(4 + 4 * i));
  const count = shape.reduce((a, b) => a * b, 1);
  if (raw.length - headerBytes !== count) {
    throw new ModelFormatError(`${where}: dims [${shape}] need ${count} bytes of data, found ${raw.length - headerBytes}`);
  }
  return { shape, data: raw.subarray(headerBytes) };
}
