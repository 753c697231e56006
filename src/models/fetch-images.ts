// The real photos the pretrained models are calibrated and evaluated on, assembled from Debian
// packages into the cache (src/models/cache.ts imagesRoot(); docs/images.md lists them):
//
//   images/photos/, calib/        photos copied from python3-skimage and opencv-doc, split for
//                                 evaluation / calibration (isCalibrationPhoto)
//   images/faces/, faces-calib/   face crops of the face photos (FACE_CROPS)
//   images/manifest.json          every photo and crop with its source, licence and sha256
//
// Idempotent: a file whose content is already right is not rewritten. Node only; the crops are
// decoded and encoded with the project's own image codecs (fast-png, jpeg-js).

import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { decode as decodePng, encode as encodePng } from 'fast-png';
import jpeg from 'jpeg-js';
import { sniffImage } from '../data/image.ts';
import { imagesRoot } from './cache.ts';
import { FetchError, sha256 } from './fetch-util.ts';
import type { FaceCropRecord, ImageManifest, ImageRecord } from './paths.ts';

export type ImageSource = 'skimage' | 'opencv';

/**
 * The Debian packages the photos come from, and where they install them. Mutable so that a test
 * can point one at a missing folder.
 */
export const IMAGE_SOURCES: Record<ImageSource, { deb: string; dir: string }> = {
  skimage: { deb: 'python3-skimage', dir: '/usr/lib/python3/dist-packages/skimage/data' },
  opencv: { deb: 'opencv-doc', dir: '/usr/share/doc/opencv-doc/examples/data' },
};

const SKIMAGE_LICENSE = 'BSD-3-Clause (scikit-image; debian/copyright Files: *)';
const OPENCV_LICENSE = 'Apache-2.0 AND BSD-3-Clause (OpenCV; debian/copyright Files: *)';

export interface Photo {
  source: ImageSource;
  /** The file's name in its package's folder. */
  file: string;
  /** Shows at least one human face. */
  faces: boolean;
  /** The image's own provenance where the package documents it. */
  note: string;
  /** `<source>-<file>`: its name in photos/ or calib/. */
  name: string;
  license: string;
}

/**
 * The photos: real camera images only (no drawings, renders, charts, text pages, calibration
 * targets or synthetic shapes; no near-duplicate stereo/flow pairs; never lena, which Debian
 * strips from opencv anyway). `faces`: shows at least one human face (checked by eye and with
 * blazeface-front; see docs/images.md). `note`: the image's own provenance where the package
 * documents it (skimage: the docstrings in skimage/data/_fetchers.py). Saved as
 * `<source>-<file>`.
 */
