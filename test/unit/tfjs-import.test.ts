// The TF.js importer, op by op: a hand-built graph per case, its bytes run by our importer + float
// reference (as imported, and after the int8 path's passes) and by TF.js itself (CPU backend).
// Tolerance: max |ours − TF.js| ≤ 1e-5 relative to the output's largest magnitude (float32 vs
// float64 accumulation order).
import { describe, expect, it } from 'vitest';
import { UnsupportedModelError, UnsupportedOpError, ModelFormatError } from '../../src/errors.ts';
import { importTfjs } from '../../src/import/tfjs.ts';
import { halfToFloat } from '../../src/import/tfjs-model.ts';
import { tensor } from '../../src/ir/tensor.ts';
import { optimize } from '../../src/passes/pipeline.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { attr, TfGraphBuilder, type Encoding } from '../helpers/tfjs-graph.ts';
import { randomTensor, relativeMaxDiff } from '../helpers/random.ts';
import { loadTfjsArtifacts, runTfjs } from '../helpers/tfjs-reference.ts';

const NHWC = { data_format: attr.s('NHWC') };
const conv = (strides: number, padding: string, extra = {}) => ({ ...NHWC, strides: attr.ints([1, strides, strides, 1]), padding: attr.s(padding), dilations: attr.ints([1, 1, 1, 1]), ...extra });
const values = (shape: number[], seed: number, lo = -1, hi = 1) => randomTensor(shape, seed, lo, hi).data;

/** `reference`: an equivalent graph for TF.js to run, where TF.js lacks the form `b` imports. */
async function compare(b: TfGraphBuilder, inputShape: number[], reference_ = b): Promise<number> {
  const { modelJson, weights } = b.build();
  const x = randomTensor(inputShape, 1);
  const graph = importTfjs(modelJson, weights);
  const r = reference_.build();
  const reference = await runTfjs(await loadTfjsArtifacts(r.modelJson, r.weights.slice().buffer), { x: { shape: inputShape, data: x.data as Float32Array } });
  let worst = 0;
  for (const g of [graph, optimize(graph, { layout: 'NHWC' })]) {
    const ours = runFloat(g, { x });
    for (const out of graph.outputs) {
      const a = ours[out.name]!;
      const r = reference.get(out.name)!;
      expect(a.shape, out.name).toEqual(r.shape);
      worst = Math.max(worst, relativeMaxDiff(a, r));
    }
  }
  return worst;
}

const TOLERANCE = 1e-5;

