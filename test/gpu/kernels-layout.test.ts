// layout_int8 on Dawn against the float layout ops of src/ref/float/shape-ops.ts run on int8
// tensors, bit for bit: Transposes (NCHW ↔ NHWC, random permutations of rank 1–5, the default
// reversed perm, perms that keep the last axis, perms that only move size-1 axes) and reshapes
// that change the packed last dimension; odd channel counts, batch 1–2, garbage in the input's
// padding lanes; on the native and the emulated int8 paths, as one GpuProgram per path. Also
// isLayoutAlias: an alias is only claimed when the packed bytes really are the same.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpuDevice } from '../../src/gpu/node.ts';
import type { Node } from '../../src/ir/graph.ts';
import { sizeOf, tensor, type Tensor } from '../../src/ir/tensor.ts';
import { isLayoutAlias, layoutKernel } from '../../src/kernels/layout.ts';
import { packRows, unpackRows, wordsFor } from '../../src/kernels/pack.ts';
import { channelsOf, int8Bytes, rowsOf } from '../../src/kernels/packed-shape.ts';
import type { LayoutStep } from '../../src/quant/program.ts';
import { reshape, transpose } from '../../src/ref/float/shape-ops.ts';
import { CASES, firstDifference, packWithGarbage, PATHS, randomSource, runBatch, skipGpu, wordsOf, type GpuCase } from './kernels-harness.ts';

type Source = ReturnType<typeof randomSource>;
const CHANNELS = [1, 2, 3, 4, 5, 7, 9, 13];

function shuffle<T>(r: Source, xs: T[]): T[] {
  for (let i = xs.length - 1; i > 0; i--) {
    const j = r.pick(i + 1);
    [xs[i], xs[j]] = [xs[j]!, xs[i]!];
  }
  return xs;
}

function randomTranspose(r: Source): { shape: number[]; perm: number[] | null } {
  switch (r.pick(5)) {
    case 0: {
      // NCHW → NHWC, an image-sized input now and then.
      const big = r.pick(8) === 0;
      return { shape: [r.int(1, 2), r.choose([1, 1, 3, 5]), big ? 28 : r.int(1, 7), big ? 28 : r.int(1, 7)], perm: [0, 2, 3, 1] };
    }
    case 1:
      return { shape: [r.int(1, 2), r.int(1, 6), r.int(1, 6), r.choose(CHANNELS)], perm: [0, 3, 1, 2] }; // NHWC → NCHW
    case 2: {
      // Keeps the last axis last: whole words move.
      const shape = [r.int(1, 2), r.int(1, 5), r.int(1, 5), r.choose(CHANNELS)];
      return { shape, perm: [...shuffle(r, [0, 1, 2]), 3] };
    }
    case 3: {
      // Moves only size-1 axes: the same bytes.
      const shape = [r.int(1, 2), 1, r.int(1, 5), 1, r.choose(CHANNELS)];
      return { shape, perm: r.pick(2) ? [0, 3, 2, 1, 4] : [1, 0, 3, 2, 4] };
    }
    default: {
      const rank = r.int(1, 5);
      const shape = Array.from({ length: rank }, (_, i) => (i === 0 && rank > 1 ? r.int(1, 2) : r.choose([1, 2, 3, 4, 5, 6, 7])));
      return { shape, perm: r.pick(4) === 0 ? null : shuffle(r, Array.from({ length: rank }, (_, i) => i)) };
    }
  }
}

/** A random regrouping of the input's elements into 1–4 dims (Reshape / Flatten / Squeeze / Unsqueeze are all this). */
function randomReshape(r: Source): { shape: number[]; out: number[]; op: Node['op'] } {
  const shape = [r.int(1, 2), r.int(1, 4), r.int(1, 4), r.choose(CHANNELS)];
  switch (r.pick(4)) {
    case 0:
      return { shape, out: [shape[0]!, sizeOf(shape.slice(1))], op: 'Flatten' };
    case 1: {
      const c = shape[3]!;
      return { shape: [shape[0]!, 1, 1, c], out: [shape[0]!, c], op: 'Squeeze' }; // the classifier head: an alias
    }
    case 2:
      return { shape, out: r.pick(2) ? [...shape, 1] : [...shape.slice(0, 2), 1, ...shape.slice(2)], op: 'Unsqueeze' };
    default: {
      const primes = shape.flatMap((d) => {
        const f: number[] = [];
        for (let p = 2; d > 1; p++) while (d % p === 0) (f.push(p), (d /= p));
        return f;
      });
      const out = Array.from({ length: r.int(1, 4) }, () => 1);
      for (const p of shuffle(r, primes)) out[r.pick(out.length)]! *= p;
      return { shape, out, op: 'Reshape' };
    }
  }
}

