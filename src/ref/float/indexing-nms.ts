// NonMaxSuppression: per batch and class, boxes by falling score, each kept unless it overlaps a
// kept one by more than the IoU threshold. Also counted by the shape rule (ir/ops/indexing.ts),
// since how many are kept is the algorithm's answer.

import { tensor, type Tensor } from '../../ir/tensor.ts';

export interface NmsLimits {
  /** Boxes kept per batch and class at most. */
  max: number;
  iou: number;
  /** Only boxes scoring above this are candidates. */
  score: number;
  centerPointBox: boolean;
}

/** [y1, x1, y2, x2] with y1 ≤ y2, x1 ≤ x2. */
function corners(boxes: ArrayLike<number>, i: number, centerPointBox: boolean): [number, number, number, number] {
  const [a, b, c, d] = [boxes[i * 4]!, boxes[i * 4 + 1]!, boxes[i * 4 + 2]!, boxes[i * 4 + 3]!];
  if (centerPointBox) return [b - d / 2, a - c / 2, b + d / 2, a + c / 2];
  return [Math.min(a, c), Math.min(b, d), Math.max(a, c), Math.max(b, d)];
}

function iou(p: readonly number[], q: readonly number[]): number {
  const h = Math.max(0, Math.min(p[2]!, q[2]!) - Math.max(p[0]!, q[0]!));
  const w = Math.max(0, Math.min(p[3]!, q[3]!) - Math.max(p[1]!, q[1]!));
  const inter = h * w;
  const union = (p[2]! - p[0]!) * (p[3]! - p[1]!) + (q[2]! - q[0]!) * (q[3]! - q[1]!) - inter;
  return inter > 0 && union > 0 ? inter / union : 0;
}

/** [batch, class, box] of every kept box, batch by batch, class by class, in the order kept. */
export function selectBoxes(boxes: ArrayLike<number>, scores: ArrayLike<number>, scoreDims: readonly number[], limits: NmsLimits): [number, number, number][] {
  const [batches, classes, count] = scoreDims as [number, number, number];
  if (scoreDims.length !== 3 || boxes.length !== batches * count * 4) throw new RangeError(`NonMaxSuppression scores [${scoreDims}] do not fit ${boxes.length / 4} boxes`);
  const selected: [number, number, number][] = [];
  for (let b = 0; b < batches; b++) {
    const boxCorners = Array.from({ length: count }, (_, i) => corners(boxes, b * count + i, limits.centerPointBox));
    for (let c = 0; c < classes; c++) {
      const score = (i: number) => scores[(b * classes + c) * count + i]!;
      // A stable sort: equal scores keep the lower index first.
      const order = Array.from({ length: count }, (_, i) => i)
        .filter((i) => score(i) > limits.score)
        .sort((i, j) => score(j) - score(i));
      const kept: number[] = [];
      for (const i of order) {
        if (kept.length >= limits.max) break;
        if (kept.every((j) => iou(boxCorners[i]!, boxCorners[j]!) <= limits.iou)) kept.push(i);
      }
      for (const i of kept) selected.push([b, c, i]);
    }
  }
  return selected;
}

export const countSelectedBoxes = (boxes: ArrayLike<number>, scores: ArrayLike<number>, scoreDims: readonly number[], limits: NmsLimits): number =>
  selectBoxes(boxes, scores, scoreDims, limits).length;

export function nonMaxSuppression(boxes: Tensor, scores: Tensor, limits: NmsLimits): Tensor {
  const selected = selectBoxes(boxes.data, scores.data, scores.shape, limits);
  return tensor('int64', [selected.length, 3], selected.flat());
}