describe('TF.js import: each op against TF.js', () => {
  it.each([
    ['SAME, stride 2', 2, 'SAME'],
    ['VALID, stride 1', 1, 'VALID'],
  ])('Conv2D %s', async (_, stride, padding) => {
    const b = new TfGraphBuilder();
    b.op('y', 'Conv2D', [b.input('x', [1, 9, 8, 3]), b.constant('w', [3, 3, 3, 5], values([3, 3, 3, 5], 2))], conv(stride as number, padding as string));
    expect(await compare(b, [1, 9, 8, 3])).toBeLessThan(TOLERANCE);
  });

  it('Conv2D with EXPLICIT padding and dilation 2', async () => {
    const b = new TfGraphBuilder();
    const attrs = { ...conv(1, 'EXPLICIT'), dilations: attr.ints([1, 2, 2, 1]), explicit_paddings: attr.ints([0, 0, 1, 2, 2, 0, 0, 0]) };
    b.op('y', 'Conv2D', [b.input('x', [1, 7, 7, 2]), b.constant('w', [3, 3, 2, 4], values([3, 3, 2, 4], 3))], attrs);
    expect(await compare(b, [1, 7, 7, 2])).toBeLessThan(TOLERANCE);
  });

  it.each([['BiasAdd', 'Relu6'], ['BiasAdd', 'Relu'], ['BiasAdd']])('_FusedConv2D [%s, %s]', async (...ops) => {
    const b = new TfGraphBuilder();
    const fused = ops.filter((o) => typeof o === 'string');
    b.op('y', '_FusedConv2D', [b.input('x', [1, 6, 6, 3]), b.constant('w', [3, 3, 3, 4], values([3, 3, 3, 4], 4, -2, 2)), b.constant('b', [4], [0.5, -0.5, 3, -3])], {
      ...conv(1, 'SAME'),
      fused_ops: attr.strings(fused),
      num_args: attr.i(1),
    });
    expect(await compare(b, [1, 6, 6, 3])).toBeLessThan(TOLERANCE);
  });

  it('_FusedConv2D with a fused batch norm and Relu (folded into the weights at import)', async () => {
    const bn = { scale: [1.5, -0.5, 2], offset: [0.1, 0.2, -0.3], mean: [0.3, -0.2, 0.05], variance: [0.5, 2, 0.01] };
    const w = values([3, 3, 2, 3], 5);
    const b = new TfGraphBuilder();
    const args = [b.constant('scale', [3], bn.scale), b.constant('offset', [3], bn.offset), b.constant('mean', [3], bn.mean), b.constant('var', [3], bn.variance)];
    b.op('y', '_FusedConv2D', [b.input('x', [1, 5, 5, 2]), b.constant('w', [3, 3, 2, 3], w), ...args], { ...conv(1, 'SAME'), fused_ops: attr.strings(['FusedBatchNorm', 'Relu']), num_args: attr.i(4), epsilon: attr.f(0.001) });
    // TF.js has no fused batch norm in _FusedConv2D: its reference is the batch norm written out.
    const r = new TfGraphBuilder();
    const raw = r.op('raw', 'Conv2D', [r.input('x', [1, 5, 5, 2]), r.constant('w', [3, 3, 2, 3], w)], conv(1, 'SAME'));
    const centred = r.op('centred', 'Sub', [raw, r.constant('mean', [3], bn.mean)]);
    const gain = bn.scale.map((g, i) => g / Math.sqrt(bn.variance[i]! + 0.001));
    r.op('y', 'Relu', [r.op('shifted', 'AddV2', [r.op('scaled', 'Mul', [centred, r.constant('gain', [3], gain)]), r.constant('offset', [3], bn.offset)])]);
    expect(await compare(b, [1, 5, 5, 2], r)).toBeLessThan(TOLERANCE);
  });

  it('DepthwiseConv2dNative with channel multiplier 2, stride 2, SAME', async () => {
    const b = new TfGraphBuilder();
    b.op('y', 'DepthwiseConv2dNative', [b.input('x', [1, 8, 7, 3]), b.constant('w', [3, 3, 3, 2], values([3, 3, 3, 2], 6))], conv(2, 'SAME'));
    expect(await compare(b, [1, 8, 7, 3])).toBeLessThan(TOLERANCE);
  });

  it('FusedDepthwiseConv2dNative [BiasAdd, Relu6]', async () => {
    const b = new TfGraphBuilder();
    b.op('y', 'FusedDepthwiseConv2dNative', [b.input('x', [1, 6, 6, 4]), b.constant('w', [3, 3, 4, 1], values([3, 3, 4, 1], 7, -3, 3)), b.constant('b', [4], [0, 1, -1, 2])], {
      ...conv(1, 'SAME'),
      fused_ops: attr.strings(['BiasAdd', 'Relu6']),
      num_args: attr.i(1),
    });
    expect(await compare(b, [1, 6, 6, 4])).toBeLessThan(TOLERANCE);
  });

  it('MatMul, and _FusedMatMul with transpose_b, BiasAdd and Relu', async () => {
    const b = new TfGraphBuilder();
    const x = b.input('x', [2, 6]);
    b.op('plain', 'MatMul', [x, b.constant('w1', [6, 3], values([6, 3], 8))], { transpose_a: attr.b(false), transpose_b: attr.b(false) });
    b.op('fused', '_FusedMatMul', [x, b.constant('w2', [4, 6], values([4, 6], 9)), b.constant('b2', [4], [0.1, -0.1, 0.2, 0])], {
      transpose_a: attr.b(false),
      transpose_b: attr.b(true),
      fused_ops: attr.strings(['BiasAdd', 'Relu']),
      num_args: attr.i(1),
    });
    expect(await compare(b, [2, 6])).toBeLessThan(TOLERANCE);
  });

  it('BiasAdd, AddV2, Add, Sub, Mul, RealDiv, AddN with broadcasting; Relu, Relu6, Sigmoid', async () => {
    const b = new TfGraphBuilder();
    const x = b.input('x', [1, 3, 4, 2]);
    const c = b.constant('c', [2], [2, -3]);
    const s = b.constant('s', [], [0.5]);
    const biased = b.op('biased', 'BiasAdd', [x, c], NHWC);
    const sum = b.op('sum', 'AddV2', [biased, x]);
    const scaled = b.op('scaled', 'Mul', [s, sum]);
    const diff = b.op('diff', 'Sub', [scaled, c]);
    const quotient = b.op('quotient', 'RealDiv', [diff, b.constant('d', [1, 1, 4, 1], [1, 2, 4, -8])]);
    b.op('relu', 'Relu', [b.op('add', 'Add', [quotient, s])]);
    b.op('relu6', 'Relu6', [b.op('x3', 'Mul', [x, b.constant('k', [], [9])])]);
    b.op('sigmoid', 'Sigmoid', [b.op('addn', 'AddN', [x, biased, sum])]);
    expect(await compare(b, [1, 3, 4, 2])).toBeLessThan(TOLERANCE);
  });

  it('Pad and PadV2 (channel and spatial), MaxPool and AvgPool with SAME padding (TF excludes the padding from the average)', async () => {
    const b = new TfGraphBuilder();
    const x = b.input('x', [1, 7, 6, 3]);
    b.op('padded', 'Pad', [x, b.constant('p', [4, 2], [0, 0, 1, 2, 0, 1, 0, 3], 'int32')]);
    b.op('padded2', 'PadV2', [x, b.constant('p2', [4, 2], [0, 0, 0, 0, 2, 0, 1, 1], 'int32'), b.constant('v', [], [0.75])]);
    const window = { ...NHWC, ksize: attr.ints([1, 3, 3, 1]), strides: attr.ints([1, 2, 2, 1]), padding: attr.s('SAME') };
    b.op('max', 'MaxPool', [x], window);
    b.op('avg', 'AvgPool', [x], window);
    b.op('avgValid', 'AvgPool', [x], { ...window, padding: attr.s('VALID') });
    expect(await compare(b, [1, 7, 6, 3])).toBeLessThan(TOLERANCE);
  });

  it('Mean over H and W (keep_dims true and false), Squeeze, ExpandDims, Reshape, ConcatV2, Softmax, Identity', async () => {
    const b = new TfGraphBuilder();
    const x = b.input('x', [1, 4, 5, 6]);
    const axes = b.constant('axes', [2], [1, 2], 'int32');
    b.op('meanKeep', 'Mean', [x, axes], { keep_dims: attr.b(true) });
    const mean = b.op('mean', 'Mean', [x, axes], { keep_dims: attr.b(false) });
    const squeezed = b.op('squeezed', 'Squeeze', [b.op('mk2', 'Mean', [x, axes], { keep_dims: attr.b(true) })], { squeeze_dims: attr.ints([1, 2]) });
    b.op('expanded', 'ExpandDims', [mean, b.constant('ax', [], [1], 'int32')]);
    const reshaped = b.op('reshaped', 'Reshape', [x, b.constant('shape', [3], [1, -1, 6], 'int32')]);
    b.op('concat', 'ConcatV2', [reshaped, reshaped, b.constant('cat_axis', [], [1], 'int32')]);
    b.op('softmax', 'Identity', [b.op('sm', 'Softmax', [b.op('sum', 'AddV2', [mean, squeezed])])]);
    expect(await compare(b, [1, 4, 5, 6])).toBeLessThan(TOLERANCE);
  });

  it.each([
    ['asymmetric', false, false],
    ['align_corners', true, false],
    ['half_pixel_centers', false, true],
  ])('ResizeBilinear (%s), up and down', async (_, alignCorners, halfPixel) => {
    const b = new TfGraphBuilder();
    const x = b.input('x', [1, 5, 7, 2]);
    const flags = { align_corners: attr.b(alignCorners as boolean), half_pixel_centers: attr.b(halfPixel as boolean) };
    b.op('up', 'ResizeBilinear', [x, b.constant('up_size', [2], [11, 9], 'int32')], flags);
    b.op('down', 'ResizeBilinear', [x, b.constant('down_size', [2], [3, 4], 'int32')], flags);
    expect(await compare(b, [1, 5, 7, 2])).toBeLessThan(TOLERANCE);
  });

  it('DepthToSpace (block 2, NHWC)', async () => {
    const b = new TfGraphBuilder();
    b.op('y', 'DepthToSpace', [b.input('x', [1, 3, 4, 8])], { ...NHWC, block_size: attr.i(2) });
    expect(await compare(b, [1, 3, 4, 8])).toBe(0);
  });

  it('a Shape → StridedSlice → Pack → Reshape chain folds to a constant at import', async () => {
    const b = new TfGraphBuilder();
    const x = b.input('x', [1, 4, 4, 6]);
    const shape = b.op('shape', 'Shape', [x], { out_type: attr.type('DT_INT32') });
    const one = b.constant('one', [1], [1], 'int32');
    const batch = b.op('batch', 'StridedSlice', [shape, b.constant('zero', [1], [0], 'int32'), one, one], { shrink_axis_mask: attr.i(1), begin_mask: attr.i(0), end_mask: attr.i(0) });
    const target = b.op('target', 'Pack', [batch, b.constant('n', [], [16], 'int32'), b.constant('c', [], [6], 'int32')], { axis: attr.i(0) });
    b.op('y', 'Reshape', [x, target]);
    const { modelJson, weights } = b.build();
    const graph = importTfjs(modelJson, weights);
    expect(graph.nodes.map((n) => n.op)).toEqual(['Reshape']);
    expect(Array.from(graph.initializers.get('target')!.data)).toEqual([1, 16, 6]);
    expect(await compare(b, [1, 4, 4, 6])).toBe(0);
  });
});

