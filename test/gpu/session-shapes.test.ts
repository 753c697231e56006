// An int8 program with symbolic height and width (a CNN exported with dynamic axes) runs on the
// GPU at the size bound at session creation (inputShapes), byte-identical to the int8 reference
// at that size; without the binding the plan says which dim is symbolic.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { quantize } from '../../src/api.ts';
import type { GpuContext } from '../../src/gpu/device.ts';
import { nodeGpuDevice } from '../../src/gpu/node.ts';
import { Session } from '../../src/gpu/session.ts';
import { convAttrs, GraphBuilder } from '../../src/ir/builder.ts';
import type { Tensor } from '../../src/ir/tensor.ts';
import { runInt8 } from '../../src/ref/int8/run.ts';
import { randomTensor } from '../helpers/random.ts';

const skip = process.env.WEBGPU_INT8_SKIP_GPU === '1';
const bits = (t: Tensor) => Array.from(new Uint32Array(t.data.buffer, t.data.byteOffset, t.data.length));

function dynamicCnn() {
  const b = new GraphBuilder('dynamic');
  const x = b.input('x', ['N', 3, 'H', 'W']);
  const c1 = b.node('Conv', [x, b.constant('w1', randomTensor([8, 3, 3, 3], 1, -0.5, 0.5))], convAttrs({ pads: [1, 1, 1, 1], clamp: { min: 0, max: 6 } }));
  const c2 = b.node('Conv', [c1, b.constant('w2', randomTensor([8, 1, 3, 3], 2, -0.5, 0.5))], convAttrs({ pads: [1, 1, 1, 1], group: 8, strides: [2, 2] }));
  return b.output(b.node('Sigmoid', [c2], {} as Record<string, never>)).build();
}

describe.skipIf(skip)('int8 programs with symbolic spatial dims on Dawn', () => {
  let gpu: GpuContext;
  beforeAll(async () => {
    gpu = await nodeGpuDevice();
  });
  afterAll(() => gpu?.device.destroy());

  it('run at the size bound at session creation, equal to the int8 reference; unbound, the plan names the dim', async () => {
    const graph = dynamicCnn();
    const model = await quantize(graph, { calibration: [8, 9].map((seed) => ({ x: randomTensor([1, 3, 12, 10], seed) })), method: 'minmax' });
    expect(model.inputs[0]!.shape).toEqual(['N', 3, 'H', 'W']);
    await expect(Session.create(model, { gpu, convVariant: 'reference' })).rejects.toThrow('input "x" has a symbolic dimension "H" other than the batch');
    for (const [h, w] of [[12, 10], [7, 16]] as const) {
      const session = await Session.create(model, { gpu, convVariant: 'reference', inputShapes: { x: [1, 3, h, w] } });
      const x = randomTensor([1, 3, h, w], h * w);
      const out = graph.outputs[0]!.name;
      expect(bits((await session.run({ x }))[out]!), `${h}×${w}`).toEqual(bits(runInt8(model, { x })[out]!));
      await expect(session.run({ x: randomTensor([1, 3, 12, 12], 1) }), 'another size than the bound one').rejects.toThrow(`expected float32 [1,3,${h},${w}]`);
      session.destroy();
    }
  });
});
