// The WGSL sources, one file per kernel family in shaders/, as strings generated from them
// (scripts/gen-wgsl.mjs), so no bundler or runtime needs a .wgsl loader. A kernel's source is
// its libraries followed by its own file: the int8 helpers (native dot4I8Packed, or the
// emulated fallback) and the shared output stage are written once.

import { WGSL } from './wgsl.generated.ts';

export type Int8Path = 'native' | 'emulated';

type Library = 'int8' | 'dots' | 'output_stage' | 'conv_epilogue' | 'conv_blocked' | 'quantize' | 'dynamic';

// The conv variants' arithmetic (src/kernels/conv-variants.ts): a const, so the other branch is
// compiled out, and the type the sums are kept in. One shader id per variant, so a profile names
// the variant each dispatch ran.
const arithmetic = (f32: boolean) => `const F32_MATH = ${f32};\nalias Sum = vec4<${f32 ? 'f32' : 'i32'}>;\n`;

const FAMILIES = {
  conv2d_int8: { source: WGSL['conv2d_int8.wgsl'], libraries: ['int8', 'output_stage'] },
  conv2d_int8_blocked: { source: WGSL['conv2d_int8_blocked.wgsl'], libraries: ['int8', 'dots', 'output_stage', 'conv_epilogue', 'conv_blocked'] },
  conv2d_int8_blocked_f32: { source: WGSL['conv2d_int8_blocked_f32.wgsl'], libraries: ['int8', 'dots', 'output_stage', 'conv_epilogue', 'conv_blocked'] },
  conv2d_int8_tiled: { source: WGSL['conv2d_int8_tiled.wgsl'], libraries: ['int8', 'dots', 'output_stage', 'conv_epilogue', 'conv_blocked'] },
  conv2d_int8_dw: { source: WGSL['conv2d_int8_dw.wgsl'], libraries: ['int8', 'output_stage', 'conv_epilogue'], prelude: arithmetic(false) },
  conv2d_int8_dw_f32: { source: WGSL['conv2d_int8_dw.wgsl'], libraries: ['int8', 'output_stage', 'conv_epilogue'], prelude: arithmetic(true) },
  binary_int8: { source: WGSL['binary_int8.wgsl'], libraries: ['int8', 'output_stage'] },
  clamp_int8: { source: WGSL['clamp_int8.wgsl'], libraries: ['int8'] },
  lut_int8: { source: WGSL['lut_int8.wgsl'], libraries: ['int8'] },
  concat_int8: { source: WGSL['concat_int8.wgsl'], libraries: ['int8', 'output_stage'] },
  dequantize_int8: { source: WGSL['dequantize_int8.wgsl'], libraries: ['int8'] },
  layout_int8: { source: WGSL['layout_int8.wgsl'], libraries: ['int8'] },
  pad_int8: { source: WGSL['pad_int8.wgsl'], libraries: ['int8'] },
  resize_int8: { source: WGSL['resize_int8.wgsl'], libraries: [] },
  pool_int8: { source: WGSL['pool_int8.wgsl'], libraries: ['int8'] },
  quantize_f32: { source: WGSL['quantize_f32.wgsl'], libraries: ['int8', 'quantize'] },
  quantize_im2col: { source: WGSL['quantize_im2col.wgsl'], libraries: ['int8', 'quantize'] },
  softmax_f32: { source: WGSL['softmax_f32.wgsl'], libraries: [] },
  // Dynamic quantization (src/kernels/float/dynamic.ts): float in, float out, int8 inside.
  dynq_range: { source: WGSL['dynq_range.wgsl'], libraries: [] },
  dynq_params: { source: WGSL['dynq_params.wgsl'], libraries: ['dynamic'] },
  dynq_quantize: { source: WGSL['dynq_quantize.wgsl'], libraries: ['int8', 'quantize', 'dynamic'] },
  dynq_gemm: { source: WGSL['dynq_gemm.wgsl'], libraries: ['int8', 'dynamic'] },
  dynq_gemm_f32: { source: WGSL['dynq_gemm_f32.wgsl'], libraries: ['int8', 'dots', 'dynamic'] },
  dynq_conv: { source: WGSL['dynq_conv.wgsl'], libraries: ['int8', 'dynamic'] },
  // The fp32 baseline (src/kernels/float/, src/plan/float-plan.ts): plain f32 NHWC tensors.
  conv2d_f32: { source: WGSL['conv2d_f32.wgsl'], libraries: [] },
  pool_f32: { source: WGSL['pool_f32.wgsl'], libraries: [] },
  binary_f32: { source: WGSL['binary_f32.wgsl'], libraries: [] },
  unary_f32: { source: WGSL['unary_f32.wgsl'], libraries: [] },
  concat_f32: { source: WGSL['concat_f32.wgsl'], libraries: [] },
  transpose_f32: { source: WGSL['transpose_f32.wgsl'], libraries: [] },
  pad_f32: { source: WGSL['pad_f32.wgsl'], libraries: [] },
  reduce_f32: { source: WGSL['reduce_f32.wgsl'], libraries: [] },
  gather_f32: { source: WGSL['gather_f32.wgsl'], libraries: [] },
  norm_f32: { source: WGSL['norm_f32.wgsl'], libraries: [] },
  matmul_f32: { source: WGSL['matmul_f32.wgsl'], libraries: [] },
  loss_f32: { source: WGSL['loss_f32.wgsl'], libraries: [] },
  resample_f32: { source: WGSL['resample_f32.wgsl'], libraries: [] },
  taps_f32: { source: WGSL['taps_f32.wgsl'], libraries: [] },
} as const satisfies Record<string, { source: string; libraries: readonly Library[]; prelude?: string }>;

export type ShaderId = keyof typeof FAMILIES;

export function shaderSource(id: ShaderId, int8: Int8Path): string {
  const family = FAMILIES[id];
  const text = {
    int8: WGSL[int8 === 'native' ? 'lib/int8_native.wgsl' : 'lib/int8_emulated.wgsl'],
    dots: WGSL['lib/dots.wgsl'],
    output_stage: WGSL['lib/output_stage.wgsl'],
    conv_epilogue: WGSL['lib/conv_epilogue.wgsl'],
    conv_blocked: WGSL['lib/conv_blocked.wgsl'],
    quantize: WGSL['lib/quantize.wgsl'],
    dynamic: WGSL['lib/dynamic.wgsl'],
  };
  const libraries = family.libraries.map((l: Library) => text[l]);
  const prelude = 'prelude' in family ? [family.prelude] : [];
  return [...prelude, ...libraries, family.source].join('\n');
}