export const IMAGES: readonly Photo[] = (
  [
    { source: 'skimage', file: 'astronaut.png', faces: true, note: 'Eileen Collins, NASA; public domain' },
    { source: 'skimage', file: 'camera.png', faces: true, note: 'cameraman; CC0 by the photographer (Lav Varshney)' },
    { source: 'skimage', file: 'chelsea.png', faces: false, note: 'Chelsea the cat; CC0 (Stefan van der Walt)' },
    { source: 'skimage', file: 'coffee.png', faces: false, note: 'coffee cup; CC0 (Rachel Michetti)' },
    { source: 'skimage', file: 'rocket.jpg', faces: false, note: 'DSCOVR launch, SpaceX; public domain' },
    { source: 'skimage', file: 'motorcycle_left.png', faces: false, note: 'Middlebury 2014 stereo, downsampled' },
    { source: 'skimage', file: 'hubble_deep_field.jpg', faces: false, note: 'Hubble eXtreme Deep Field, NASA; public domain' },
    { source: 'skimage', file: 'coins.png', faces: false, note: 'Greek coins, Brooklyn Museum; no known copyright restrictions' },
    { source: 'skimage', file: 'moon.png', faces: false, note: 'surface of the moon; no per-image note' },
    { source: 'skimage', file: 'clock_motion.png', faces: false, note: 'motion-blurred clock; public domain (Stefan van der Walt)' },
    { source: 'skimage', file: 'retina.jpg', faces: false, note: 'fundus photograph, Wikimedia (M. Häggström); CC0' },
    { source: 'skimage', file: 'ihc.png', faces: false, note: 'immunohistochemistry micrograph, CMMI; no known copyright restrictions' },
    { source: 'skimage', file: 'grass.png', faces: false, note: 'grass (DeviantArt, linolafett); CC0' },
    { source: 'skimage', file: 'gravel.png', faces: false, note: 'gravel (CC0Textures); CC0' },
    { source: 'skimage', file: 'brick.png', faces: false, note: 'brick wall (CC0Textures); CC0' },
    { source: 'opencv', file: 'aero1.jpg', faces: false, note: 'aerial view of a town' },
    { source: 'opencv', file: 'aero3.jpg', faces: false, note: 'aerial view of a coast town' },
    { source: 'opencv', file: 'aloeL.jpg', faces: false, note: 'an aloe plant; Middlebury 2006 stereo, left view' },
    { source: 'opencv', file: 'apple.jpg', faces: false, note: 'an apple' },
    { source: 'opencv', file: 'baboon.jpg', faces: false, note: 'a mandrill; the USC-SIPI "Mandrill" test image' },
    { source: 'opencv', file: 'blox.jpg', faces: false, note: 'blocks on a table (grayish)' },
    { source: 'opencv', file: 'board.jpg', faces: false, note: 'a circuit board' },
    { source: 'opencv', file: 'building.jpg', faces: false, note: 'an office building' },
    { source: 'opencv', file: 'butterfly.jpg', faces: false, note: 'a butterfly on a leaf' },
    { source: 'opencv', file: 'ela_original.jpg', faces: false, note: 'a notebook (phone photo)' },
    { source: 'opencv', file: 'fruits.jpg', faces: false, note: 'cut fruit' },
    { source: 'opencv', file: 'home.jpg', faces: false, note: 'a palace facade' },
    { source: 'opencv', file: 'left.jpg', faces: false, note: 'books on a floor (left view of a stereo pair)' },
    { source: 'opencv', file: 'leuvenA.jpg', faces: false, note: 'a street in Leuven (iPhone photo)' },
    { source: 'opencv', file: 'licenseplate_motion.jpg', faces: false, note: 'a car from behind, motion-blurred' },
    { source: 'opencv', file: 'messi5.jpg', faces: true, note: 'Lionel Messi (press photo; photographer not recorded)' },
    { source: 'opencv', file: 'orange.jpg', faces: false, note: 'an orange' },
    { source: 'opencv', file: 'pca_test1.jpg', faces: false, note: 'objects on a light box' },
    { source: 'opencv', file: 'squirrel_cls.jpg', faces: false, note: 'a squirrel' },
    { source: 'opencv', file: 'stuff.jpg', faces: false, note: 'pencil, lighter, coin etc. on a table' },
    { source: 'opencv', file: 'basketball1.png', faces: true, note: 'two people in a corridor; Middlebury optical-flow "Basketball" (gray)' },
    { source: 'opencv', file: 'box_in_scene.png', faces: false, note: 'a box among objects (gray)' },
    { source: 'opencv', file: 'chicky_512.png', faces: false, note: 'a dog (RGBA: 0.4% of pixels have alpha < 255; alpha is dropped)' },
    { source: 'opencv', file: 'graf1.png', faces: false, note: 'graffiti; Oxford affine-covariant-features "graf" sequence' },
    { source: 'opencv', file: 'rubberwhale1.png', faces: false, note: 'toys and fabric; Middlebury optical-flow sequence' },
    { source: 'opencv', file: 'smarties.png', faces: false, note: 'sweets on white' },
  ] satisfies Omit<Photo, 'name' | 'license'>[]
).map((img) => ({
  ...img,
  name: `${img.source}-${img.file}`,
  license: img.source === 'skimage' ? SKIMAGE_LICENSE : OPENCV_LICENSE,
}));

/**
 * The evaluation / calibration split of the photos, so no photo a program was calibrated on is
 * used to judge it: sorted by name (code-unit order), every 4th (index 0, 4, 8, …) goes to
 * calib/, the rest to photos/.
 */
export const isCalibrationPhoto = (index: number): boolean => index % 4 === 0;

