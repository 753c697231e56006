// Hand-built TF.js graph models (model.json + weight bytes) for importer tests: each op is checked
// by running the same bytes through our importer + float reference and through TF.js itself.

import { sizeOf } from '../../src/ir/tensor.ts';
import type { TfModelJson, TfNode, TfWeightSpec } from '../../src/import/tfjs-model.ts';

const b64 = (s: string) => Buffer.from(s).toString('base64');

/** Attribute helpers in GraphDef JSON form. */
export const attr = {
  s: (v: string) => ({ s: b64(v) }),
  ints: (v: number[]) => ({ list: { i: v.map(String) } }),
  strings: (v: string[]) => ({ list: { s: v.map(b64) } }),
  i: (v: number) => ({ i: String(v) }),
  f: (v: number) => ({ f: v }),
  b: (v: boolean) => ({ b: v }),
  type: (v: string) => ({ type: v }),
};

export type Encoding = 'float32' | 'uint8' | 'uint16' | 'float16' | 'int32';

export class TfGraphBuilder {
  readonly nodes: TfNode[] = [];
  private readonly specs: TfWeightSpec[] = [];
  private readonly chunks: Uint8Array[] = [];

  input(name: string, shape: number[]): string {
    this.nodes.push({ name, op: 'Placeholder', attr: { dtype: attr.type('DT_FLOAT'), shape: { shape: { dim: shape.map((d) => ({ size: String(d) })) } } } });
    return name;
  }

  /** A constant, stored in the weights with the given encoding. */
  constant(name: string, shape: number[], values: ArrayLike<number>, encoding: Encoding = 'float32'): string {
    if (values.length !== sizeOf(shape)) throw new Error(`constant ${name}: ${values.length} values for [${shape}]`);
    const dtype = encoding === 'int32' ? 'int32' : 'float32';
    this.nodes.push({ name, op: 'Const', attr: { dtype: attr.type(encoding === 'int32' ? 'DT_INT32' : 'DT_FLOAT'), value: { tensor: { dtype: encoding === 'int32' ? 'DT_INT32' : 'DT_FLOAT' } } } });
    const { bytes, quantization } = encode(values, encoding);
    this.specs.push({ name, shape, dtype, ...(quantization ? { quantization } : {}) });
    this.chunks.push(bytes);
    return name;
  }

  op(name: string, op: string, input: string[], attrs: TfNode['attr'] = {}): string {
    this.nodes.push({ name, op, input, attr: attrs });
    return name;
  }

  build(): { modelJson: TfModelJson; weights: Uint8Array } {
    const weights = new Uint8Array(this.chunks.reduce((n, c) => n + c.byteLength, 0));
    let offset = 0;
    for (const c of this.chunks) {
      weights.set(c, offset);
      offset += c.byteLength;
    }
    return {
      modelJson: { format: 'graph-model', modelTopology: { node: this.nodes, versions: { producer: 1 } } as TfModelJson['modelTopology'], weightsManifest: [{ paths: ['weights.bin'], weights: this.specs }] },
      weights,
    };
  }
}

function encode(values: ArrayLike<number>, encoding: Encoding): { bytes: Uint8Array; quantization?: TfWeightSpec['quantization'] } {
  const n = values.length;
  if (encoding === 'float32') return { bytes: new Uint8Array(Float32Array.from(values).buffer) };
  if (encoding === 'int32') return { bytes: new Uint8Array(Int32Array.from(values).buffer) };
  if (encoding === 'float16') {
    const h = new Uint16Array(n);
    for (let i = 0; i < n; i++) h[i] = floatToHalf(values[i]!);
    return { bytes: new Uint8Array(h.buffer), quantization: { dtype: 'float16' } };
  }
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    min = Math.min(min, values[i]!);
    max = Math.max(max, values[i]!);
  }
  const levels = encoding === 'uint8' ? 255 : 65535;
  const scale = (max - min) / levels || 1;
  const q = encoding === 'uint8' ? new Uint8Array(n) : new Uint16Array(n);
  for (let i = 0; i < n; i++) q[i] = Math.round((values[i]! - min) / scale);
  return { bytes: new Uint8Array(q.buffer), quantization: { dtype: encoding, min, scale } };
}

/** Round-to-nearest binary16 of normal values (enough for test weights in a sane range). */
function floatToHalf(v: number): number {
  const f = new Float32Array([v]);
  const bits = new Uint32Array(f.buffer)[0]!;
  const sign = (bits >>> 16) & 0x8000;
  const exponent = ((bits >>> 23) & 0xff) - 127 + 15;
  if (v === 0 || exponent <= 0) return sign;
  const mantissa = Math.round((bits & 0x7fffff) / 0x2000);
  return sign | ((exponent << 10) + mantissa);
}
