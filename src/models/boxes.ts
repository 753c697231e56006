// Axis-aligned boxes for detection post-processing: intersection over union and greedy
// non-max suppression. Generic (any detector, any coordinate unit); no node APIs.

/** [x0, y0, x1, y1]: left, top, right, bottom, with x0 <= x1 and y0 <= y1. */
export type Box = readonly [number, number, number, number];

/** Area of a box; an inverted or empty box (x1 <= x0 or y1 <= y0) has area 0. */
export function boxArea(b: Box): number {
  return Math.max(0, b[2] - b[0]) * Math.max(0, b[3] - b[1]);
}

/**
 * Intersection over union of two boxes, in [0, 1]. 0 when they do not overlap, or when
 * either box has no area (so degenerate boxes never suppress anything).
 */
export function iou(a: Box, b: Box): number {
  const areaA = boxArea(a);
  const areaB = boxArea(b);
  if (areaA <= 0 || areaB <= 0) return 0;
  const w = Math.min(a[2], b[2]) - Math.max(a[0], b[0]);
  const h = Math.min(a[3], b[3]) - Math.max(a[1], b[1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  return inter / (areaA + areaB - inter);
}

/**
 * Greedy ("hard") non-max suppression, as tf.image.nonMaxSuppression: visit the boxes by
 * decreasing score (ties: lower index first) and keep a box unless its IoU with an already
 * kept box is greater than `iouThreshold`; stop after `maxOutput` boxes. Boxes whose score
 * is not greater than `scoreThreshold` are never kept (TF's score_threshold).
 * Returns the kept indices into `boxes`, highest score first.
 */
export function nonMaxSuppression(
  boxes: readonly Box[],
  scores: ArrayLike<number>,
  iouThreshold: number,
  maxOutput: number = Infinity,
  scoreThreshold: number = -Infinity,
): number[] {
  if (scores.length !== boxes.length) {
    throw new RangeError(`nonMaxSuppression: ${boxes.length} boxes but ${scores.length} scores`);
  }
  const order: number[] = [];
  for (let i = 0; i < boxes.length; i++) if (scores[i]! > scoreThreshold) order.push(i);
  order.sort((i, j) => scores[j]! - scores[i]! || i - j);
  const kept: number[] = [];
  for (const i of order) {
    if (kept.length >= maxOutput) break;
    const b = boxes[i]!;
    if (kept.every((k) => iou(boxes[k]!, b) <= iouThreshold)) kept.push(i);
  }
  return kept;
}
