// Mutated .q8 files on the GPU: the same seeded mutations of the bundled CNN's .q8 that
// test/fuzz/model-files.test.ts runs through the CPU reference. Every case the CPU int8 reference
// runs is also run as a GPU session (variants and int8 paths in turn, on random inputs): its
// output bytes must equal the reference's, or session creation must refuse it with a typed error.
// Mutated shapes, zero points, multipliers and clamps reach the kernels with values no calibrated
// model has.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpuDevice } from '../../src/gpu/node.ts';
import { Session } from '../../src/gpu/session.ts';
import { sizeOf, type Tensor } from '../../src/ir/tensor.ts';
import type { ConvVariant } from '../../src/kernels/conv-variants.ts';
import type { QuantizedModel } from '../../src/quant/program.ts';
import { readQ8 } from '../../src/quant/q8-file.ts';
import { runInt8 } from '../../src/ref/int8/run.ts';
import { TYPED } from '../fuzz/fuzz.ts';
import { random } from '../fuzz/mutate.ts';
import { bundledQ8, maxRunElements, q8Target } from '../fuzz/targets.ts';
import { randomTensor } from '../helpers/random.ts';
import { PATHS, skipGpu } from './kernels-harness.ts';

const CASES = Number(process.env.WEBGPU_INT8_FUZZ_CASES ?? 0) || 1200;
const SEED = Number(process.env.WEBGPU_INT8_FUZZ_SEED ?? 7);
const VARIANTS: ConvVariant[] = ['reference', 'dp4a', 'f32'];

const bits = (t: Tensor) => Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length));

/** The model and its CPU int8 result, or undefined where loading or the reference refuses the file (the CPU fuzz test's part). */
function cpuRun(bytes: Uint8Array, maxElements: number, seed: number): { model: QuantizedModel; feeds: Record<string, Tensor>; want: Record<string, Tensor> } | undefined {
  try {
    const model = readQ8(bytes);
    const shapes = model.inputs.map((i) => i.shape.map((d) => (typeof d === 'number' ? d : 1)));
    if (shapes.some((s) => sizeOf(s) > maxElements)) return undefined;
    const feeds = Object.fromEntries(model.inputs.map((input, i) => [input.name, randomTensor(shapes[i]!, seed + i, -0.5, 1.5)]));
    return { model, feeds, want: runInt8(model, feeds) };
  } catch (e) {
    if (TYPED.some((T) => e instanceof T)) return undefined;
    throw e;
  }
}

describe.skipIf(skipGpu)('mutated .q8 files on Dawn give the CPU reference bytes or a typed error', () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
  });
  afterAll(() => gpu?.device.destroy());

  it(`${CASES} mutations of the bundled CNN's .q8`, { timeout: 600_000 }, async () => {
    const original = await bundledQ8();
    const target = q8Target('fashion_mnist_cnn.q8', original);
    const maxElements = maxRunElements(readQ8(original));
    const outcomes: Record<string, number> = {};
    const failures: string[] = [];
    let ran = 0;
    for (let index = 0; index < CASES; index++) {
      const { value, what } = target.mutate(original, random(SEED * 1_000_003 + index), index, CASES);
      const cpu = cpuRun(value, maxElements, index);
      if (!cpu) continue;
      const convVariant = VARIANTS[ran % VARIANTS.length]!;
      const int8Path = PATHS[Math.floor(ran / VARIANTS.length) % PATHS.length]!;
      ran++;
      let outcome: string;
      try {
        const session = await Session.create(cpu.model, { gpu, convVariant, int8Path });
        try {
          const got = await session.run(cpu.feeds);
          const wrong = cpu.model.outputs.filter(({ name }) => JSON.stringify(bits(got[name]!)) !== JSON.stringify(bits(cpu.want[name]!)));
          if (wrong.length > 0) failures.push(`case ${index} (${what}; ${convVariant}, ${int8Path}): output ${wrong.map((o) => o.name)} differs from the CPU reference`);
          outcome = wrong.length > 0 ? 'different bytes' : 'same bytes';
        } finally {
          session.destroy();
        }
      } catch (e) {
        if (!TYPED.some((T) => e instanceof T)) failures.push(`case ${index} (${what}; ${convVariant}, ${int8Path}): untyped ${(e as Error).name}: ${(e as Error).message}`);
        outcome = `refused: ${(e as Error).name}`;
        if (!outcomes[outcome]) console.log(`first ${outcome}: case ${index} (${what}): ${(e as Error).message}`);
      }
      outcomes[outcome] = (outcomes[outcome] ?? 0) + 1;
    }
    console.log(`fuzz .q8 on the GPU: ${CASES} mutations, ${ran} ran on the CPU reference, on the GPU: ${JSON.stringify(outcomes)}`);
    expect(failures.slice(0, 10)).toEqual([]);
    expect(ran).toBeGreaterThan(CASES / 20);
  });
});
