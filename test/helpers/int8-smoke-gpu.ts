// Runs test/gpu/int8-smoke.wgsl on a device. Browser-safe (no node imports): the browser
// smoke test loads this very file into the page.
import type { Int8SmokeInput, Int8SmokeOutput } from './int8-ref.ts';

export async function runInt8Smoke(device: GPUDevice, wgsl: string, input: Int8SmokeInput): Promise<Int8SmokeOutput> {
  const nDot = input.a.length;
  const nPack = input.v.length / 4;

  device.pushErrorScope('validation');
  const module = device.createShaderModule({ label: 'int8-smoke', code: wgsl });
  const info = await module.getCompilationInfo();
  const errors = info.messages.filter((m) => m.type === 'error');
  if (errors.length) {
    throw new Error(`int8-smoke.wgsl: ${errors.map((m) => `${m.lineNum}:${m.linePos} ${m.message}`).join('; ')}`);
  }
  const pipeline = await device.createComputePipelineAsync({ layout: 'auto', compute: { module, entryPoint: 'main' } });

  const upload = (data: ArrayBufferView<ArrayBuffer>, usage: number) => {
    const buf = device.createBuffer({ size: Math.max(16, data.byteLength), usage: usage | GPUBufferUsage.COPY_DST });
    device.queue.writeBuffer(buf, 0, data);
    return buf;
  };
  const a = upload(Uint32Array.from(input.a), GPUBufferUsage.STORAGE);
  const b = upload(Uint32Array.from(input.b), GPUBufferUsage.STORAGE);
  const v = upload(Int32Array.from(input.v), GPUBufferUsage.STORAGE);
  const params = upload(Uint32Array.of(nDot, nPack, 0, 0), GPUBufferUsage.UNIFORM);
  const out = (n: number) => device.createBuffer({ size: 4 * n, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC });
  const dots = out(nDot);
  const packed = out(nPack);
  const readback = device.createBuffer({ size: 4 * (nDot + nPack), usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });

  const bindGroup = device.createBindGroup({
    layout: pipeline.getBindGroupLayout(0),
    entries: [a, b, v, dots, packed, params].map((buffer, binding) => ({ binding, resource: { buffer } })),
  });
  const enc = device.createCommandEncoder();
  const pass = enc.beginComputePass();
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  pass.dispatchWorkgroups(Math.ceil(Math.max(nDot, nPack) / 64));
  pass.end();
  enc.copyBufferToBuffer(dots, 0, readback, 0, 4 * nDot);
  enc.copyBufferToBuffer(packed, 0, readback, 4 * nDot, 4 * nPack);
  device.queue.submit([enc.finish()]);
  const err = await device.popErrorScope();
  if (err) throw new Error(`int8-smoke: validation error: ${err.message}`);

  await readback.mapAsync(GPUMapMode.READ);
  const bytes = readback.getMappedRange().slice(0);
  readback.unmap();
  for (const buf of [a, b, v, params, dots, packed, readback]) buf.destroy();
  return {
    dots: Array.from(new Int32Array(bytes, 0, nDot)),
    packed: Array.from(new Uint32Array(bytes, 4 * nDot, nPack)),
  };
}

/** Index and values of the first mismatch, or undefined when bit-exact. */
export function firstMismatch(got: readonly number[], want: readonly number[]): string | undefined {
  if (got.length !== want.length) return `length ${got.length} != ${want.length}`;
  const i = got.findIndex((x, k) => x !== want[k]);
  return i < 0 ? undefined : `[${i}] got ${got[i]} want ${want[i]}`;
}
