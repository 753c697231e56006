// The strided-view layout steps on int8 data (Q18: Slice with any steps, Expand, Tile,
// DepthToSpace DCR / CRD, SpaceToDepth) on Dawn against the int8 reference bit for bit: the float
// reference's op run on the int8 values, as runInt8 runs a layout step. Native and emulated paths.
// And a program with such moves between int8 convs, end to end on the GPU.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpuDevice } from '../../src/gpu/node.ts';
import type { Node } from '../../src/ir/graph.ts';
import { sizeOf, tensor, type Tensor } from '../../src/ir/tensor.ts';
import { viewOf } from '../../src/kernels/float/indexing.ts';
import { viewKernel } from '../../src/kernels/layout.ts';
import { unpackRows, wordsFor } from '../../src/kernels/pack.ts';
import { channelsOf, int8Bytes, rowsOf } from '../../src/kernels/packed-shape.ts';
import type { LayoutStep } from '../../src/quant/program.ts';
import { floatKernels } from '../../src/ref/float/ops.ts';
import { runInt8 } from '../../src/ref/int8/run.ts';
import { quantize } from '../../src/api.ts';
import { Session } from '../../src/gpu/session.ts';
import { convAttrs, GraphBuilder } from '../../src/ir/builder.ts';
import { randomTensor } from '../helpers/random.ts';
import { CASES, firstDifference, packWithGarbage, PATHS, randomSource, runBatch, skipGpu, wordsOf, type GpuCase } from './kernels-harness.ts';

type Source = ReturnType<typeof randomSource>;
type ViewNode = Extract<Node, { op: 'Slice' | 'Expand' | 'Tile' | 'DepthToSpace' | 'SpaceToDepth' }>;

const i64 = (values: number[]) => tensor('int64', [values.length], values);

/** A random view op on a random shape: the node, its constants, and the input shape. */
function randomView(r: Source, id: string): { node: ViewNode; constants: Map<string, Tensor>; shape: number[] } {
  const constants = new Map<string, Tensor>();
  const constant = (name: string, t: Tensor) => (constants.set(`${id}.${name}`, t), `${id}.${name}`);
  const io = { name: id, outputs: [`${id}.y`] };
  const kind = r.pick(5);
  if (kind === 0 || kind === 1) {
    const rank = r.int(1, 5);
    const shape = Array.from({ length: rank }, () => r.int(1, 9));
    const axes = Array.from({ length: rank }, (_, a) => a).filter(() => r.pick(3) > 0);
    const starts: number[] = [];
    const ends: number[] = [];
    const steps: number[] = [];
    for (const a of axes) {
      const step = r.choose([1, 1, 2, 3, -1, -2]);
      starts.push(r.int(-shape[a]! - 1, shape[a]!));
      ends.push(r.pick(4) === 0 ? (step > 0 ? 2 ** 31 : -(2 ** 31)) : r.int(-shape[a]! - 1, shape[a]! + 1));
      steps.push(step);
    }
    const inputs = [`${id}.x`, constant('starts', i64(starts)), constant('ends', i64(ends)), constant('axes', i64(axes)), constant('steps', i64(steps))];
    return { node: { op: 'Slice', ...io, inputs, attrs: {} }, constants, shape };
  }
  if (kind === 2) {
    const rank = r.int(1, 4);
    const shape = Array.from({ length: rank }, () => (r.pick(2) ? 1 : r.int(2, 5)));
    const target = [...(r.pick(2) ? [r.int(1, 3)] : []), ...shape.map((d) => (d === 1 ? r.int(1, 4) : d))];
    return { node: { op: 'Expand', ...io, inputs: [`${id}.x`, constant('shape', i64(target))], attrs: {} }, constants, shape };
  }
  if (kind === 3) {
    const rank = r.int(1, 4);
    const shape = Array.from({ length: rank }, () => r.int(1, 6));
    const repeats = shape.map(() => r.int(1, 3));
    return { node: { op: 'Tile', ...io, inputs: [`${id}.x`, constant('repeats', i64(repeats))], attrs: {} }, constants, shape };
  }
  const b = r.int(1, 3);
  if (r.pick(2)) {
    const shape = [r.int(1, 2), b * b * r.int(1, 5), r.int(1, 5), r.int(1, 5)];
    return { node: { op: 'DepthToSpace', ...io, inputs: [`${id}.x`], attrs: { blocksize: b, mode: r.pick(2) ? 'DCR' : 'CRD', layout: 'NCHW' } }, constants, shape };
  }
  const shape = [r.int(1, 2), r.int(1, 6), b * r.int(1, 4), b * r.int(1, 4)];
  return { node: { op: 'SpaceToDepth', ...io, inputs: [`${id}.x`], attrs: { blocksize: b } }, constants, shape };
}

