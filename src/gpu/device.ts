// The one place that talks to a `GPU` object (navigator.gpu in a browser, npm `webgpu` in node).
// Everything else receives the GPUDevice this returns.

/** Limits raised to the adapter's maximum: the defaults are far lower (e.g. 16 KiB workgroup storage). */
export const REQUESTED_LIMITS = [
  'maxStorageBuffersPerShaderStage',
  'maxStorageBufferBindingSize',
  'maxBufferSize',
  'maxComputeWorkgroupStorageSize',
  'maxComputeInvocationsPerWorkgroup',
] as const;

/** Features enabled whenever the adapter offers them. */
export const OPTIONAL_FEATURES: readonly GPUFeatureName[] = ['timestamp-query'];

/** WGSL language feature behind dot4I8Packed / pack4xI8Clamp / unpack4xI8 ... */
export const PACKED_INT8_WGSL_FEATURE = 'packed_4x8_integer_dot_product';

export interface GpuAdapterSummary {
  vendor: string;
  architecture: string;
  device: string;
  description: string;
  isFallbackAdapter: boolean;
}

export interface GpuDeviceOptions {
  /** Default 'high-performance'. */
  powerPreference?: GPUPowerPreference;
  /** Added to the "no WebGPU adapter" error, e.g. how this environment was set up. */
  hint?: string;
  label?: string;
}

export interface GpuContext {
  device: GPUDevice;
  adapterInfo: GpuAdapterSummary;
  /** Features enabled on `device`. */
  features: ReadonlySet<string>;
  /** The WGSL builtins dot4I8Packed, pack4xI8Clamp, ... are available. */
  dot4I8Packed: boolean;
}

const NO_ADAPTER_HINT =
  'in node, Dawn needs a Vulkan loader (libvulkan.so.1) and a driver: set VK_ICD_FILENAMES to an ICD ' +
  'such as /usr/lib/chromium/vk_swiftshader_icd.json (SwiftShader); in Chromium, launch with ' +
  '--enable-unsafe-webgpu and load the page over http(s), not file:// or about:blank';

export async function requestGpuDevice(gpu: GPU | undefined, options: GpuDeviceOptions = {}): Promise<GpuContext> {
  const setup = options.hint ? ` [${options.hint}]` : '';
  const hint = `${setup}. Hint: ${NO_ADAPTER_HINT}`;
  if (!gpu) throw new Error(`no WebGPU adapter: WebGPU is not available here (navigator.gpu is undefined)${hint}`);

  let adapter: GPUAdapter | null;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: options.powerPreference ?? 'high-performance' });
  } catch (e) {
    throw new Error(`no WebGPU adapter: requestAdapter() threw: ${String(e)}${hint}`, { cause: e });
  }
  if (!adapter) throw new Error(`no WebGPU adapter: requestAdapter() returned null${hint}`);

  const requiredLimits: Record<string, number> = {};
  for (const name of REQUESTED_LIMITS) requiredLimits[name] = adapter.limits[name];
  const requiredFeatures = OPTIONAL_FEATURES.filter((f) => adapter.features.has(f));

  let device: GPUDevice;
  try {
    device = await adapter.requestDevice({ label: options.label ?? 'webgpu-int8', requiredLimits, requiredFeatures });
  } catch (e) {
    throw new Error(`WebGPU requestDevice() failed: ${String(e)}`, { cause: e });
  }

  // GPUAdapterInfo's fields are prototype getters: copy them explicitly (spreading yields {}).
  const info = adapter.info;
  return {
    device,
    adapterInfo: {
      vendor: info.vendor,
      architecture: info.architecture,
      device: info.device,
      description: info.description,
      // Older browsers had isFallbackAdapter on the adapter itself.
      isFallbackAdapter: info.isFallbackAdapter ?? (adapter as { isFallbackAdapter?: boolean }).isFallbackAdapter ?? false,
    },
    features: new Set(device.features),
    dot4I8Packed: gpu.wgslLanguageFeatures?.has(PACKED_INT8_WGSL_FEATURE) ?? false,
  };
}
