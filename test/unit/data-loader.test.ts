import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { BUNDLED } from '../../src/cli/bundled.ts';
import { imageSetFromIdx } from '../../src/data/dataset.ts';
import { loadImageSet, type LoadOptions } from '../../src/data/files.ts';
import { parseIdx } from '../../src/data/idx.ts';
import { decodeImage, resizeBilinear, convertChannels } from '../../src/data/image.ts';
import { encodeNpy, type NpyArray } from '../../src/data/npy.ts';
import { parsePreprocessFlags, type PreprocessFlags } from '../../src/data/preprocess.ts';
import { InputError } from '../../src/errors.ts';

const FIX = 'test/fixtures/images';
let tmp: string;
beforeAll(() => {
  tmp = mkdtempSync(join(tmpdir(), 'webgpu-int8-data-'));
});

const options = (inputShape: (number | string)[], flags: PreprocessFlags = {}, extra: Partial<LoadOptions> = {}): LoadOptions => ({
  preprocess: parsePreprocessFlags(flags),
  inputShape,
  ...extra,
});
function npyFile(name: string, array: NpyArray): string {
  const path = join(tmp, name);
  writeFileSync(path, encodeNpy(array));
  return path;
}
function textFile(name: string, text: string): string {
  const path = join(tmp, name);
  writeFileSync(path, text);
  return path;
}
const values = (t: { data: ArrayLike<number> }) => Array.from(t.data);

describe('loadImageSet: IDX', () => {
  it('the bundled Fashion-MNIST test set equals imageSetFromIdx on the first 10 images', () => {
    const reference = imageSetFromIdx(parseIdx(readFileSync(BUNDLED.testImages)), parseIdx(readFileSync(BUNDLED.testLabels)));
    const set = loadImageSet(BUNDLED.testImages, options([1, 1, 28, 28], {}, { labels: BUNDLED.testLabels, count: 10 }));
    expect(set.count).toBe(10);
    expect(set.imageShape).toEqual([28, 28, 1]);
    expect(Array.from(set.labels!)).toEqual(Array.from(reference.labels!.subarray(0, 10)));
    for (let i = 0; i < 10; i++) {
      const t = set.input(i);
      expect(t.dtype).toBe('float32');
      expect(t.shape).toEqual([1, 1, 28, 28]);
      expect(t.data).toEqual(reference.input(i).data);
    }
    expect(() => set.input(10)).toThrow(RangeError);
  });

  it('symbolic batch; a flat [1, 12] model input takes [N, 3, 4] images flattened', () => {
    const path = npyFile('small.npy', { dtype: 'uint8', shape: [2, 3, 4], data: Uint8Array.from({ length: 24 }, (_, i) => 10 * i) });
    const set = loadImageSet(path, options(['N', 12], { mean: 0.5, std: 0.5 }));
    const ref = loadImageSet(path, options(['batch', 1, 3, 4], { mean: 0.5, std: 0.5 }));
    expect(set.input(1).shape).toEqual([1, 12]);
    expect(set.input(1).data).toEqual(ref.input(1).data);
    expect(set.input(1).data[0]).toBeCloseTo((120 / 255 - 0.5) / 0.5, 6);
    expect(() => loadImageSet(path, options(['N', 12], { mean: '1,2' }))).toThrow(
      '--mean and --std take one value for the model input [N,12], which has no channel dim',
    );
  });
});

