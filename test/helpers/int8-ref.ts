// JS references for WGSL's packed int8 builtins, and deterministic test inputs.
// Lane k of a packed word is bits 8k..8k+7 (lane 0 is the least significant byte).

/** Sign-extend lane k of a packed word. */
export function lane(word: number, k: number): number {
  return ((word << (24 - 8 * k)) >> 24);
}

/** WGSL dot4I8Packed(a, b): i32 */
export function dot4I8PackedRef(a: number, b: number): number {
  let s = 0;
  for (let k = 0; k < 4; k++) s += lane(a, k) * lane(b, k);
  return s;
}

/** WGSL pack4xI8Clamp(v: vec4<i32>): u32 */
export function pack4xI8ClampRef(v0: number, v1: number, v2: number, v3: number): number {
  let w = 0;
  const vs = [v0, v1, v2, v3];
  for (let k = 0; k < 4; k++) w |= (Math.min(127, Math.max(-128, vs[k] ?? 0)) & 0xff) << (8 * k);
  return w >>> 0;
}

/** mulberry32: small, seedable, good enough for test data. */
export function rng(seed: number): () => number {
  let t = seed >>> 0;
  return () => {
    t = (t + 0x6d2b79f5) >>> 0;
    let r = Math.imul(t ^ (t >>> 15), 1 | t);
    r = (r + Math.imul(r ^ (r >>> 7), 61 | r)) ^ r;
    return (r ^ (r >>> 14)) >>> 0;
  };
}

export interface Int8SmokeInput {
  /** Packed int8 words; dots[i] = dot4I8Packed(a[i], b[i]). */
  a: number[];
  b: number[];
  /** vec4<i32> flattened; packed[i] = pack4xI8Clamp(v[4i..4i+3]). */
  v: number[];
}

export interface Int8SmokeOutput {
  dots: number[];
  packed: number[];
}

/** Random inputs with the extreme cases (-128, 127, 0, i32 limits) up front. */
export function makeInt8SmokeInput(nDot = 512, nPack = 256, seed = 0x1e8): Int8SmokeInput {
  const next = rng(seed);
  const a = [0x80808080, 0x80808080, 0x7f7f7f7f, 0x7f7f7f7f, 0xffffffff, 0x01020304, 0x00000000, 0x807f01ff];
  const b = [0x80808080, 0x7f7f7f7f, 0x7f7f7f7f, 0x80808080, 0xffffffff, 0xfffefdfc, 0x12345678, 0x7f80ff01];
  while (a.length < nDot) a.push(next());
  while (b.length < nDot) b.push(next());
  a.length = b.length = nDot;
  const i32 = (x: number) => x | 0;
  const v = [
    -128, 127, 0, -1,
    -129, 128, 255, -255,
    -2147483648, 2147483647, 1000000, -1000000,
    126, -127, 1, 2,
  ];
  while (v.length < 4 * nPack) {
    const r = next();
    // Mostly near the int8 range, sometimes anywhere in i32.
    v.push(r % 4 === 0 ? i32(next()) : (r >>> 2) % 600 - 300);
  }
  v.length = 4 * nPack;
  return { a, b, v };
}

export function int8SmokeReference(input: Int8SmokeInput): Int8SmokeOutput {
  const dots = input.a.map((x, i) => dot4I8PackedRef(x, input.b[i] ?? 0));
  const packed: number[] = [];
  for (let i = 0; i + 3 < input.v.length; i += 4) {
    const [v0 = 0, v1 = 0, v2 = 0, v3 = 0] = input.v.slice(i, i + 4);
    packed.push(pack4xI8ClampRef(v0, v1, v2, v3));
  }
  return { dots, packed };
}
