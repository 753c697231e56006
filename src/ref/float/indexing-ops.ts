// Float reference kernels of the indexing op family (ir/ops/indexing.ts).

import type { IndexingAttrs } from '../../ir/ops/indexing.ts';
import { scalarValues, type Tensor } from '../../ir/tensor.ts';
import { einsum } from './indexing-einsum.ts';
import { gatherElements, gatherND, oneHot, scatterElements, scatterND } from './indexing-gather.ts';
import { constantOfShape, eyeLike, nonZero, range, size } from './indexing-make.ts';
import { compress, expand, reverseSequence, slice, spaceToDepth, split, tile, trilu } from './indexing-move.ts';
import { nonMaxSuppression } from './indexing-nms.ts';
import { unique } from './indexing-unique.ts';
import { need, values, type Kernels } from './kernel.ts';

/** The first value of an optional scalar input, `fallback` when it is omitted. */
const scalarOr = (t: Tensor | undefined, fallback: number): number => (t ? t.data[0]! : fallback);

export const indexingKernels: Kernels<keyof IndexingAttrs> = {
  Slice: (i) => [slice(need(i, 0), scalarValues(need(i, 1)), scalarValues(need(i, 2)), values(i[3]), values(i[4]))],
  Split: (i, a) => split(need(i, 0), a.axis, a.parts, values(i[1])),
  Expand: (i) => [expand(need(i, 0), scalarValues(need(i, 1)))],
  Tile: (i) => [tile(need(i, 0), scalarValues(need(i, 1)))],
  Range: (i) => [range(need(i, 0), need(i, 1), need(i, 2))],
  ConstantOfShape: (i, a) => [constantOfShape(need(i, 0).data, a.value, a.dtype)],
  Size: (i) => [size(need(i, 0))],
  GatherElements: (i, a) => [gatherElements(need(i, 0), need(i, 1), a.axis)],
  GatherND: (i, a) => [gatherND(need(i, 0), need(i, 1), a.batchDims)],
  ScatterElements: (i, a) => [scatterElements(need(i, 0), need(i, 1), need(i, 2), a.axis, a.reduction)],
  ScatterND: (i, a) => [scatterND(need(i, 0), need(i, 1), need(i, 2), a.reduction)],
  OneHot: (i, a) => {
    const v = need(i, 2);
    return [oneHot(need(i, 0), Math.trunc(need(i, 1).data[0]!), v.data[0]!, v.data[1]!, v.dtype, a.axis)];
  },
  Compress: (i, a) => [compress(need(i, 0), need(i, 1).data, a.axis)],
  Trilu: (i, a) => [trilu(need(i, 0), a.upper, scalarOr(i[1], 0))],
  SpaceToDepth: (i, a) => [spaceToDepth(need(i, 0), a.blocksize)],
  NonZero: (i) => [nonZero(need(i, 0))],
  EyeLike: (i, a) => [eyeLike(need(i, 0), a.k, a.dtype)],
  Einsum: (i, a) => [einsum(i.map((_, k) => need(i, k)), a.operands, a.output)],
  NonMaxSuppression: (i, a) =>
    [nonMaxSuppression(need(i, 0), need(i, 1), { max: scalarOr(i[2], 0), iou: scalarOr(i[3], 0), score: scalarOr(i[4], -Infinity), centerPointBox: a.centerPointBox })],
  ReverseSequence: (i, a) => [reverseSequence(need(i, 0), scalarValues(need(i, 1)), a.batchAxis, a.timeAxis)],
  Unique: (i, a) => unique(need(i, 0), a.sorted, a.axis),
};
