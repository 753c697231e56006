// int8 values packed four per u32 (lane k = bits 8k..8k+7), rows padded to whole words with 0.
// Activations are packed along channels (the last NHWC dimension); weights along their inner
// (input-channel) dimension.

export const wordsFor = (lanes: number): number => Math.ceil(lanes / 4);

/** [rows, rowLength] int8 → [rows, ceil(rowLength/4)] u32, padding lanes 0. */
export function packRows(values: ArrayLike<number>, rowLength: number): Uint32Array {
  const rows = values.length / rowLength;
  const words = wordsFor(rowLength);
  const out = new Uint32Array(rows * words);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < rowLength; i++) {
      const word = r * words + (i >> 2);
      out[word] = (out[word]! | ((values[r * rowLength + i]! & 0xff) << (8 * (i & 3)))) >>> 0;
    }
  }
  return out;
}

/** The inverse of packRows: [rows, ceil(rowLength/4)] u32 → [rows, rowLength] int8. */
export function unpackRows(words: Uint32Array, rowLength: number): Int8Array {
  const perRow = wordsFor(rowLength);
  const rows = words.length / perRow;
  const out = new Int8Array(rows * rowLength);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < rowLength; i++) out[r * rowLength + i] = ((words[r * perRow + (i >> 2)]! >>> (8 * (i & 3))) << 24) >> 24;
  }
  return out;
}

/** A zero point in all four lanes. */
export const packedZero = (z: number): number => (((z & 0xff) * 0x01010101) >>> 0);
