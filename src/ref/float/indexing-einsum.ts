// Einsum over subscripts resolved at import (ir/ops/indexing.ts EinsumAttrs): every label of the
// output and every summed label is a loop; each operand is read at its labels' values.

import { allocData, sizeOf, stridesOf, type Tensor } from '../../ir/tensor.ts';

/** Each operand's subscripts with '.' replaced by ellipsis labels, right-aligned across operands so the ellipsis axes broadcast. */
function expandEllipsis(operands: readonly string[], output: string, xs: readonly Tensor[]): { labels: string[][]; out: string[] } {
  const ellipsisRanks = operands.map((s, k) => (s.includes('.') ? xs[k]!.shape.length - (s.length - 1) : 0));
  const rank = Math.max(0, ...ellipsisRanks);
  // Digits cannot clash with the letters of an equation.
  const ellipsis = (r: number) => Array.from({ length: r }, (_, i) => String(rank - r + i));
  const expand = (s: string, r: number) => [...s].flatMap((c) => (c === '.' ? ellipsis(r) : [c]));
  return { labels: operands.map((s, k) => expand(s, ellipsisRanks[k]!)), out: expand(output, rank) };
}

export function einsum(xs: readonly Tensor[], operands: readonly string[], output: string): Tensor {
  if (xs.length !== operands.length) throw new RangeError(`Einsum has ${operands.length} operands in its equation and ${xs.length} inputs`);
  const { labels, out } = expandEllipsis(operands, output, xs);
  const sizes = new Map<string, number>();
  labels.forEach((ls, k) => {
    if (ls.length !== xs[k]!.shape.length) throw new RangeError(`Einsum operand ${k} "${operands[k]}" does not fit its shape [${xs[k]!.shape}]`);
    ls.forEach((l, a) => {
      const d = xs[k]!.shape[a]!;
      const known = sizes.get(l);
      if (known !== undefined && known !== d && known !== 1 && d !== 1) throw new RangeError(`Einsum label ${l} is both ${known} and ${d} long`);
      if (known === undefined || known === 1) sizes.set(l, d);
    });
  });
  const summed = [...sizes.keys()].filter((l) => !out.includes(l));
  const loops = [...out, ...summed];
  const loopSizes = loops.map((l) => sizes.get(l)!);
  // Per operand, its stride along each loop (0 where it lacks the label or broadcasts it).
  const loopStrides = xs.map((x, k) => {
    const strides = stridesOf(x.shape);
    return loops.map((l) => labels[k]!.reduce((s, own, a) => (own === l && x.shape[a] !== 1 ? s + strides[a]! : s), 0));
  });
  const outShape = out.map((l) => sizes.get(l)!);
  const inner = sizeOf(summed.map((l) => sizes.get(l)!));
  const result = allocData(xs[0]!.dtype, sizeOf(outShape));
  const counter = new Array<number>(loops.length).fill(0);
  const offsets = xs.map(() => 0);
  for (let o = 0; o < result.length; o++) {
    let acc = 0;
    for (let s = 0; s < inner; s++) {
      acc += xs.reduce((p, x, k) => p * x.data[offsets[k]!]!, 1);
      step(counter, loopSizes, loopStrides, offsets);
    }
    result[o] = acc;
  }
  return { dtype: xs[0]!.dtype, shape: outShape, data: result };
}

/** Advances the loop counter by one, the last loop fastest, and every operand's offset with it. */
function step(counter: number[], sizes: readonly number[], strides: readonly number[][], offsets: number[]): void {
  for (let a = counter.length - 1; a >= 0; a--) {
    counter[a]!++;
    strides.forEach((s, k) => (offsets[k]! += s[a]!));
    if (counter[a]! < sizes[a]!) return;
    strides.forEach((s, k) => (offsets[k]! -= s[a]! * sizes[a]!));
    counter[a] = 0;
  }
}
