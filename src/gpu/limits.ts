// A program checked against the device's limits before anything is allocated: a tensor, a constant
// or a dispatch the device cannot take is refused with a LimitError that names the limit, its value,
// the kernel and what it asked for, instead of a validation error (or a lost device) later.

import { LimitError } from '../errors.ts';
import type { KernelSpec } from '../kernels/spec.ts';
import type { SlotLayout } from './program.ts';

type Limits = Pick<GPUSupportedLimits, 'maxBufferSize' | 'maxStorageBufferBindingSize' | 'maxStorageBuffersPerShaderStage' | 'maxComputeWorkgroupsPerDimension' | 'maxUniformBufferBindingSize'>;

function refuse(limit: keyof Limits, value: number, what: string, asked: number): never {
  const unit = limit.endsWith('Size') ? ' bytes' : '';
  throw new LimitError(`${what} needs ${asked}${unit}, but this device's ${limit} is ${value}${unit}`);
}

function checkBinding(limits: Limits, kernel: string, what: string, bytes: number): void {
  if (bytes > limits.maxBufferSize) refuse('maxBufferSize', limits.maxBufferSize, `kernel "${kernel}": ${what}`, bytes);
  if (bytes > limits.maxStorageBufferBindingSize) refuse('maxStorageBufferBindingSize', limits.maxStorageBufferBindingSize, `kernel "${kernel}": ${what}`, bytes);
}

export function checkLimits(limits: Limits, specs: readonly KernelSpec[], memory: Map<string, number> | SlotLayout): void {
  const tensorBytes = (name: string): number => {
    if (memory instanceof Map) return memory.get(name) ?? 0;
    const slot = memory.slotOf.get(name);
    return slot === undefined ? 0 : memory.slotBytes[slot]!;
  };
  for (const spec of specs) {
    if (spec.storage.length > limits.maxStorageBuffersPerShaderStage) {
      refuse('maxStorageBuffersPerShaderStage', limits.maxStorageBuffersPerShaderStage, `kernel "${spec.label}" (${spec.shader})`, spec.storage.length);
    }
    if (spec.uniforms.byteLength > limits.maxUniformBufferBindingSize) refuse('maxUniformBufferBindingSize', limits.maxUniformBufferBindingSize, `kernel "${spec.label}": its uniforms`, spec.uniforms.byteLength);
    for (const s of spec.storage) {
      if ('tensor' in s) checkBinding(limits, spec.label, `tensor "${s.tensor}"`, tensorBytes(s.tensor));
      else checkBinding(limits, spec.label, `constant "${s.label}"`, s.data.byteLength);
    }
    const widest = Math.max(...spec.workgroups);
    if (widest > limits.maxComputeWorkgroupsPerDimension) {
      refuse('maxComputeWorkgroupsPerDimension', limits.maxComputeWorkgroupsPerDimension, `kernel "${spec.label}": a dispatch of [${spec.workgroups}] workgroups`, widest);
    }
  }
}
