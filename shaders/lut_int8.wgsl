// An elementwise float function of int8 data as a table (docs/quantization.md (Q20)): each
// output code is table[input code + 128], the table computed at quantization time. Word by word
// over the whole packed tensor (padding lanes are looked up too, like clamp_int8's).
// Needs lib/int8_*.wgsl (unpack4, pack4_clamp).

override WORKGROUP_SIZE: u32 = 64u;

struct Lut {
  total_words: u32, dispatch_width: u32, _pad0: u32, _pad1: u32,
}

@group(0) @binding(0) var<uniform> u: Lut;
@group(0) @binding(1) var<storage, read> input: array<u32>;
// One output code per i32, 256 of them: a lookup is one load, no byte extraction.
@group(0) @binding(2) var<storage, read> table: array<i32, 256>;
@group(0) @binding(3) var<storage, read_write> output: array<u32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  if (index >= u.total_words) {
    return;
  }
  let q = unpack4(input[index]) + vec4<i32>(128);
  output[index] = pack4_clamp(vec4<i32>(table[q.x], table[q.y], table[q.z], table[q.w]));
}