describe('TF.js import: weight encodings', () => {
  it.each(['float32', 'uint8', 'uint16', 'float16'] as Encoding[])('%s weights decode as TF.js decodes them', async (encoding) => {
    const b = new TfGraphBuilder();
    b.op('y', 'Conv2D', [b.input('x', [1, 5, 5, 2]), b.constant('w', [3, 3, 2, 4], values([3, 3, 2, 4], 11, -0.7, 1.3), encoding)], conv(1, 'SAME'));
    expect(await compare(b, [1, 5, 5, 2])).toBeLessThan(TOLERANCE);
  });

  it('uint8 weights dequantize to q·scale + min', () => {
    const b = new TfGraphBuilder();
    b.op('y', 'Mul', [b.input('x', [4]), b.constant('w', [4], [-1, 0, 0.5, 1], 'uint8')]);
    const { modelJson, weights } = b.build();
    const scale = 2 / 255;
    const expected = [0, 128, 191, 255].map((q) => Math.fround(q * scale - 1));
    expect(Array.from(importTfjs(modelJson, weights).initializers.get('w')!.data)).toEqual(expected);
  });

  it('float16 decodes normals, subnormals, zeros, infinities and NaN', () => {
    expect(halfToFloat(0x3c00)).toBe(1);
    expect(halfToFloat(0xc000)).toBe(-2);
    expect(halfToFloat(0x7bff)).toBe(65504);
    expect(halfToFloat(0x0001)).toBe(2 ** -24);
    expect(halfToFloat(0x8000)).toBe(-0);
    expect(halfToFloat(0x7c00)).toBe(Infinity);
    expect(halfToFloat(0x7e00)).toBeNaN();
    expect(halfToFloat(0x3555)).toBeCloseTo(0.333, 3);
  });
});

