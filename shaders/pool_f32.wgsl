// float32 pooling over plain NHWC data (the fp32 baseline of pool_int8): MaxPool, AveragePool
// (with or without count_include_pad), and (as a window covering the whole image)
// GlobalMaxPool / GlobalAveragePool. The spec is src/ref/float/pool.ts.
//
// Input [N, H, W, C] f32, output [N, OH, OW, C] f32; one invocation per output element.
// Max: the max over the taps inside the input (padding never wins).
// Average: the sum over the taps inside the input, divided by their count, or with
// COUNT_INCLUDE_PAD by the count of taps inside the padded input (taps beyond the padding, which
// ceil_mode allows, do not count).

override WORKGROUP_SIZE: u32 = 64u;
override MAX: bool = true;
override COUNT_INCLUDE_PAD: bool = false;

struct Pool {
  n: u32, h: u32, w: u32, c: u32,
  oh: u32, ow: u32, kh: u32, kw: u32,
  stride_y: u32, stride_x: u32, dilation_y: u32, dilation_x: u32,
  pad_top: i32, pad_left: i32, pad_bottom: i32, pad_right: i32,
  dispatch_width: u32, _pad0: u32, _pad1: u32, _pad2: u32,
}

@group(0) @binding(0) var<uniform> u: Pool;
@group(0) @binding(1) var<storage, read> input: array<f32>;
@group(0) @binding(2) var<storage, read_write> output: array<f32>;

@compute @workgroup_size(WORKGROUP_SIZE)
fn main(@builtin(global_invocation_id) id: vec3<u32>) {
  let index = id.y * u.dispatch_width + id.x;
  if (index >= u.n * u.oh * u.ow * u.c) {
    return;
  }
  let ch = index % u.c;
  let pixel = index / u.c;
  let ox = pixel % u.ow;
  let oy = (pixel / u.ow) % u.oh;
  let b = pixel / (u.ow * u.oh);
  let h = i32(u.h);
  let w = i32(u.w);
  var acc = 0.0;
  var found = false;
  var valid = 0u;
  var padded_y = 0u;
  var padded_x = 0u;
  for (var ky = 0u; ky < u.kh; ky++) {
    let iy = i32(oy * u.stride_y + ky * u.dilation_y) - u.pad_top;
    if (iy >= -u.pad_top && iy < h + u.pad_bottom) {
      padded_y++;
    }
    if (iy < 0 || iy >= h) {
      continue;
    }
    for (var kx = 0u; kx < u.kw; kx++) {
      let ix = i32(ox * u.stride_x + kx * u.dilation_x) - u.pad_left;
      if (ix < 0 || ix >= w) {
        continue;
      }
      let v = input[((b * u.h + u32(iy)) * u.w + u32(ix)) * u.c + ch];
      if (MAX) {
        if (!found || v > acc) {
          acc = v;
        }
        found = true;
      } else {
        acc += v;
      }
      valid++;
    }
  }
  if (!MAX) {
    if (COUNT_INCLUDE_PAD) {
      for (var kx = 0u; kx < u.kw; kx++) {
        let ix = i32(ox * u.stride_x + kx * u.dilation_x) - u.pad_left;
        if (ix >= -u.pad_left && ix < w + u.pad_right) {
          padded_x++;
        }
      }
      acc = acc / f32(padded_y * padded_x);
    } else {
      acc = acc / f32(valid);
    }
  }
  output[index] = acc;
}
