// Dawn in a bench/node worker: the adapter --adapter names (Dawn's `adapter=` flag, a substring
// of the adapter's name), Dawn's own list of adapters for the report, and the Vulkan driver the
// loader is pointed at, set once in the driver so every worker (and onnxruntime-node's own Dawn
// inside them) sees the same one.
import { existsSync } from 'node:fs';
import { requestGpuDevice, type GpuContext } from '../../src/gpu/device.ts';
import { nodeGpu, nodeGpuSetup, SWIFTSHADER_ICD } from '../../src/gpu/node.ts';

/** The flags Dawn's create() gets for `--adapter NAME`. */
export const dawnFlags = (adapter: string | undefined): string[] => (adapter ? [`adapter=${adapter}`] : []);

/**
 * As nodeGpu() does, but in the driver's environment before any worker starts: WEBGPU_INT8_VK_ICD
 * wins, else an ICD already chosen (VK_ICD_FILENAMES / VK_DRIVER_FILES), else SwiftShader's.
 */
export function chooseVulkanDriver(env: NodeJS.ProcessEnv = process.env): string | null {
  if (env.WEBGPU_INT8_VK_ICD) env.VK_ICD_FILENAMES = env.WEBGPU_INT8_VK_ICD;
  else if (!env.VK_ICD_FILENAMES && !env.VK_DRIVER_FILES && existsSync(SWIFTSHADER_ICD)) env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  env.XDG_RUNTIME_DIR ??= '/tmp';
  return env.VK_DRIVER_FILES ?? env.VK_ICD_FILENAMES ?? null;
}

/** A device on the adapter --adapter names (Dawn's choice without one). */
export async function dawnDevice(adapter: string | undefined): Promise<GpuContext> {
  const hint = `${nodeGpuSetup()}${adapter ? `; Dawn flag adapter=${adapter}` : ''}`;
  return requestGpuDevice(await nodeGpu(dawnFlags(adapter)), { hint });
}

/**
 * Dawn's adapters, as it lists them when asked for one it does not have ("Available adapters:
 * * backend: 'vulkan', name: '…'"). Needs a process of its own: it creates a Dawn instance.
 */
export async function listAdapters(): Promise<string[]> {
  const gpu = await nodeGpu(['adapter=webgpu-int8: list the adapters']);
  try {
    const adapter = await gpu.requestAdapter();
    if (adapter) return [`(Dawn returned "${adapter.info.description}" for a name no adapter has: no list)`];
    return [];
  } catch (e) {
    const lines = String((e as Error).message).split('\n');
    return lines.filter((l) => l.trim().startsWith('*')).map((l) => l.trim().replace(/^\*\s*/, ''));
  }
}
