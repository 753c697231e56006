// The WGSL sources, one file per kernel family, imported as text (Vite's ?raw; the CLI's node
// loader in bin/raw-loader.mjs does the same). A kernel's source is its libraries followed by
// its own file: the int8 helpers (native dot4I8Packed, or the emulated fallback) and the shared
// output stage are written once.

import int8Emulated from '../../shaders/lib/int8_emulated.wgsl?raw';
import int8Native from '../../shaders/lib/int8_native.wgsl?raw';
import outputStage from '../../shaders/lib/output_stage.wgsl?raw';
import conv2dInt8 from '../../shaders/conv2d_int8.wgsl?raw';

export type Int8Path = 'native' | 'emulated';

type Library = 'int8' | 'output_stage';

const FAMILIES = {
  conv2d_int8: { source: conv2dInt8, libraries: ['int8', 'output_stage'] },
} as const satisfies Record<string, { source: string; libraries: readonly Library[] }>;

export type ShaderId = keyof typeof FAMILIES;

export function shaderSource(id: ShaderId, int8: Int8Path): string {
  const family = FAMILIES[id];
  const libraries = family.libraries.map((l: Library) => (l === 'output_stage' ? outputStage : int8 === 'native' ? int8Native : int8Emulated));
  return [...libraries, family.source].join('\n');
}