describe('TF.js import: errors', () => {
  it('lists every unsupported op with its node, at once', () => {
    const b = new TfGraphBuilder();
    const x = b.input('x', [1, 4, 4, 2]);
    b.op('y', 'Erf', [x]);
    b.op('z', 'TopKV2', [x, b.constant('k', [], [2], 'int32')]);
    const { modelJson, weights } = b.build();
    expect(() => importTfjs(modelJson, weights)).toThrow(UnsupportedOpError);
    expect(() => importTfjs(modelJson, weights)).toThrow('unsupported ops: Erf (node "y"); TopKV2 (node "z")');
  });

  it('names the reason when a known op is used in an unsupported way', () => {
    const b = new TfGraphBuilder();
    b.op('y', 'Conv2D', [b.input('x', [1, 2, 4, 4]), b.constant('w', [1, 1, 2, 2], [1, 0, 0, 1])], { ...conv(1, 'SAME'), data_format: attr.s('NCHW') });
    const { modelJson, weights } = b.build();
    expect(() => importTfjs(modelJson, weights)).toThrow('Conv2D (node "y"): data_format "NCHW" (only NHWC is supported)');
  });

  it('says which weight a truncated shard cuts off', () => {
    const b = new TfGraphBuilder();
    b.op('y', 'Mul', [b.input('x', [4]), b.constant('w', [4], [1, 2, 3, 4])]);
    const { modelJson, weights } = b.build();
    expect(() => importTfjs(modelJson, weights.subarray(0, 10))).toThrow(ModelFormatError);
    expect(() => importTfjs(modelJson, weights.subarray(0, 10))).toThrow('weight "w" needs bytes 0..16 but the shards hold 10');
  });

  it('rejects a layers model and a file that is not a model, saying what they are', () => {
    expect(() => importTfjs({ modelTopology: { model_config: {} }, weightsManifest: [] }, new Uint8Array())).toThrow(UnsupportedModelError);
    expect(() => importTfjs({ modelTopology: { model_config: {} }, weightsManifest: [] }, new Uint8Array())).toThrow('layers model');
    expect(() => importTfjs({ hello: 1 }, new Uint8Array())).toThrow('no modelTopology.node list');
  });

  it('rejects an input whose non-batch dims are unknown', () => {
    const b = new TfGraphBuilder();
    b.op('y', 'Relu', [b.input('x', [-1, -1, 4, 3])]);
    const { modelJson, weights } = b.build();
    expect(() => importTfjs(modelJson, weights)).toThrow('input "x" has shape [-1,-1,4,3]: only the batch dimension may be unknown');
  });

  it('imports a -1 batch as the requested batch size', () => {
    const b = new TfGraphBuilder();
    b.op('y', 'Relu', [b.input('x', [-1, 4, 3])]);
    const { modelJson, weights } = b.build();
    expect(importTfjs(modelJson, weights, { batch: 3 }).inputs[0]!.shape).toEqual([3, 4, 3]);
    const y = runFloat(importTfjs(modelJson, weights), { x: tensor('float32', [1, 4, 3], Array.from({ length: 12 }, (_, i) => i - 6)) }).y!;
    expect(Array.from(y.data)).toEqual([0, 0, 0, 0, 0, 0, 0, 1, 2, 3, 4, 5]);
  });
});
