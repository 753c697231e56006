import { describe, expect, it } from 'vitest';
import type { Pixels } from '../../src/data/image.ts';
import { DEFAULT_PREPROCESS, normalize, parsePreprocessFlags } from '../../src/data/preprocess.ts';
import { InputError } from '../../src/errors.ts';

describe('parsePreprocessFlags', () => {
  it('defaults: scale 1/255, mean 0, std 1, nchw, no size', () => {
    expect(parsePreprocessFlags({})).toEqual({ scale: 1 / 255, mean: [0], std: [1], layout: 'nchw' });
    expect(parsePreprocessFlags({})).toEqual({ ...DEFAULT_PREPROCESS });
  });

  it('accepts numbers as a CLI parser hands them over, fractions, comma lists, sizes, layouts', () => {
    const p = parsePreprocessFlags({ scale: '1/255', mean: '0.485, 0.456,0.406', std: 0.5, size: '224x192', layout: 'NHWC' }, 3);
    expect(p).toEqual({ scale: 1 / 255, mean: [0.485, 0.456, 0.406], std: [0.5], size: [224, 192], layout: 'nhwc' });
    expect(parsePreprocessFlags({ scale: 1, size: 28 }).size).toEqual([28, 28]);
    expect(parsePreprocessFlags({ size: '32,16' }).size).toEqual([32, 16]);
    expect(parsePreprocessFlags({ mean: -1 }).mean).toEqual([-1]);
  });

  it.each([
    [{ mean: '0.5,0.5' }, 3, '--mean has 2 values but the model input has 3 channels'],
    [{ std: '1,2,3' }, 1, '--std has 3 values but the model input has 1 channel'],
    [{ scale: 'abc' }, undefined, '--scale must be a number, got "abc"'],
    [{ scale: 0 }, undefined, '--scale must not be 0'],
    [{ mean: '0.1,,0.3' }, undefined, '--mean must be a number or a comma list of numbers, got "0.1,,0.3"'],
    [{ std: '1,0' }, undefined, '--std must not contain 0 (value 2 of 2 is 0)'],
    [{ size: '28x' }, undefined, '--size must be HxW with positive integers (e.g. 28x28), got "28x"'],
    [{ size: '0x5' }, undefined, '--size must be HxW with positive integers (e.g. 28x28), got "0x5"'],
    [{ layout: 'chw' }, undefined, '--layout must be nchw or nhwc, got "chw"'],
    [{ mean: [1, 2] }, undefined, '--mean is given more than once'],
    [{ scale: true }, undefined, '--scale needs a value'],
  ] as const)('%j (channels %s) → %s', (flags, channels, message) => {
    expect(() => parsePreprocessFlags(flags, channels)).toThrow(new InputError(message));
  });
});

describe('normalize: (x · scale − mean[c]) / std[c], then layout', () => {
  // 1×2 image, 3 channels, interleaved: pixel 0 = (10, 20, 30), pixel 1 = (40, 50, 60).
  const p: Pixels = { height: 1, width: 2, channels: 3, data: Float32Array.of(10, 20, 30, 40, 50, 60) };
  const expected = (x: number, k: number) => (x * 0.1 - [1, 2, 3][k]!) / [2, 4, 8][k]!;

  it('per-channel mean and std, NCHW: channel planes', () => {
    const out = normalize(p, { scale: 0.1, mean: [1, 2, 3], std: [2, 4, 8], layout: 'nchw' });
    expect(Array.from(out)).toEqual([expected(10, 0), expected(40, 0), expected(20, 1), expected(50, 1), expected(30, 2), expected(60, 2)].map(Math.fround));
  });

  it('per-channel mean and std, NHWC: interleaved', () => {
    const out = normalize(p, { scale: 0.1, mean: [1, 2, 3], std: [2, 4, 8], layout: 'nhwc' });
    expect(Array.from(out)).toEqual([expected(10, 0), expected(20, 1), expected(30, 2), expected(40, 0), expected(50, 1), expected(60, 2)].map(Math.fround));
  });

  it('single mean and std apply to every channel; the default maps 0..255 to 0..1', () => {
    const out = normalize(p, { scale: 1, mean: [5], std: [5], layout: 'nhwc' });
    expect(Array.from(out)).toEqual([1, 3, 5, 7, 9, 11]);
    const gray: Pixels = { height: 1, width: 3, channels: 1, data: Uint8Array.of(0, 51, 255) };
    expect(Array.from(normalize(gray, { ...DEFAULT_PREPROCESS }))).toEqual([0, 0.2, 1].map(Math.fround));
  });

  it('a mean list that does not fit the channels is an InputError', () => {
    expect(() => normalize(p, { scale: 1, mean: [1, 2], std: [1], layout: 'nchw' })).toThrow('--mean has 2 values but the model input has 3 channels');
  });
});
