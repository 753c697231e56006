// Compute pipelines, created once per (shader, int8 path, constants) and cached: the key is
// derived from exactly what makes two pipelines differ, never assembled by hand.

import { shaderSource, type Int8Path, type ShaderId } from '../kernels/shaders.ts';
import type { KernelSpec } from '../kernels/spec.ts';

export class PipelineCache {
  private readonly modules = new Map<string, GPUShaderModule>();
  private readonly pipelines = new Map<string, GPUComputePipeline>();

  constructor(private readonly device: GPUDevice, private readonly int8Path: Int8Path) {}

  get size(): number {
    return this.pipelines.size;
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

  async pipeline(spec: KernelSpec): Promise<{ pipeline: GPUComputePipeline; layout: GPUBindGroupLayout }> {
    const access = spec.storage.map((s) => ('write' in s && s.write ? 'w' : 'r')).join('');
    const key = JSON.stringify([spec.shader, this.int8Path, access, Object.entries(spec.constants).sort()]);
    const layout = this.layoutFor(spec);
    let pipeline = this.pipelines.get(key);
    if (!pipeline) {
      this.device.pushErrorScope('validation');
      pipeline = await this.device.createComputePipelineAsync({
        label: `${spec.shader} ${key}`,
        layout: this.device.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module: this.module(spec.shader), entryPoint: 'main', constants: spec.constants },
      }).catch((e: unknown) => {
        throw new Error(`kernel ${spec.shader} (step "${spec.label}"): pipeline creation failed: ${String(e)}`);
      });
      const error = await this.device.popErrorScope();
      if (error) throw new Error(`kernel ${spec.shader} (step "${spec.label}"): ${error.message}`);
      this.pipelines.set(key, pipeline);
    }
    // Bind groups must use the pipeline's own layout object.
    return { pipeline, layout: pipeline.getBindGroupLayout(0) };
  }
}
