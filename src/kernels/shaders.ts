// The WGSL sources, one file per kernel family, imported as text (Vite's ?raw; the CLI's node
// loader in bin/raw-loader.mjs does the same). A kernel's source is its libraries followed by
// its own file: the int8 helpers (native dot4I8Packed, or the emulated fallback) and the shared
// output stage are written once.

import int8Emulated from '../../shaders/lib/int8_emulated.wgsl?raw';
import int8Native from '../../shaders/lib/int8_native.wgsl?raw';
import outputStage from '../../shaders/lib/output_stage.wgsl?raw';
import convEpilogue from '../../shaders/lib/conv_epilogue.wgsl?raw';
import convBlocked from '../../shaders/lib/conv_blocked.wgsl?raw';
import quantizeLib from '../../shaders/lib/quantize.wgsl?raw';
import conv2dInt8 from '../../shaders/conv2d_int8.wgsl?raw';
import conv2dInt8Blocked from '../../shaders/conv2d_int8_blocked.wgsl?raw';
import conv2dInt8BlockedF32 from '../../shaders/conv2d_int8_blocked_f32.wgsl?raw';
import conv2dInt8Dw from '../../shaders/conv2d_int8_dw.wgsl?raw';
import addInt8 from '../../shaders/add_int8.wgsl?raw';
import clampInt8 from '../../shaders/clamp_int8.wgsl?raw';
import concatInt8 from '../../shaders/concat_int8.wgsl?raw';
import dequantizeInt8 from '../../shaders/dequantize_int8.wgsl?raw';
import layoutInt8 from '../../shaders/layout_int8.wgsl?raw';
import padInt8 from '../../shaders/pad_int8.wgsl?raw';
import poolInt8 from '../../shaders/pool_int8.wgsl?raw';
import quantizeF32 from '../../shaders/quantize_f32.wgsl?raw';
import quantizeIm2col from '../../shaders/quantize_im2col.wgsl?raw';
import softmaxF32 from '../../shaders/softmax_f32.wgsl?raw';
import conv2dF32 from '../../shaders/conv2d_f32.wgsl?raw';
import poolF32 from '../../shaders/pool_f32.wgsl?raw';
import binaryF32 from '../../shaders/binary_f32.wgsl?raw';
import unaryF32 from '../../shaders/unary_f32.wgsl?raw';
import concatF32 from '../../shaders/concat_f32.wgsl?raw';
import transposeF32 from '../../shaders/transpose_f32.wgsl?raw';
import padF32 from '../../shaders/pad_f32.wgsl?raw';

export type Int8Path = 'native' | 'emulated';

type Library = 'int8' | 'output_stage' | 'conv_epilogue' | 'conv_blocked' | 'quantize';

// The conv variants' arithmetic (src/kernels/conv-variants.ts): a const, so the other branch is
// compiled out, and the type the sums are kept in. One shader id per variant, so a profile names
// the variant each dispatch ran.
const arithmetic = (f32: boolean) => `const F32_MATH = ${f32};\nalias Sum = vec4<${f32 ? 'f32' : 'i32'}>;\n`;

const FAMILIES = {
  conv2d_int8: { source: conv2dInt8, libraries: ['int8', 'output_stage'] },
  conv2d_int8_blocked: { source: conv2dInt8Blocked, libraries: ['int8', 'output_stage', 'conv_epilogue', 'conv_blocked'] },
  conv2d_int8_blocked_f32: { source: conv2dInt8BlockedF32, libraries: ['int8', 'output_stage', 'conv_epilogue', 'conv_blocked'] },
  conv2d_int8_dw: { source: conv2dInt8Dw, libraries: ['int8', 'output_stage', 'conv_epilogue'], prelude: arithmetic(false) },
  conv2d_int8_dw_f32: { source: conv2dInt8Dw, libraries: ['int8', 'output_stage', 'conv_epilogue'], prelude: arithmetic(true) },
  add_int8: { source: addInt8, libraries: ['int8', 'output_stage'] },
  clamp_int8: { source: clampInt8, libraries: ['int8'] },
  concat_int8: { source: concatInt8, libraries: ['int8', 'output_stage'] },
  dequantize_int8: { source: dequantizeInt8, libraries: ['int8'] },
  layout_int8: { source: layoutInt8, libraries: ['int8'] },
  pad_int8: { source: padInt8, libraries: ['int8'] },
  pool_int8: { source: poolInt8, libraries: ['int8'] },
  quantize_f32: { source: quantizeF32, libraries: ['int8', 'quantize'] },
  quantize_im2col: { source: quantizeIm2col, libraries: ['int8', 'quantize'] },
  softmax_f32: { source: softmaxF32, libraries: [] },
  // The fp32 baseline (src/kernels/float/, src/plan/float-plan.ts): plain f32 NHWC tensors.
  conv2d_f32: { source: conv2dF32, libraries: [] },
  pool_f32: { source: poolF32, libraries: [] },
  binary_f32: { source: binaryF32, libraries: [] },
  unary_f32: { source: unaryF32, libraries: [] },
  concat_f32: { source: concatF32, libraries: [] },
  transpose_f32: { source: transposeF32, libraries: [] },
  pad_f32: { source: padF32, libraries: [] },
} as const satisfies Record<string, { source: string; libraries: readonly Library[]; prelude?: string }>;

export type ShaderId = keyof typeof FAMILIES;

export function shaderSource(id: ShaderId, int8: Int8Path): string {
  const family = FAMILIES[id];
  const text = { int8: int8 === 'native' ? int8Native : int8Emulated, output_stage: outputStage, conv_epilogue: convEpilogue, conv_blocked: convBlocked, quantize: quantizeLib };
  const libraries = family.libraries.map((l: Library) => text[l]);
  const prelude = 'prelude' in family ? [family.prelude] : [];
  return [...prelude, ...libraries, family.source].join('\n');
}