describe('loadImageSet: a folder of PNG / JPEG images', () => {
  const folder = `${FIX}/folder`;
  const raw = (name: string) => decodeImage(readFileSync(`${folder}/${name}`));

  it('sorted by name, other files ignored, each resized to the model size; text labels', () => {
    const set = loadImageSet(folder, options([1, 1, 4, 4], {}, { labels: `${FIX}/folder-labels.txt` }));
    expect(set.count).toBe(3);
    expect(set.names).toEqual(['a-gray.png', 'b-rgb.png', 'c-solid.jpg']);
    expect(Array.from(set.labels!)).toEqual([3, 1, 4]);
    for (const [i, name] of set.names!.entries()) {
      const expected = resizeBilinear(convertChannels(raw(name), 1), 4, 4);
      const t = set.input(i);
      expect(t.shape).toEqual([1, 1, 4, 4]);
      expect(values(t)).toEqual(Array.from(expected.data, (v) => Math.fround(v / 255)));
    }
    // a-gray.png is [[0, 100], [200, 255]]: its first row, resized 2 → 4, is 0, 25, 75, 100.
    expect(values(set.input(0)).slice(0, 4).map((v) => Math.round(v * 255 * 1000) / 1000)).toEqual([0, 25, 75, 100]);
  });

  it('a 3-channel NHWC model at the images’ own size gets the exact pixels, normalized per channel', () => {
    const set = loadImageSet(folder, options(['N', 3, 4, 3], { scale: 1, mean: '1,2,3', std: 2, layout: 'nhwc' }));
    expect(set.imageShape).toEqual([3, 4, 3]);
    const t = set.input(1); // b-rgb.png, 4×3, pixel (y, x) = (10x + 60y, 200 − 10x, 7(x + y))
    expect(t.shape).toEqual([1, 3, 4, 3]);
    const expected: number[] = [];
    for (let y = 0; y < 3; y++) for (let x = 0; x < 4; x++) [10 * x + 60 * y, 200 - 10 * x, 7 * (x + y)].forEach((v, k) => expected.push((v - k - 1) / 2));
    expect(values(t)).toEqual(expected);
    // a-gray.png: gray replicated into the three channels.
    const gray = values(set.input(0));
    // Channel k is (g − k − 1) / 2, so the channels of a pixel step down by 0.5.
    for (let i = 0; i < gray.length; i += 3) {
      expect(gray[i + 1]!).toBeCloseTo(gray[i]! - 0.5, 5);
      expect(gray[i + 2]!).toBeCloseTo(gray[i]! - 1, 5);
    }
  });

  it('symbolic H and W: --size decides, else the first image’s size', () => {
    expect(loadImageSet(folder, options([1, 3, 'h', 'w'])).input(2).shape).toEqual([1, 3, 2, 2]);
    expect(loadImageSet(folder, options([1, 3, 'h', 'w'], { size: '5x6' })).input(2).shape).toEqual([1, 3, 5, 6]);
  });

  it('a single image file is a set of one', () => {
    const set = loadImageSet(`${FIX}/solid.jpg`, options([1, 3, 8, 8]));
    expect(set.count).toBe(1);
    expect(set.names).toEqual(['solid.jpg']);
    expect(Math.abs(set.input(0).data[0]! - 200 / 255)).toBeLessThan(3 / 255);
  });

  it('label count mismatch, missing files, empty folder, --size against a fixed model size', () => {
    const two = textFile('two.txt', '0\n1\n');
    expect(() => loadImageSet(folder, options([1, 1, 4, 4], {}, { labels: two }))).toThrow(
      new InputError(`3 images but 2 labels (images: ${folder}, labels: ${two})`),
    );
    expect(() => loadImageSet('no/such/dir', options([1, 1, 4, 4]))).toThrow(new InputError('images not found: no/such/dir'));
    expect(() => loadImageSet(folder, options([1, 1, 4, 4], {}, { labels: 'no/labels.txt' }))).toThrow(new InputError('labels not found: no/labels.txt'));
    expect(() => loadImageSet(tmp, options([1, 1, 4, 4]))).toThrow(`${tmp}: no PNG or JPEG images (.png, .jpg, .jpeg) in this folder`);
    expect(() => loadImageSet(folder, options([1, 1, 4, 4], { size: '5x5' }))).toThrow('--size 5x5 does not match the model input [1,1,4,4] (layout nchw)');
    expect(() => loadImageSet(folder, options([1, 2, 4, 4]))).toThrow(`${folder}: images can fill 1, 3 or 4 channels; the model input [1,2,4,4] has 2`);
    const bad = textFile('bad.txt', '1\n2\nthree\n');
    expect(() => loadImageSet(folder, options([1, 1, 4, 4], {}, { labels: bad }))).toThrow(`${bad}: line 3 is not an integer label: "three"`);
    const junk = textFile('junk.bin', 'no format at all');
    expect(() => loadImageSet(junk, options([1, 1, 4, 4]))).toThrow(`${junk}: unknown data format`);
  });
});