function viewCase(seed: number): GpuCase {
  const r = randomSource(seed);
  const id = `v${seed}`;
  const { node, constants, shape } = randomView(r, id);
  const x = tensor('int8', shape, r.int8s(sizeOf(shape)));
  const inputs = node.inputs.map((n) => (n === `${id}.x` ? x : constants.get(n)));
  const [want] = (floatKernels[node.op] as (i: typeof inputs, a: typeof node.attrs) => Tensor[])(inputs, node.attrs);
  const step: LayoutStep = { op: 'layout', name: id, node };
  const { spec, outputShape } = viewKernel(step, shape, want!.shape, viewOf(node, shape, constants));
  const cin = channelsOf(shape);
  const cout = channelsOf(outputShape);
  return {
    describe: `${node.op} case ${seed} ${JSON.stringify({ shape, out: want!.shape, constants: Object.fromEntries([...constants].map(([k, t]) => [k.slice(id.length + 1), Array.from(t.data)])), attrs: node.attrs })}`,
    specs: [spec],
    tensors: new Map([[`${id}.x`, int8Bytes(shape)], [`${id}.y`, int8Bytes(outputShape)]]),
    writes: [[`${id}.x`, packWithGarbage(x.data, cin, r.next)]],
    outputs: [`${id}.y`],
    check: (res) => {
      if (want!.dtype !== 'int8') return `the reference made ${want!.dtype}, not int8`;
      if (sizeOf(outputShape) === 0) return undefined;
      return firstDifference(unpackRows(wordsOf(res.get(`${id}.y`), rowsOf(outputShape) * wordsFor(cout)), cout), want!.data);
    },
  };
}

/** Conv → Slice (every other channel, reversed rows) → DepthToSpace → Conv: the moves between int8 convs. */
function movesNet() {
  const b = new GraphBuilder('moves');
  const x = b.input('x', [1, 3, 6, 6]);
  const c1 = b.node('Conv', [x, b.constant('w1', randomTensor([16, 3, 3, 3], 1, -0.5, 0.5))], convAttrs({ pads: [1, 1, 1, 1] }));
  const sliced = b.node('Slice', [c1, b.constant('starts', i64([0, -1])), b.constant('ends', i64([16, -(2 ** 31)])), b.constant('axes', i64([1, 2])), b.constant('steps', i64([2, -1]))], {});
  const d2s = b.node('DepthToSpace', [sliced], { blocksize: 2, mode: 'CRD', layout: 'NCHW' });
  return b.output(b.node('Conv', [d2s, b.constant('w2', randomTensor([4, 2, 3, 3], 2, -0.5, 0.5))], convAttrs({ pads: [1, 1, 1, 1] }))).build();
}

describe.skipIf(skipGpu)('a program with Slice and DepthToSpace between int8 convs', () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
  });
  afterAll(() => gpu?.device.destroy());

  it('is fully integral and runs on Dawn byte-identical to the int8 reference', async () => {
    const graph = movesNet();
    const model = await quantize(graph, { calibration: [3, 4].map((seed) => ({ x: randomTensor([1, 3, 6, 6], seed) })), method: 'minmax' });
    expect(model.steps.filter((s) => s.op === 'float')).toEqual([]);
    expect(model.steps.flatMap((s) => (s.op === 'layout' ? [s.node.op] : []))).toEqual(expect.arrayContaining(['Slice', 'DepthToSpace']));
    const out = graph.outputs[0]!.name;
    for (const path of PATHS) {
      const session = await Session.create(model, { gpu, int8Path: path, convVariant: 'reference' });
      const feeds = { x: randomTensor([1, 3, 6, 6], 9) };
      const bits = (t: Tensor) => Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length));
      expect(bits((await session.run(feeds))[out]!), path).toEqual(bits(runInt8(model, feeds)[out]!));
      session.destroy();
    }
  });
});

describe.skipIf(skipGpu)('strided-view layout steps on Dawn match the float reference on int8 data bit for bit', () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
  });
  afterAll(() => gpu?.device.destroy());

  for (const path of PATHS) {
    it(`${CASES} random Slice / Expand / Tile / DepthToSpace / SpaceToDepth, ${path} path`, { timeout: 120_000 }, async () => {
      const cases: GpuCase[] = [];
      for (let seed = 1; cases.length < CASES; seed++) {
        const c = viewCase(seed);
        // An empty slice has nothing to dispatch or compare.
        if (!c.describe.includes('"out":[') || /"out":\[[^\]]*\b0\b/.test(c.describe)) continue;
        cases.push(c);
      }
      const { failures, pipelines, ms } = await runBatch(gpu.device, path, cases);
      expect(failures.slice(0, 5)).toEqual([]);
      const ops = new Map<string, number>();
      for (const c of cases) ops.set(c.describe.split(' ')[0]!, (ops.get(c.describe.split(' ')[0]!) ?? 0) + 1);
      console.log(`layout_int8 views (${path}): ${cases.length} cases (${[...ops].map(([op, n]) => `${op} ${n}`).join(', ')}), ${pipelines} pipelines, ${ms.toFixed(0)} ms`);
    });
  }
});
