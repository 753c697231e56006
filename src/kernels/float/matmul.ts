// MatMul of two activations (numpy: 1-D operands promoted, batch dims broadcast) and Gemm with
// a B that is not a constant, transA, or any C that broadcasts to [M, N]: matmul_f32, reading
// every operand through strides. (A constant B with the common Gemm forms runs conv.ts's dense kernel.)

import type { Node } from '../../ir/graph.ts';
import { sizeOf, type Tensor } from '../../ir/tensor.ts';
import { broadcastShapes } from '../../ref/float/broadcast.ts';
import type { PlannedKernel } from '../conv.ts';
import { dispatchFor, WORKGROUP_SIZE } from '../spec.ts';
import { uniformStruct } from '../uniforms.ts';
import { broadcastStrides, floatBits, formatShape, operandBinding } from './common.ts';

const MAX_BATCH_RANK = 4;

/**
 * Uniforms (28 words): tiles (of 4 × 4 outputs), dispatch width, M, N | K, batch rank, alpha, beta (f32 bits) |
 * batch dims ×4 (innermost first) | A's batch strides ×4 | B's ×4 | A's m and k strides, B's k
 * and n strides | C's m and n strides, 0, 0. Override HAS_C. Bindings: A, B, C (one 0 when
 * absent), output.
 */
export function generalMatmulF32Kernel(
  node: Extract<Node, { op: 'MatMul' | 'Gemm' }>,
  shapes: readonly (readonly number[] | undefined)[],
  constants: ReadonlyMap<string, Tensor>,
): PlannedKernel {
  const aShape = shapes[0];
  const bShape = shapes[1];
  if (!aShape || !bShape) throw new RangeError('A and B are required');
  let m: number, k: number, n: number, kb: number;
  let aSm: number, aSk: number, bSk: number, bSn: number;
  let batch: number[] = [];
  let aBatch: number[] = [];
  let bBatch: number[] = [];
  let outputShape: number[];
  let alpha = 1;
  let beta = 0;
  let c: { binding: ReturnType<typeof operandBinding>; sm: number; sn: number } | undefined;
  if (node.op === 'Gemm') {
    if (aShape.length !== 2 || bShape.length !== 2) throw new RangeError(`Gemm of ${formatShape(aShape)} and ${formatShape(bShape)} (2-D only)`);
    const { transA, transB } = node.attrs;
    if (node.attrs.clamp) throw new RangeError('a Gemm with a fused clamp (the dense kernel takes those)');
    [m, k] = transA ? [aShape[1]!, aShape[0]!] : [aShape[0]!, aShape[1]!];
    [kb, n] = transB ? [bShape[1]!, bShape[0]!] : [bShape[0]!, bShape[1]!];
    [aSm, aSk] = transA ? [1, m] : [k, 1];
    [bSk, bSn] = transB ? [1, kb] : [n, 1];
    alpha = node.attrs.alpha;
    beta = node.attrs.beta;
    outputShape = [m, n];
    const cShape = shapes[2];
    if (cShape && beta !== 0) {
      if (broadcastShapes(cShape, [m, n]).join() !== [m, n].join()) throw new RangeError(`C ${formatShape(cShape)} does not broadcast to [${m}, ${n}]`);
      const [sm, sn] = broadcastStrides(cShape, [m, n]) as [number, number];
      c = { binding: operandBinding(node, 2, constants), sm, sn };
    }
  } else {
    if (aShape.length === 0 || bShape.length === 0) throw new RangeError('MatMul of a scalar');
    const a2 = aShape.length === 1 ? [1, aShape[0]!] : aShape;
    const b2 = bShape.length === 1 ? [bShape[0]!, 1] : bShape;
    [m, k] = [a2[a2.length - 2]!, a2[a2.length - 1]!];
    [kb, n] = [b2[b2.length - 2]!, b2[b2.length - 1]!];
    [aSm, aSk, bSk, bSn] = [k, 1, n, 1];
    const aLead = a2.slice(0, -2);
    const bLead = b2.slice(0, -2);
    batch = broadcastShapes(aLead, bLead);
    if (batch.length > MAX_BATCH_RANK) throw new RangeError(`${batch.length} batch dims (at most ${MAX_BATCH_RANK})`);
    aBatch = broadcastStrides(aLead, batch).map((s) => s * m * k);
    bBatch = broadcastStrides(bLead, batch).map((s) => s * k * n);
    outputShape = [...batch, ...(aShape.length === 1 ? [] : [m]), ...(bShape.length === 1 ? [] : [n])];
  }
  if (k !== kb) throw new RangeError(`inner dimensions ${k} and ${kb} differ`);
  if (m * n * sizeOf(batch) === 0 || k === 0) throw new RangeError('an empty product');
  const tiles = Math.ceil(m / 4) * Math.ceil(n / 4) * sizeOf(batch);
  const pad4 = (v: number[], fill: number) => [...[...v].reverse(), ...new Array<number>(MAX_BATCH_RANK - v.length).fill(fill)];
  const { workgroups, width } = dispatchFor(tiles);
  return {
    spec: {
      label: node.name,
      shader: 'matmul_f32',
      constants: { WORKGROUP_SIZE, HAS_C: c ? 1 : 0 },
      uniforms: uniformStruct({
        tiles, dispatch_width: width, m, n,
        k, batch_rank: batch.length, alpha: floatBits(alpha), beta: floatBits(beta),
        batch_shape: pad4(batch, 1), a_batch: pad4(aBatch, 0), b_batch: pad4(bBatch, 0),
        a_sm: aSm, a_sk: aSk, b_sk: bSk, b_sn: bSn,
        c_sm: c?.sm ?? 0, c_sn: c?.sn ?? 0, _pad0: 0, _pad1: 0,
      }),
      storage: [
        operandBinding(node, 0, constants),
        operandBinding(node, 1, constants),
        c?.binding ?? { data: new Float32Array(1), label: `${node.name}/no-c` },
        { tensor: node.outputs[0]!, write: true },
      ],
      workgroups,
    },
    outputShape,
  };
}
