// What test/package/consumer.test.ts type-checks in a fresh project that installed the tarball:
// a consumer's TypeScript using both entry points, under settings stricter than this repo's own
// (NodeNext resolution, exactOptionalPropertyTypes, and the package's .d.ts checked too).

export const consumerTsconfig = {
  compilerOptions: {
    target: 'ES2022',
    module: 'NodeNext',
    moduleResolution: 'NodeNext',
    lib: ['ES2022', 'DOM'],
    strict: true,
    exactOptionalPropertyTypes: true,
    noUncheckedIndexedAccess: true,
    skipLibCheck: false,
    noEmit: true,
  },
  files: ['consumer.ts'],
};

export const consumerTypesFile = `import { readFileSync } from 'node:fs';
import {
  createSession, f32, importOnnx, InputError, loadQ8, quantize, requestGpuDevice, saveQ8, UnsupportedOpError,
  type GpuContext, type QuantizedModel, type Session, type SessionInfo, type Tensor,
} from 'webgpu-int8';
import { BUNDLED, nodeGpuDevice } from 'webgpu-int8/node';

async function firstLogits(gpu: GpuContext, model: QuantizedModel, input: Tensor): Promise<Float32Array> {
  const session: Session = await createSession(model, { gpu, int8Path: 'emulated' });
  const info: SessionInfo = session.info;
  console.log(info.dispatches);
  const logits = (await session.run({ input })).logits;
  if (!logits || !(logits.data instanceof Float32Array)) throw new InputError('no float logits');
  session.destroy();
  return logits.data;
}

export async function inNode(): Promise<number> {
  const graph = importOnnx(readFileSync(BUNDLED.model));
  const input = f32([1, 1, 28, 28], new Float32Array(784));
  const model = await quantize(graph, { calibration: [{ input }], method: 'minmax' });
  const again = loadQ8(saveQ8(model));
  const device: GPUDevice = (await nodeGpuDevice()).device;
  device.destroy();
  return (await firstLogits(await nodeGpuDevice({ powerPreference: 'high-performance' }), again, input)).length;
}

export async function inPage(model: QuantizedModel): Promise<Float32Array | string> {
  try {
    return await firstLogits(await requestGpuDevice(navigator.gpu), model, f32([1, 1, 28, 28], new Float32Array(784)));
  } catch (e) {
    if (e instanceof UnsupportedOpError) return e.sites.map((s) => s.op).join(', ');
    throw e;
  }
}
`;