export interface FaceCrop {
  /** The photo's name (an IMAGES name). */
  from: string;
  /** [x, y, size]: the square's top-left corner and side in the photo's pixels. */
  rect: [number, number, number];
  set: 'faces' | 'faces-calib';
  /** The fp32 blazeface-front score of the best face (or anchor) in the crop. */
  score: number;
  why: string;
  /** `<photo without extension>-<x>-<y>-<size>.png`. */
  name: string;
}

/**
 * Face crops, for the BlazeFace front-camera model: it sees the whole frame stretched to 128×128
 * and finds faces only when they fill a good part of it, which in these photos only the
 * astronaut's does. Each crop is a square [x, y, size] in the source photo's pixels, wholly
 * inside it (no padding: the crop's pixels are the photo's), written as an 8-bit RGB PNG
 * `<source photo>-<x>-<y>-<size>.png` (gray photos replicated to RGB). `set`: faces/
 * (evaluation) or faces-calib/ (calibration); the two never share a crop, but with four face
 * photos they share people and source photos (different framings; docs/images.md). `score`: the
 * fp32 blazeface-front score (TF.js, input stretched to 128×128 in [-1, 1]) of the best face in
 * the crop, or of the best anchor when no face passes the 0.75 threshold; checked by
 * test/unit/face-crops.test.ts. Every evaluation crop has a face above the threshold.
 */
export const FACE_CROPS: readonly FaceCrop[] = (
  [
    { from: 'skimage-astronaut.png', rect: [100, 0, 330], set: 'faces', score: 0.96, why: 'head and shoulders' },
    { from: 'skimage-astronaut.png', rect: [60, 0, 420], set: 'faces', score: 0.957, why: 'upper body' },
    { from: 'skimage-astronaut.png', rect: [170, 40, 160], set: 'faces', score: 0.958, why: 'tight face' },
    { from: 'skimage-camera.png', rect: [130, 0, 250], set: 'faces', score: 0.881, why: 'the cameraman, head and camera' },
    { from: 'opencv-messi5.jpg', rect: [170, 30, 140], set: 'faces', score: 0.931, why: 'Messi, head and shoulders' },
    { from: 'opencv-messi5.jpg', rect: [180, 45, 110], set: 'faces', score: 0.857, why: 'Messi, closer' },
    { from: 'opencv-basketball1.png', rect: [0, 30, 180], set: 'faces', score: 0.918, why: 'the man on the left, upper body' },
    { from: 'opencv-basketball1.png', rect: [25, 55, 120], set: 'faces', score: 0.891, why: 'the man on the left, head' },
    // Calibration needs faces of both sizes: small ones light up the 16×16 anchor map, large ones the 8×8.
    { from: 'skimage-astronaut.png', rect: [0, 0, 512], set: 'faces-calib', score: 0.921, why: 'the whole photo (a small face)' },
    { from: 'skimage-camera.png', rect: [100, 0, 330], set: 'faces-calib', score: 0.913, why: 'the cameraman, upper body' },
    { from: 'opencv-messi5.jpg', rect: [140, 0, 230], set: 'faces-calib', score: 0.9, why: 'Messi, upper body' },
    { from: 'opencv-messi5.jpg', rect: [150, 10, 180], set: 'faces-calib', score: 0.958, why: 'Messi, chest up' },
    { from: 'skimage-astronaut.png', rect: [140, 30, 220], set: 'faces-calib', score: 0.944, why: 'head' },
    { from: 'opencv-basketball1.png', rect: [40, 70, 90], set: 'faces-calib', score: 0.809, why: 'the man on the left, tight face' },
    { from: 'opencv-messi5.jpg', rect: [205, 62, 70], set: 'faces-calib', score: 0.869, why: 'Messi, tight face' },
    { from: 'skimage-camera.png', rect: [170, 30, 170], set: 'faces-calib', score: 0.852, why: 'the cameraman, closer' },
    { from: 'opencv-messi5.jpg', rect: [195, 55, 90], set: 'faces-calib', score: 0.852, why: 'Messi, face' },
    { from: 'opencv-basketball1.png', rect: [15, 45, 140], set: 'faces-calib', score: 0.862, why: 'the man on the left, head and ball' },
    { from: 'opencv-basketball1.png', rect: [420, 0, 220], set: 'faces-calib', score: 0.712, why: 'the man on the right, turned away: ear and cheek only (no face above the 0.75 threshold)' },
  ] satisfies Omit<FaceCrop, 'name'>[]
).map((c) => ({ ...c, name: `${c.from.replace(/\.(png|jpg)$/, '')}-${c.rect.join('-')}.png` }));

