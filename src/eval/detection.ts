// Detections, int8 against fp32: does int8 find the same objects, in the same places? Each fp32
// box is matched to the unmatched int8 box it overlaps most; an image agrees when both find the
// same number of boxes and every match reaches the IoU threshold.

import type { Tensor } from '../ir/tensor.ts';
import { iou, type Box } from '../models/boxes.ts';
import type { TaskMetric, TaskReport } from './evaluate.ts';

export interface DetectionReport extends TaskReport {
  images: number;
  /** Images where int8 and fp32 find the same number of boxes and every box matches. */
  agreeing_images: number;
  fp32_boxes: number;
  int8_boxes: number;
  /** fp32 boxes with an int8 box at IoU ≥ the threshold. */
  matched_boxes: number;
  iou_threshold: number;
  min_iou: number | null;
  mean_iou: number | null;
}

export class DetectionAgreement implements TaskMetric {
  private images = 0;
  private agreeing = 0;
  private fp32Boxes = 0;
  private int8Boxes = 0;
  private matched = 0;
  private readonly ious: number[] = [];

  /** `detect`: the model's outputs → boxes (after its score threshold and NMS). */
  constructor(
    private readonly detect: (outputs: Record<string, Tensor>) => Box[],
    private readonly iouThreshold = 0.85,
  ) {}

  add(int8: Record<string, Tensor>, fp32: Record<string, Tensor>): void {
    const expected = this.detect(fp32);
    const found = this.detect(int8);
    const free = new Set(found.keys());
    let matched = 0;
    for (const box of expected) {
      let best = -1;
      let bestIou = 0;
      for (const j of free) {
        const v = iou(box, found[j]!);
        if (v > bestIou) [best, bestIou] = [j, v];
      }
      if (best >= 0) free.delete(best);
      this.ious.push(bestIou);
      if (bestIou >= this.iouThreshold) matched++;
    }
    this.images++;
    this.fp32Boxes += expected.length;
    this.int8Boxes += found.length;
    this.matched += matched;
    if (found.length === expected.length && matched === expected.length) this.agreeing++;
  }

  report(): DetectionReport {
    const mean = this.ious.length ? this.ious.reduce((a, b) => a + b, 0) / this.ious.length : null;
    const min = this.ious.length ? Math.min(...this.ious) : null;
    return {
      images: this.images,
      agreeing_images: this.agreeing,
      fp32_boxes: this.fp32Boxes,
      int8_boxes: this.int8Boxes,
      matched_boxes: this.matched,
      iou_threshold: this.iouThreshold,
      min_iou: min,
      mean_iou: mean,
      lines: [
        `boxes: fp32 ${this.fp32Boxes}, int8 ${this.int8Boxes}; ${this.matched} of the fp32 boxes matched by an int8 box at IoU ≥ ${this.iouThreshold}`,
        `images where int8 finds the same boxes as fp32: ${this.agreeing} of ${this.images}` +
          (min === null ? '' : `; IoU of matched boxes: min ${min.toFixed(3)}, mean ${mean!.toFixed(3)}`),
      ],
    };
  }
}
