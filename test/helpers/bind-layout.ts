// A kernel spec's bindings against its WGSL, read by wgsl_reflect: one bind group, the uniform
// struct at binding 0 with the spec's uniform size, then one storage binding per spec storage
// entry with the access the spec needs, at most 10 of them (Chromium's limit per stage); and
// the uniform data built by name (src/kernels/uniforms.ts) member by member as the WGSL struct
// declares it: the same names in the same order at the same byte offsets and sizes.
import { expect } from 'vitest';
// The package's node entry is CommonJS under "type": "module"; its ES module build loads.
import { ResourceType, WgslReflect, type StructInfo } from 'wgsl_reflect/wgsl_reflect.module.js';
import { shaderSource } from '../../src/kernels/shaders.ts';
import type { KernelSpec } from '../../src/kernels/spec.ts';
import { uniformMembers } from '../../src/kernels/uniforms.ts';

export function expectBindingsMatch(spec: KernelSpec): void {
  const reflect = new WgslReflect(shaderSource(spec.shader, 'native'));
  const groups = reflect.getBindGroups();
  expect(groups, spec.shader).toHaveLength(1);
  const bindings = groups[0]!.filter(Boolean).sort((a, b) => a.binding - b.binding);
  expect(bindings.map((v) => v.binding), spec.shader).toEqual(Array.from({ length: spec.storage.length + 1 }, (_, i) => i));
  const [uniform, ...storage] = bindings;
  expect(uniform!.resourceType, `${spec.shader} binding 0`).toBe(ResourceType.Uniform);
  expect(uniform!.type.size, `${spec.shader} uniform struct size`).toBe(spec.uniforms.byteLength);
  const built = uniformMembers(spec.uniforms);
  expect(built, `${spec.shader} (${spec.label}): uniforms built by uniformStruct, with member names`).toBeDefined();
  const declared = (uniform!.type as StructInfo).members;
  expect(built!.map((m) => `${m.name}@${m.offset}+${m.size}`), `${spec.shader} uniform members`).toEqual(declared.map((m) => `${m.name}@${m.offset}+${m.size}`));
  storage.forEach((v, i) => {
    const s = spec.storage[i]!;
    const written = 'write' in s && s.write === true;
    expect(v.resourceType, `${spec.shader} binding ${v.binding}`).toBe(ResourceType.Storage);
    expect(v.access, `${spec.shader} binding ${v.binding} (${v.name})`).toBe(written ? 'read_write' : 'read');
  });
  expect(storage.length, `${spec.shader}: storage bindings`).toBeLessThanOrEqual(10);
}
