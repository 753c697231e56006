import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { convertChannels, decodeImage, resizeBilinear, type Pixels } from '../../src/data/image.ts';
import { InputError } from '../../src/errors.ts';

const FIX = 'test/fixtures/images';
const decode = (name: string) => decodeImage(readFileSync(`${FIX}/${name}`), name);
const W = 4, H = 3;
// The fixtures' pixels, as make.py writes them.
const rgbAt = (y: number, x: number) => [10 * x + 60 * y, 200 - 10 * x, 7 * (x + y)];
const grayAt = (y: number, x: number) => 20 * x + 80 * y;
const pixels = (h: number, w: number, c: number, f: (y: number, x: number, k: number) => number): Pixels => {
  const data = new Float32Array(h * w * c);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) for (let k = 0; k < c; k++) data[(y * w + x) * c + k] = f(y, x, k);
  return { height: h, width: w, channels: c, data };
};
const at = (p: Pixels, y: number, x: number) => Array.from(p.data.subarray((y * p.width + x) * p.channels, (y * p.width + x + 1) * p.channels));

describe('decodeImage', () => {
  it('PNG: 8-bit RGB, RGBA, gray; 16-bit gray; 1-bit gray; palette', () => {
    const rgb = decode('rgb8.png');
    expect([rgb.height, rgb.width, rgb.channels]).toEqual([H, W, 3]);
    const rgba = decode('rgba8.png');
    expect(rgba.channels).toBe(4);
    const gray = decode('gray8.png');
    expect(gray.channels).toBe(1);
    const gray16 = decode('gray16.png');
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) {
        expect(at(rgb, y, x)).toEqual(rgbAt(y, x));
        expect(at(rgba, y, x)).toEqual([...rgbAt(y, x), 128]);
        expect(at(gray, y, x)).toEqual([grayAt(y, x)]);
        expect(at(gray16, y, x)[0]).toBeCloseTo(grayAt(y, x) + 1 / 257, 4); // 16-bit v → v / 257
      }
    }
    expect(Array.from(decode('gray1.png').data)).toEqual([0, 255, 0, 255, 255, 0, 255, 0, 0, 255, 0, 255]);
    const palette = decode('palette8.png');
    expect(palette.channels).toBe(3);
    const colours = [[255, 0, 0], [0, 255, 0], [0, 0, 255]];
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) expect(at(palette, y, x)).toEqual(colours[(x + y) % 3]);
  });

  it('JPEG: a flat colour decodes to within 2 levels', () => {
    const jpg = decode('solid.jpg');
    expect([jpg.height, jpg.width, jpg.channels]).toEqual([8, 8, 3]);
    for (let i = 0; i < 64; i++) {
      const px = at(jpg, Math.floor(i / 8), i % 8);
      [200, 100, 50].forEach((v, k) => expect(Math.abs(px[k]! - v)).toBeLessThanOrEqual(2));
    }
  });

  it('refuses what is not PNG or JPEG, and broken files, naming them', () => {
    expect(() => decodeImage(new TextEncoder().encode('GIF89a...'), 'x.gif')).toThrow(new InputError('x.gif: not a PNG or JPEG image'));
    const truncated = readFileSync(`${FIX}/rgb8.png`).subarray(0, 40);
    expect(() => decodeImage(truncated, 'cut.png')).toThrow(/^cut\.png: cannot decode PNG: /);
    const badJpeg = Uint8Array.of(0xff, 0xd8, 0xff, 0xe0, 0, 0);
    expect(() => decodeImage(badJpeg, 'cut.jpg')).toThrow(/^cut\.jpg: cannot decode JPEG: /);
  });
});

describe('convertChannels', () => {
  const rgb = pixels(1, 2, 3, (_y, x, k) => [[255, 0, 0], [10, 20, 30]][x]![k]!);
  it('RGB → 1: BT.601 luminance', () => {
    expect(Array.from(convertChannels(rgb, 1).data)).toEqual([Math.fround(0.299 * 255), Math.fround(0.299 * 10 + 0.587 * 20 + 0.114 * 30)]);
  });
  it('gray → 3 replicates; RGBA → 3 drops alpha; gray+alpha → 1 drops alpha; RGB → 4 adds 255', () => {
    expect(Array.from(convertChannels(pixels(1, 2, 1, (_y, x) => 7 + x), 3).data)).toEqual([7, 7, 7, 8, 8, 8]);
    expect(Array.from(convertChannels(pixels(1, 1, 4, (_y, _x, k) => k + 1), 3).data)).toEqual([1, 2, 3]);
    expect(Array.from(convertChannels(pixels(1, 1, 2, (_y, _x, k) => k + 1), 1).data)).toEqual([1]);
    expect(Array.from(convertChannels(rgb, 4).data)).toEqual([255, 0, 0, 255, 10, 20, 30, 255]);
    expect(convertChannels(rgb, 3)).toBe(rgb);
  });
  it('refuses other counts', () => {
    expect(() => convertChannels(pixels(1, 1, 5, () => 0), 3, 'x')).toThrow('x: cannot convert 5-channel data to the 3 channels the model input has');
  });
});

describe('resizeBilinear (half-pixel centres, edge-clamped)', () => {
  it('a constant image stays constant, up and down', () => {
    const flat = pixels(5, 7, 3, (_y, _x, k) => 17 + k);
    for (const [h, w] of [[13, 2], [1, 1], [5, 20], [3, 3]] as const) {
      const r = resizeBilinear(flat, h, w);
      expect([r.height, r.width, r.channels]).toEqual([h, w, 3]);
      for (let i = 0; i < h * w; i++) expect(Array.from(r.data.subarray(i * 3, i * 3 + 3))).toEqual([17, 18, 19]);
    }
  });

  it('2×2 → 4×4 matches the hand-computed values', () => {
    // Source [[0, 10], [20, 30]]. Output coordinate i maps to (i + 0.5) / 2 − 0.5 = −0.25, 0.25,
    // 0.75, 1.25, clamped to 0, 0.25, 0.75, 1: weights of the second neighbour 0, ¼, ¾, 1
    // (what OpenCV INTER_LINEAR and PyTorch bilinear with align_corners=False give).
    const src = pixels(2, 2, 1, (y, x) => [[0, 10], [20, 30]][y]![x]!);
    const r = resizeBilinear(src, 4, 4);
    expect(Array.from(r.data)).toEqual([
      0, 2.5, 7.5, 10,
      5, 7.5, 12.5, 15,
      15, 17.5, 22.5, 25,
      20, 22.5, 27.5, 30,
    ]);
  });

  it('4×4 → 2×2 averages each 2×2 block (sample points fall between pixels)', () => {
    const src = pixels(4, 4, 1, (y, x) => 4 * y + x);
    expect(Array.from(resizeBilinear(src, 2, 2).data)).toEqual([2.5, 4.5, 10.5, 12.5]);
  });

  it('same size returns the input', () => {
    const p = pixels(2, 3, 1, () => 1);
    expect(resizeBilinear(p, 2, 3)).toBe(p);
  });
});
