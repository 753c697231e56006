// A standalone Relu / Clip on int8 data (docs/quantization.md (Q18)): q clamped to [lo, hi],
// (s, z) kept. Word by word over the whole packed tensor (padding lanes are clamped too).
// Needs lib/int8_*.wgsl (unpack4, pack4_clamp).

override WORKGROUP_SIZE: u32 = 64u;

struct Clamp {
  total_words: u32, dispatch_width: u32, lo: i32, hi: i32,
}

@group(0) @binding(0) var<uniform> u: Clamp;
@group(0) @binding(1) var<storage, read> input: array<u32>;
@group(0) @binding(2) var<storage, read_write> output: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  if (index >= u.total_words) {
    return;
  }
  output[index] = pack4_clamp(clamp(unpack4(input[index]), vec4<i32>(u.lo), vec4<i32>(u.hi)));
}
