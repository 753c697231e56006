// A kernel is plain data, built by a pure function of (step, shapes): which shader, its override
// constants, its uniforms, its storage bindings and its workgroup count. Only src/gpu/ turns
// specs into pipelines and dispatches.

import type { ShaderId } from './shaders.ts';

/** A storage binding: a tensor of the program (activations), or constant data uploaded once. */
export type StorageBinding = { tensor: string; write?: boolean } | { data: Uint32Array | Int32Array | Float32Array; label: string };

export interface KernelSpec {
  label: string;
  shader: ShaderId;
  /** Pipeline-overridable constants; booleans are 0 or 1, as WebGPU passes them. */
  constants: Record<string, number>;
  /** Bound at binding 0 as a uniform buffer. */
  uniforms: ArrayBuffer;
  /** Bound at bindings 1, 2, ... in order. */
  storage: StorageBinding[];
  workgroups: [number, number, number];
}

export const WORKGROUP_SIZE = 64;
const MAX_WORKGROUPS_PER_DIMENSION = 65535;

/** Enough workgroups of WORKGROUP_SIZE for `invocations`, folded into y past the x limit; and the x width in invocations. */
export function dispatchFor(invocations: number): { workgroups: [number, number, number]; width: number } {
  const groups = Math.max(1, Math.ceil(invocations / WORKGROUP_SIZE));
  const x = Math.min(groups, MAX_WORKGROUPS_PER_DIMENSION);
  return { workgroups: [x, Math.ceil(groups / x), 1], width: x * WORKGROUP_SIZE };
}

/** Uniform structs are laid out as 32-bit words; std140-style padding is the caller's, by field order. */
export function uniformWords(values: number[]): ArrayBuffer {
  const words = new Int32Array(Math.ceil(values.length / 4) * 4);
  values.forEach((v, i) => (words[i] = v | 0));
  return words.buffer;
}