function layoutCase(seed: number): GpuCase {
  const r = randomSource(seed);
  const id = `l${seed}`;
  let x: Tensor;
  let want: Tensor;
  let node: Node;
  if (r.pick(3)) {
    const { shape, perm } = randomTranspose(r);
    x = tensor('int8', shape, r.int8s(sizeOf(shape)));
    want = transpose(x, perm);
    node = { op: 'Transpose', name: id, inputs: [`${id}.x`], outputs: [`${id}.y`], attrs: { perm } };
  } else {
    const { shape, out, op } = randomReshape(r);
    x = tensor('int8', shape, r.int8s(sizeOf(shape)));
    want = reshape(x, out, false);
    // The attributes and constant inputs do not matter to the kernel: the output shape is given.
    node = { op, name: id, inputs: [`${id}.x`], outputs: [`${id}.y`], attrs: {} } as unknown as Node;
  }
  const step: LayoutStep = { op: 'layout', name: id, node };
  const { spec, outputShape, alias } = layoutKernel(step, x.shape, want.shape);
  const cin = channelsOf(x.shape);
  const cout = channelsOf(outputShape);
  return {
    describe: `${node.op} case ${seed} ${JSON.stringify({ shape: x.shape, out: want.shape, perm: node.op === 'Transpose' ? node.attrs.perm : undefined, alias })}`,
    specs: [spec],
    tensors: new Map([[`${id}.x`, int8Bytes(x.shape)], [`${id}.y`, int8Bytes(outputShape)]]),
    // An alias is a plain word copy, padding lanes included: give it clean padding so that the bytes can be compared whole.
    writes: [[`${id}.x`, alias ? packRows(x.data, cin) : packWithGarbage(x.data, cin, r.next)]],
    outputs: [`${id}.y`],
    check: (res) => {
      const words = wordsOf(res.get(`${id}.y`), rowsOf(outputShape) * wordsFor(cout));
      if (alias) {
        const same = firstDifference(packRows(x.data, cin), packRows(want.data, cout));
        if (same) return `claimed an alias, but the packed bytes differ: ${same}`;
        const copied = firstDifference(words, packRows(x.data, cin));
        if (copied) return `alias copy: ${copied}`;
      }
      return firstDifference(unpackRows(words, cout), want.data);
    },
  };
}

describe('isLayoutAlias', () => {
  /** isLayoutAlias(...args) is `alias`; a failure names the arguments. */
  const expectAlias = (alias: boolean, ...args: Parameters<typeof isLayoutAlias>) =>
    expect(isLayoutAlias(...args), `isLayoutAlias(${args.map((a) => JSON.stringify(a)).join(', ')})`).toBe(alias);

  it('says when the packed bytes of a layout op are unchanged', () => {
    expectAlias(true, [2, 1, 1, 10], [2, 10]); // Flatten / Squeeze of a pooled head
    expectAlias(true, [2, 10], [2, 1, 1, 10]);
    expectAlias(true, [6, 5], [2, 3, 5]);
    expectAlias(true, [], [1]);
    expectAlias(false, [2, 3, 3, 4], [2, 36]); // the packed dimension changes
    expectAlias(false, [2, 10], [2, 5]);
    expectAlias(false, [1, 1, 28, 28], [1, 28, 28, 1], [0, 2, 3, 1]);
    expectAlias(true, [2, 1, 5, 1, 3], [2, 1, 5, 1, 3], [0, 3, 2, 1, 4]);
    expectAlias(true, [2, 1, 5, 1, 3], [1, 2, 1, 5, 3], [1, 0, 3, 2, 4]);
    expectAlias(false, [2, 3, 5, 3], [2, 5, 3, 3], [0, 2, 1, 3]);
  });
});

describe.skipIf(skipGpu)('layout_int8 on Dawn matches the layout ops on int8 data bit for bit', () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
  });
  afterAll(() => gpu?.device.destroy());

  for (const path of PATHS) {
    it(`${CASES} random transposes and reshapes that move data (NCHW ↔ NHWC, rank 1–5, packed dim changes), plus aliases, ${path} path`, { timeout: 120_000 }, async () => {
      if (path === 'native') expect(gpu.dot4I8Packed, `the native path needs WGSL's dot4I8Packed, which ${JSON.stringify(gpu.adapterInfo)} lacks`).toBe(true);
      // CASES that really move lanes or words, and the aliases met on the way (which run as word copies).
      const cases: GpuCase[] = [];
      let aliases = 0;
      for (let seed = 1; cases.length - aliases < CASES; seed++) {
        const c = layoutCase(seed);
        cases.push(c);
        if (c.describe.includes('"alias":true')) aliases++;
      }
      const { failures, pipelines, ms } = await runBatch(gpu.device, path, cases);
      expect(failures.slice(0, 5)).toEqual([]);
      console.log(`layout_int8 (${path}): ${cases.length} cases bit-exact (${cases.length - aliases} gathers or word moves, ${aliases} aliases), ${pipelines} pipelines, ${ms.toFixed(0)} ms`);
    });
  }
});
