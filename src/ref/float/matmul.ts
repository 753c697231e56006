// Gemm (2-D, transposes, alpha/beta, broadcast C, fused clamp) and MatMul (numpy semantics).

import type { AttrsByOp } from '../../ir/graph.ts';
import { f32, sizeOf, type Tensor, checkedLength } from '../../ir/tensor.ts';
import { broadcastOffsets, broadcastShapes } from './broadcast.ts';

export function gemm(a: Tensor, b: Tensor, c: Tensor | undefined, attrs: AttrsByOp['Gemm']): Tensor {
  if (a.shape.length !== 2 || b.shape.length !== 2) {
    throw new RangeError(`Gemm expects 2-D A and B, got [${a.shape}] and [${b.shape}]`);
  }
  const [m, k] = attrs.transA ? [a.shape[1]!, a.shape[0]!] : [a.shape[0]!, a.shape[1]!];
  const [kb, n] = attrs.transB ? [b.shape[1]!, b.shape[0]!] : [b.shape[0]!, b.shape[1]!];
  if (k !== kb) throw new RangeError(`Gemm: inner dimensions ${k} and ${kb} differ`);
  const aAt = attrs.transA ? (i: number, p: number) => p * m + i : (i: number, p: number) => i * k + p;
  const bAt = attrs.transB ? (p: number, j: number) => j * k + p : (p: number, j: number) => p * n + j;
  const cOffsets = c ? broadcastOffsets(c.shape, [m, n]) : undefined;
  const out = new Float32Array(checkedLength(m * n));
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let acc = 0;
      for (let p = 0; p < k; p++) acc += a.data[aAt(i, p)]! * b.data[bAt(p, j)]!;
      let y = attrs.alpha * acc;
      if (c && cOffsets) y += attrs.beta * c.data[cOffsets[i * n + j]!]!;
      if (attrs.clamp) y = Math.min(attrs.clamp.max, Math.max(attrs.clamp.min, y));
      out[i * n + j] = y;
    }
  }
  return f32([m, n], out);
}

export function matmul(a: Tensor, b: Tensor): Tensor {
  // 1-D operands are promoted to matrices and the added axis is dropped from the result.
  const aShape = a.shape.length === 1 ? [1, a.shape[0]!] : a.shape;
  const bShape = b.shape.length === 1 ? [b.shape[0]!, 1] : b.shape;
  const m = aShape[aShape.length - 2]!;
  const k = aShape[aShape.length - 1]!;
  const n = bShape[bShape.length - 1]!;
  if (bShape[bShape.length - 2] !== k) throw new RangeError(`MatMul: shapes [${a.shape}] and [${b.shape}] do not chain`);
  const batch = broadcastShapes(aShape.slice(0, -2), bShape.slice(0, -2));
  const batches = sizeOf(batch);
  const aBatch = broadcastOffsets(aShape.slice(0, -2), batch);
  const bBatch = broadcastOffsets(bShape.slice(0, -2), batch);
  const out = new Float32Array(checkedLength(batches * m * n));
  for (let t = 0; t < batches; t++) {
    const aBase = aBatch[t]! * m * k;
    const bBase = bBatch[t]! * k * n;
    for (let i = 0; i < m; i++) {
      for (let j = 0; j < n; j++) {
        let acc = 0;
        for (let p = 0; p < k; p++) acc += a.data[aBase + i * k + p]! * b.data[bBase + p * n + j]!;
        out[(t * m + i) * n + j] = acc;
      }
    }
  }
  const shape = [...batch, ...(a.shape.length === 1 ? [] : [m]), ...(b.shape.length === 1 ? [] : [n])];
  return f32(shape, out);
}