/** The one error for missing Debian packages: names every package to install. */
export function checkImagePackages(): void {
  const missing = Object.values(IMAGE_SOURCES).filter((s) => !fs.existsSync(s.dir));
  if (missing.length > 0) {
    throw new FetchError(
      `the photos come from Debian packages that are not installed (${missing.map((s) => s.dir).join(', ')} missing):\n` +
        `  apt-get install ${Object.values(IMAGE_SOURCES).map((s) => s.deb).join(' ')}\n` +
        '(the models alone need neither: `webgpu-int8 fetch-models --models-only`)',
    );
  }
}

function debVersion(deb: string): string | undefined {
  try {
    return execFileSync('dpkg-query', ['-W', '-f=${Version}', deb], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim() || undefined;
  } catch {
    return undefined;
  }
}

export interface ImageCounts {
  photos: number;
  calib: number;
  faces: number;
  facesCalib: number;
  /** Photos copied this time (0 when all were in place). */
  copied: number;
}

type PhotoEntry = Omit<ImageRecord, 'set'>;

export interface AssembleOptions {
  log?: (line: string) => void;
  /** Another images directory (tests); default imagesRoot(). */
  dir?: string;
}

/**
 * Copies the photos into <images>/photos/ and calib/ (isCalibrationPhoto), cuts FACE_CROPS into
 * faces/ and faces-calib/, deletes anything else in those four folders and writes manifest.json;
 * returns the counts. Throws a FetchError naming the Debian packages when they are not installed.
 */
export function assembleImages({ log = console.log, dir: imagesDir = imagesRoot() }: AssembleOptions = {}): ImageCounts {
  checkImagePackages();
  const sorted = [...IMAGES].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const sets = { photos: sorted.filter((_, i) => !isCalibrationPhoto(i)), calib: sorted.filter((_, i) => isCalibrationPhoto(i)) };
  const entries: PhotoEntry[] = [];
  let copied = 0;
  for (const img of IMAGES) {
    const { deb, dir } = IMAGE_SOURCES[img.source];
    const src = path.join(dir, img.file);
    if (!fs.existsSync(src)) throw new FetchError(`${src} missing: reinstall ${deb} (apt-get install --reinstall ${deb})`);
    const bytes = fs.readFileSync(src);
    const format = sniffImage(bytes);
    if (!format) throw new FetchError(`${src}: not a PNG or JPEG`);
    entries.push({ name: img.name, source: img.source, deb, path: src, format, faces: img.faces, license: img.license, note: img.note, sha256: sha256(bytes) });
  }
  const entry = (name: string) => entries.find((x) => x.name === name)!;
  for (const [set, list] of Object.entries(sets)) {
    const dir = path.join(imagesDir, set);
    fs.mkdirSync(dir, { recursive: true });
    const wanted = new Set(list.map((i) => i.name));
    for (const f of fs.readdirSync(dir)) if (!wanted.has(f)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
    for (const img of list) {
      const e = entry(img.name);
      const dst = path.join(dir, img.name);
      if (fs.existsSync(dst) && sha256(fs.readFileSync(dst)) === e.sha256) continue;
      fs.copyFileSync(e.path, dst);
      copied++;
    }
  }
  const crops = writeFaceCrops(entries, imagesDir);
  const manifest: ImageManifest = {
    debs: Object.fromEntries(Object.values(IMAGE_SOURCES).map((s) => [s.deb, debVersion(s.deb) ?? null])),
    images: entries.map((e) => ({ ...e, set: sets.calib.some((c) => c.name === e.name) ? 'calib' : 'photos' })),
    crops,
  };
  const text = JSON.stringify(manifest, null, 2) + '\n';
  const manifestFile = path.join(imagesDir, 'manifest.json');
  if (!fs.existsSync(manifestFile) || fs.readFileSync(manifestFile, 'utf8') !== text) fs.writeFileSync(manifestFile, text);
  const count = (set: FaceCrop['set']) => FACE_CROPS.filter((c) => c.set === set).length;
  log(`images: ${sets.photos.length} photos, ${sets.calib.length} calibration photos, ${count('faces')} + ${count('faces-calib')} face crops (${copied} copied) in ${imagesDir}${path.sep}`);
  return { photos: sets.photos.length, calib: sets.calib.length, faces: count('faces'), facesCalib: count('faces-calib'), copied };
}

interface Rgb {
  width: number;
  height: number;
  data: Uint8Array;
}

/**
 * Decodes an 8-bit PNG (no palette) or a JPEG to RGB (gray replicated, alpha dropped): the same
 * pixels as src/data/image.ts's decodeImage gives for such files.
 */
function decodeRgb(bytes: Uint8Array, where: string): Rgb {
  let width: number;
  let height: number;
  let data: ArrayLike<number>;
  let channels: number;
  if (sniffImage(bytes) === 'png') {
    const png = decodePng(bytes);
    if (png.palette || png.depth !== 8) throw new FetchError(`${where}: only 8-bit PNGs without a palette are cropped`);
    ({ width, height, data, channels } = png);
  } else {
    ({ width, height, data } = jpeg.decode(bytes, { useTArray: true, formatAsRGBA: true }));
    channels = 4;
  }
  const rgb = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) {
    for (let k = 0; k < 3; k++) rgb[3 * i + k] = data[channels * i + (channels < 3 ? 0 : k)]!;
  }
  return { width, height, data: rgb };
}

/**
 * Writes FACE_CROPS into faces/ and faces-calib/ under `imagesDir` (and nothing else there: other
 * files are deleted); returns their manifest records. Each source photo is decoded once.
 */
function writeFaceCrops(entries: readonly PhotoEntry[], imagesDir: string): FaceCropRecord[] {
  const records: FaceCropRecord[] = [];
  const decoded = new Map<string, Rgb>();
  for (const set of ['faces', 'faces-calib'] as const) {
    const dir = path.join(imagesDir, set);
    fs.mkdirSync(dir, { recursive: true });
    const list = FACE_CROPS.filter((c) => c.set === set);
    const wanted = new Set(list.map((c) => c.name));
    for (const f of fs.readdirSync(dir)) if (!wanted.has(f)) fs.rmSync(path.join(dir, f), { recursive: true, force: true });
    for (const crop of list) {
      const source = entries.find((e) => e.name === crop.from);
      if (!source) throw new FetchError(`face crop ${crop.name}: no photo ${crop.from}`);
      let image = decoded.get(source.path);
      if (!image) decoded.set(source.path, (image = decodeRgb(fs.readFileSync(source.path), source.path)));
      const [x, y, size] = crop.rect;
      if (!(Number.isInteger(x) && Number.isInteger(y) && Number.isInteger(size) && x >= 0 && y >= 0 && size > 0 && x + size <= image.width && y + size <= image.height)) {
        throw new FetchError(`face crop ${crop.name}: [${crop.rect.join(',')}] is not inside ${crop.from} (${image.width}×${image.height}; has ${source.deb} changed?)`);
      }
      const data = new Uint8Array(size * size * 3);
      for (let r = 0; r < size; r++) {
        const from = 3 * ((y + r) * image.width + x);
        data.set(image.data.subarray(from, from + 3 * size), 3 * r * size);
      }
      const png = encodePng({ width: size, height: size, channels: 3, depth: 8, data });
      const hash = sha256(png);
      const dst = path.join(dir, crop.name);
      if (!fs.existsSync(dst) || sha256(fs.readFileSync(dst)) !== hash) fs.writeFileSync(dst, png);
      records.push({ name: crop.name, set, from: crop.from, rect: crop.rect, width: size, height: size, why: crop.why, score: crop.score, license: source.license, sha256: hash });
    }
  }
  return records;
}
