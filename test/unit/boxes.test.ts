import { describe, expect, it } from 'vitest';
import { boxArea, iou, nonMaxSuppression, type Box } from '../../src/models/boxes.ts';

describe('iou', () => {
  it('known boxes', () => {
    const a: Box = [0, 0, 2, 2];
    expect(iou(a, a)).toBe(1);
    expect(iou(a, [3, 3, 4, 4])).toBe(0); // disjoint
    expect(iou(a, [2, 0, 4, 2])).toBe(0); // sharing an edge only
    // Shifted by half its width: intersection 1×2 = 2, union 4 + 4 − 2 = 6.
    expect(iou(a, [1, 0, 3, 2])).toBeCloseTo(2 / 6, 12);
    // Shifted by half in both axes: intersection 1, union 7.
    expect(iou(a, [1, 1, 3, 3])).toBeCloseTo(1 / 7, 12);
    // Contained: [0.5, 0.5, 1.5, 1.5] has area 1 inside area 4.
    expect(iou(a, [0.5, 0.5, 1.5, 1.5])).toBeCloseTo(0.25, 12);
    // Symmetric.
    expect(iou([1, 0, 3, 2], a)).toBe(iou(a, [1, 0, 3, 2]));
  });

  it('boxes without area overlap nothing', () => {
    expect(boxArea([2, 2, 1, 3])).toBe(0);
    expect(iou([0, 0, 0, 0], [0, 0, 0, 0])).toBe(0);
    expect(iou([0, 0, 2, 2], [1, 1, 1, 3])).toBe(0);
    expect(iou([0, 0, 2, 2], [2, 2, 0, 0])).toBe(0); // inverted
  });
});

describe('nonMaxSuppression', () => {
  // Two clusters: 0/1/2 around the origin, 3/4 far to the right; 5 touches 0 lightly.
  const boxes: Box[] = [
    [0, 0, 10, 10], // 0
    [1, 0, 11, 10], // 1: IoU with 0 = 90 / 110 ≈ 0.818
    [0, 5, 10, 15], // 2: IoU with 0 = 50 / 150 = 0.333
    [100, 0, 110, 10], // 3
    [102, 0, 112, 10], // 4: IoU with 3 = 80 / 120 ≈ 0.667
    [8, 8, 18, 18], // 5: IoU with 0 = 4 / 196 ≈ 0.02; with 2: 2·7 / 186 ≈ 0.075
  ];
  const scores = [0.9, 0.95, 0.6, 0.7, 0.8, 0.5];

  it('keeps the best of each overlapping group, by decreasing score', () => {
    // 1 (0.95) suppresses 0 (0.818 > 0.3); 4 (0.8) suppresses 3; 2 vs 1: IoU = 45 / 155 ≈ 0.29 → kept.
    expect(nonMaxSuppression(boxes, scores, 0.3)).toEqual([1, 4, 2, 5]);
    // A stricter threshold: 2 (0.29 with 1) goes too; 5 (≤ 0.075) stays.
    expect(nonMaxSuppression(boxes, scores, 0.2)).toEqual([1, 4, 5]);
    // A looser one keeps 3 (0.667 < 0.7) but still not 0 (0.818).
    expect(nonMaxSuppression(boxes, scores, 0.7)).toEqual([1, 4, 3, 2, 5]);
    expect(nonMaxSuppression(boxes, scores, 1)).toEqual([1, 0, 4, 3, 2, 5]);
  });

  it('maxOutput, score threshold, ties and empty input', () => {
    expect(nonMaxSuppression(boxes, scores, 0.3, 2)).toEqual([1, 4]);
    expect(nonMaxSuppression(boxes, scores, 0.3, Infinity, 0.6)).toEqual([1, 4]); // strictly greater
    expect(nonMaxSuppression(boxes, [0.5, 0.5, 0.5, 0.5, 0.5, 0.5], 1)).toEqual([0, 1, 2, 3, 4, 5]);
    expect(nonMaxSuppression([], [], 0.5)).toEqual([]);
    expect(() => nonMaxSuppression(boxes, [1], 0.5)).toThrow(RangeError);
  });
});
