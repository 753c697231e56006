// Choosing where int8 runs: the GPU when an adapter exists (or when asked), else the CPU reference.

import { InputError } from '../errors.ts';
import type { GpuContext } from '../gpu/device.ts';
import { nodeGpuDevice } from '../gpu/node.ts';
import type { Session } from '../gpu/session.ts';

export type DeviceChoice = { kind: 'gpu'; gpu: GpuContext } | { kind: 'cpu'; why: string };

export async function openDevice(flag: unknown): Promise<DeviceChoice> {
  if (flag !== undefined && flag !== 'gpu' && flag !== 'cpu') throw new InputError(`--device must be gpu or cpu, got "${String(flag)}"`);
  if (flag === 'cpu') return { kind: 'cpu', why: '--device cpu' };
  try {
    return { kind: 'gpu', gpu: await nodeGpuDevice() };
  } catch (e) {
    if (flag === 'gpu') throw e;
    return { kind: 'cpu', why: `no GPU adapter (${(e as Error).message.split('. Hint')[0]})` };
  }
}

export function describeDevice(device: DeviceChoice, session?: Session): string {
  if (device.kind === 'cpu') return `device: CPU int8 reference (${device.why})`;
  const a = device.gpu.adapterInfo;
  const path = session?.info.int8Path ?? (device.gpu.dot4I8Packed ? 'native' : 'emulated');
  return `device: GPU ${a.vendor || '?'} ${a.architecture || '?'}${a.description ? ` (${a.description})` : ''}, ` +
    `${a.isFallbackAdapter ? 'fallback (software) adapter' : 'hardware adapter'}, ` +
    `int8 dot products: ${path === 'native' ? 'dot4I8Packed (native)' : 'emulated fallback (unpack + i32 multiply-add)'}`;
}