describe('loadImageSet: .npy', () => {
  // Two 3-channel 2×2 images, NCHW: value = 100·n + 10·c + (2y + x).
  const nchw = Uint8Array.from({ length: 24 }, (_, i) => 100 * Math.floor(i / 12) + 10 * Math.floor((i % 12) / 4) + (i % 4));
  const nhwc = new Uint8Array(24);
  for (let n = 0; n < 2; n++) for (let c = 0; c < 3; c++) for (let j = 0; j < 4; j++) nhwc[n * 12 + j * 3 + c] = nchw[n * 12 + c * 4 + j]!;
  const flags = { scale: 1 };

  it('[N,C,H,W] and [N,H,W,C] give the same inputs; --layout nhwc lays the model input out NHWC', () => {
    const a = loadImageSet(npyFile('nchw.npy', { dtype: 'uint8', shape: [2, 3, 2, 2], data: nchw }), options([1, 3, 2, 2], flags));
    const b = loadImageSet(npyFile('nhwc.npy', { dtype: 'uint8', shape: [2, 2, 2, 3], data: nhwc }), options([1, 3, 2, 2], flags));
    expect(a.count).toBe(2);
    expect(values(a.input(1))).toEqual(Array.from(nchw.subarray(12)));
    expect(values(b.input(1))).toEqual(Array.from(nchw.subarray(12)));
    const c = loadImageSet(npyFile('nchw.npy', { dtype: 'uint8', shape: [2, 3, 2, 2], data: nchw }), options([1, 2, 2, 3], { ...flags, layout: 'nhwc' }));
    expect(c.input(1).shape).toEqual([1, 2, 2, 3]);
    expect(values(c.input(1))).toEqual(Array.from(nhwc.subarray(12)));
  });

  it('an ambiguous [N,3,3,3] follows --layout', () => {
    const data = Float32Array.from({ length: 27 }, (_, i) => i);
    const path = npyFile('cube.npy', { dtype: 'float32', shape: [1, 3, 3, 3], data });
    expect(values(loadImageSet(path, options([1, 3, 3, 3], flags)).input(0))).toEqual(Array.from(data));
    // Both dims 1 and 3 equal the 3 channels: the data is taken to be in the model's layout, so
    // with either --layout the values pass through in their stored order.
    expect(values(loadImageSet(path, options([1, 3, 3, 3], { ...flags, layout: 'nhwc' })).input(0))).toEqual(Array.from(data));
  });

  it('gray [N,H,W] fills a 3-channel model by replication; RGB fills a 1-channel model by luminance', () => {
    const gray = loadImageSet(npyFile('gray.npy', { dtype: 'float64', shape: [1, 2, 2], data: Float64Array.of(1, 2, 3, 4) }), options([1, 3, 2, 2], flags));
    expect(values(gray.input(0))).toEqual([1, 2, 3, 4, 1, 2, 3, 4, 1, 2, 3, 4]);
    const rgb = loadImageSet(npyFile('nhwc.npy', { dtype: 'uint8', shape: [2, 2, 2, 3], data: nhwc }), options([1, 1, 2, 2], flags));
    const px = (j: number) => 0.299 * nchw[12 + j]! + 0.587 * nchw[16 + j]! + 0.114 * nchw[20 + j]!;
    expect(values(rgb.input(1))).toEqual([0, 1, 2, 3].map((j) => Math.fround(px(j))));
  });

  it('a shape the model cannot take names both shapes; --size resizes arrays', () => {
    const path = npyFile('big.npy', { dtype: 'uint8', shape: [2, 32, 32], data: new Uint8Array(2048).fill(51) });
    expect(() => loadImageSet(path, options(['N', 1, 28, 28]))).toThrow(
      new InputError(`${path}: data shape [2,32,32] cannot fill the model input [N,1,28,28]: the images are 32x32, the model wants 28x28; pass --size 28x28 to resize`),
    );
    const resized = loadImageSet(path, options(['N', 1, 28, 28], { size: '28x28' }));
    expect(resized.input(0).shape).toEqual([1, 1, 28, 28]);
    expect(values(resized.input(0)).filter((v) => v !== Math.fround(0.2)), 'resized values other than fround(0.2)').toEqual([]);
    const five = npyFile('five.npy', { dtype: 'uint8', shape: [1, 5, 4, 4], data: new Uint8Array(80) });
    expect(() => loadImageSet(five, options([1, 3, 4, 4]))).toThrow(
      `${five}: data shape [1,5,4,4] cannot fill the model input [1,3,4,4]: neither dim 1 nor dim 3 is a channel count that fills 3 channels`,
    );
    const flat = npyFile('flat.npy', { dtype: 'float32', shape: [3, 10], data: new Float32Array(30) });
    expect(() => loadImageSet(flat, options([1, 1, 4, 4]))).toThrow(`${flat}: data shape [3,10] cannot fill the model input [1,1,4,4]`);
    expect(() => loadImageSet(flat, options([4, 10]))).toThrow('the model input [4,10] has batch 4; one image per run (batch 1) is supported');
  });

  it('.npy labels: int64 and int32, [N] or [N,1]; counts must match', () => {
    const images = npyFile('nchw.npy', { dtype: 'uint8', shape: [2, 3, 2, 2], data: nchw });
    const l64 = npyFile('l64.npy', { dtype: 'int64', shape: [2], data: Float64Array.of(7, 999) });
    expect(Array.from(loadImageSet(images, options([1, 3, 2, 2], flags, { labels: l64 })).labels!)).toEqual([7, 999]);
    const l32 = npyFile('l32.npy', { dtype: 'int32', shape: [2, 1], data: Int32Array.of(1, 0) });
    expect(Array.from(loadImageSet(images, options([1, 3, 2, 2], flags, { labels: l32, count: 1 })).labels!)).toEqual([1]);
    const three = npyFile('l3.npy', { dtype: 'uint8', shape: [3], data: Uint8Array.of(1, 2, 3) });
    expect(() => loadImageSet(images, options([1, 3, 2, 2], flags, { labels: three }))).toThrow(/^2 images but 3 labels/);
    const neg = npyFile('neg.npy', { dtype: 'int8', shape: [2], data: Int8Array.of(1, -1) });
    expect(() => loadImageSet(images, options([1, 3, 2, 2], flags, { labels: neg }))).toThrow(`${neg}: label 1 is -1; labels must be non-negative integers`);
  });
});
