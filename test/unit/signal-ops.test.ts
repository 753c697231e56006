// What the ONNX conformance data does not reach in the signal family: the one-sided transforms
// (RFFT, IRFFT), dft_length cutting and padding, DFT-20's axis input, integer window types.

import { describe, expect, it } from 'vitest';
import { UnsupportedOpError } from '../../src/errors.ts';
import { OnnxDataType } from '../../src/import/onnx-schema.ts';
import { importOnnx } from '../../src/import/onnx.ts';
import { inferShapes } from '../../src/ir/shapes.ts';
import { f32, type Tensor } from '../../src/ir/tensor.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { dft } from '../../src/ref/float/signal-dft.ts';
import { windowFunction } from '../../src/ref/float/signal-windows.ts';
import { encodeOnnx, type OnnxModelSpec } from '../helpers/onnx-encode.ts';

const real = (values: number[]) => f32([1, values.length, 1], values);
const close = (t: Tensor, want: number[]) => Array.from(t.data).forEach((v, i) => expect(v).toBeCloseTo(want[i]!, 5));

describe('signal ops', () => {
  it('RFFT keeps floor(n/2)+1 bins of a real signal, at dft_length (cut or zero-padded)', () => {
    const y = dft(real([1, 2, 3, 4]), undefined, { axis: 1, inverse: false, onesided: true });
    expect(y.shape).toEqual([1, 3, 2]);
    close(y, [10, 0, -2, 2, -2, 0]);
    // Padded to 5: X[k] = Σ x[t] e^{-2πikt/5}; X[0] is the sum.
    const padded = dft(real([1, 2, 3, 4]), [5], { axis: 1, inverse: false, onesided: true });
    expect(padded.shape).toEqual([1, 3, 2]);
    expect(padded.data[0]).toBeCloseTo(10, 5);
    const cut = dft(real([1, 2, 3, 4]), [2], { axis: 1, inverse: false, onesided: false });
    close(cut, [3, 0, -1, 0]);
  });

  it('IRFFT inverts RFFT for even and odd lengths, its output real [..., 1]', () => {
    for (const signal of [
      [1, -2, 3, 0.5],
      [1, -2, 3, 0.5, 7],
    ]) {
      const spectrum = dft(real(signal), undefined, { axis: 1, inverse: false, onesided: true });
      const back = dft(spectrum, [signal.length], { axis: 1, inverse: true, onesided: true });
      expect(back.shape).toEqual([1, signal.length, 1]);
      close(back, signal);
    }
    // Without dft_length the IRFFT is 2·(bins − 1) long.
    const spectrum = dft(real([1, -2, 3, 0.5]), undefined, { axis: 1, inverse: false, onesided: true });
    expect(dft(spectrum, undefined, { axis: 1, inverse: true, onesided: true }).shape).toEqual([1, 4, 1]);
  });

  it('takes DFT-20 axis as a constant input and infers the one-sided shape', () => {
    const spec: OnnxModelSpec = {
      opset: 20,
      inputs: [{ name: 'x', shape: [2, 3, 8, 1] }],
      outputs: [{ name: 'y' }],
      initializers: { axis: { dims: [], dataType: OnnxDataType.INT64, int64Data: [2] } },
      nodes: [{ op: 'DFT', inputs: ['x', '', 'axis'], outputs: ['y'], attrs: { onesided: 1 } }],
    };
    const g = importOnnx(encodeOnnx(spec));
    expect(inferShapes(g).get('y')).toEqual([2, 3, 5, 2]);
    const x = f32([2, 3, 8, 1], Array.from({ length: 48 }, (_, i) => i % 8));
    const y = runFloat(g, { x }).y!;
    expect(y.shape).toEqual([2, 3, 5, 2]);
    expect(y.data[0]).toBeCloseTo(28, 5);
  });

  it('refuses DFT-20 with a computed axis, naming the node', () => {
    const spec: OnnxModelSpec = {
      opset: 20,
      inputs: [
        { name: 'x', shape: [1, 8, 1] },
        { name: 'axis', shape: [], elemType: OnnxDataType.INT64 },
      ],
      outputs: [{ name: 'y' }],
      nodes: [{ op: 'DFT', inputs: ['x', '', 'axis'], outputs: ['y'], name: 'd' }],
    };
    expect(() => importOnnx(encodeOnnx(spec))).toThrow(UnsupportedOpError);
    expect(() => importOnnx(encodeOnnx(spec))).toThrow(/DFT \(node "d", opset 20\): a computed axis input/);
  });

  it('casts a window to an integer output_datatype by truncation', () => {
    const w = windowFunction('hann', 4, { periodic: true, dtype: 'int64' });
    expect(w.dtype).toBe('int64');
    // [0, 0.5, 1, 0.5] truncated.
    expect(Array.from(w.data)).toEqual([0, 0, 1, 0]);
  });
});
