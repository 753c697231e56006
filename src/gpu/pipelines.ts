// Compute pipelines, created once per (device, shader, int8 path, constants) and cached: the key
// is derived from exactly what makes two pipelines differ, never assembled by hand. One cache per
// device and int8 path (PipelineCache.of), so the autotune's candidates and every session on the
// device share their pipelines: a compile costs seconds on a software adapter.

import { shaderSource, type Int8Path, type ShaderId } from '../kernels/shaders.ts';
import type { KernelSpec } from '../kernels/spec.ts';

const shared = new WeakMap<GPUDevice, Map<Int8Path, PipelineCache>>();

export class PipelineCache {
  private readonly modules = new Map<string, GPUShaderModule>();
  // Promises, so that concurrent requests for one pipeline compile it once.
  private readonly pipelines = new Map<string, Promise<GPUComputePipeline>>();

  constructor(private readonly device: GPUDevice, private readonly int8Path: Int8Path) {}

  /** The device's cache for this int8 path. */
  static of(device: GPUDevice, int8Path: Int8Path): PipelineCache {
    let caches = shared.get(device);
    if (!caches) shared.set(device, (caches = new Map()));
    let cache = caches.get(int8Path);
    if (!cache) caches.set(int8Path, (cache = new PipelineCache(device, int8Path)));
    return cache;
  }

  private module(shader: ShaderId): GPUShaderModule {
    let m = this.modules.get(shader);
    if (!m) this.modules.set(shader, (m = this.device.createShaderModule({ label: shader, code: shaderSource(shader, this.int8Path) })));
    return m;
  }

  /** Explicit layouts: binding 0 uniform, then one storage binding per spec.storage entry. */
  layoutFor(spec: KernelSpec): GPUBindGroupLayout {
    return this.device.createBindGroupLayout({
      label: `${spec.shader} layout`,
      entries: [
        { binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform' } },
        ...spec.storage.map((s, i) => ({
          binding: i + 1,
          visibility: GPUShaderStage.COMPUTE,
          buffer: { type: ('write' in s && s.write ? 'storage' : 'read-only-storage') as GPUBufferBindingType },
        })),
      ],
    });
  }

  /** Concurrent calls compile in parallel where the implementation can (createComputePipelineAsync). */
  async pipeline(spec: KernelSpec): Promise<{ pipeline: GPUComputePipeline; layout: GPUBindGroupLayout }> {
    const access = spec.storage.map((s) => ('write' in s && s.write ? 'w' : 'r')).join('');
    const key = JSON.stringify([spec.shader, this.int8Path, access, Object.entries(spec.constants).sort()]);
    let created = this.pipelines.get(key);
    if (!created) {
      created = this.create(spec, key);
      this.pipelines.set(key, created);
      // A failed compile is not cached: the error reaches this caller, and a later one retries.
      created.catch(() => this.pipelines.delete(key));
    }
    const pipeline = await created;
    // Bind groups must use the pipeline's own layout object.
    return { pipeline, layout: pipeline.getBindGroupLayout(0) };
  }

  private async create(spec: KernelSpec, key: string): Promise<GPUComputePipeline> {
    // The scope is popped before anything is awaited, so concurrent creations keep their own scopes.
    this.device.pushErrorScope('validation');
    const creating = this.device.createComputePipelineAsync({
      label: `${spec.shader} ${key}`,
      layout: this.device.createPipelineLayout({ bindGroupLayouts: [this.layoutFor(spec)] }),
      compute: { module: this.module(spec.shader), entryPoint: 'main', constants: spec.constants },
    });
    const scope = this.device.popErrorScope();
    const pipeline = await creating.catch((e: unknown) => {
      throw new Error(`kernel ${spec.shader} (step "${spec.label}"): pipeline creation failed: ${String(e)}`);
    });
    const error = await scope;
    if (error) throw new Error(`kernel ${spec.shader} (step "${spec.label}"): ${error.message}`);
    return pipeline;
  }
}
