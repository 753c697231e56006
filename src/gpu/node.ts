// Node only: a WebGPU `GPU` object from npm `webgpu` (Dawn). Browsers use navigator.gpu instead.
// `webgpu` is an optional peer dependency, imported only when a GPU is asked for, so the CLI's
// CPU paths (and an app that brings its own GPU object) run without it installed.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { requestGpuDevice, type GpuContext, type GpuDeviceOptions } from './device.ts';
import { importOptional } from '../optional-import.ts';

/** Vulkan driver manifest of SwiftShader, shipped by Debian's chromium-common. */
export const SWIFTSHADER_ICD = '/usr/lib/chromium/vk_swiftshader_icd.json';

// One per process, referenced for the life of the process: if Dawn's GPU object is
// garbage-collected the process segfaults or deadlocks. Never reset this.
let theGpu: GPU | undefined;

/**
 * The process-wide Dawn `GPU`. Before creating it, points the Vulkan loader at a driver:
 * WEBGPU_INT8_VK_ICD (if set) becomes VK_ICD_FILENAMES; otherwise, when neither
 * VK_ICD_FILENAMES nor VK_DRIVER_FILES is set, SwiftShader's manifest is used if present.
 * `flags` go to Dawn's create() (e.g. `adapter=<name>`: the adapter whose name contains it).
 */
export async function nodeGpu(flags: readonly string[] = []): Promise<GPU> {
  if (theGpu) return theGpu;
  const { create, globals } = await importOptional(() => import('webgpu'), 'webgpu', 'WebGPU in node (Dawn)');
  if (theGpu) return theGpu; // another caller won the race while the module loaded
  const override = process.env.WEBGPU_INT8_VK_ICD;
  if (override) {
    process.env.VK_ICD_FILENAMES = override;
  } else if (!process.env.VK_ICD_FILENAMES && !process.env.VK_DRIVER_FILES && existsSync(SWIFTSHADER_ICD)) {
    process.env.VK_ICD_FILENAMES = SWIFTSHADER_ICD;
  }
  process.env.XDG_RUNTIME_DIR ??= '/tmp'; // silences Dawn's harmless "XDG_RUNTIME_DIR is invalid"
  const g = globalThis as Record<string, unknown>;
  for (const [name, value] of Object.entries(globals)) {
    if (!(name in g)) g[name] = value; // GPUBufferUsage, GPUMapMode, GPUShaderStage, ...
  }
  theGpu = create([...flags]); // Dawn's flags, e.g. adapter=<name substring>; only the first call's count
  return theGpu;
}

/** A device on Dawn's adapter, with the Vulkan setup in the error when there is none. */
export async function nodeGpuDevice(options: GpuDeviceOptions = {}): Promise<GpuContext> {
  return requestGpuDevice(await nodeGpu(), { hint: nodeGpuSetup(), ...options });
}

/** How the Vulkan side is set up, for error messages when no adapter shows up. */
export function nodeGpuSetup(): string {
  const icd = process.env.VK_DRIVER_FILES ?? process.env.VK_ICD_FILENAMES;
  const icdNote = icd
    ? `${process.env.VK_DRIVER_FILES ? 'VK_DRIVER_FILES' : 'VK_ICD_FILENAMES'}=${icd}` +
      (icd.split(':').every((f) => existsSync(f)) ? '' : ' (file missing)')
    : `VK_ICD_FILENAMES unset and ${SWIFTSHADER_ICD} missing (install Debian's chromium)`;
  const multiarch = process.arch === 'arm64' ? 'aarch64-linux-gnu' : 'x86_64-linux-gnu';
  const libDirs = [
    ...(process.env.LD_LIBRARY_PATH ?? '').split(':').filter(Boolean),
    `/lib/${multiarch}`, `/usr/lib/${multiarch}`, '/usr/local/lib', '/usr/lib64', '/usr/lib', '/lib',
  ];
  const loader =
    process.platform !== 'linux' || libDirs.some((d) => existsSync(join(d, 'libvulkan.so.1')))
      ? ''
      : '; libvulkan.so.1 (the Vulkan loader) not found: install libvulkan1';
  return `node webgpu (Dawn): ${icdNote}${loader}`;
}
