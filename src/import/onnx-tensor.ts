// TensorProto → Tensor: raw_data (little-endian) or the typed repeated fields, validated against dims.

import { ModelFormatError, UnsupportedModelError } from '../errors.ts';
import { sizeOf, tensor, type DType, type Tensor } from '../ir/tensor.ts';
import { OnnxDataType as T } from './onnx-schema.ts';
import { toNumber, type TensorProto } from './onnx-proto.ts';
import { externalEntry, isExternal } from './onnx-external.ts';

interface Encoding {
  dtype: DType;
  bytes: number;
  /** Reads element i of little-endian raw_data. */
  read: (view: DataView, i: number) => number;
  /** The repeated field that holds this type when raw_data is absent. */
  field: (p: TensorProto) => ArrayLike<number>;
}

const int32Field = (p: TensorProto) => p.int32Data;
const encodings: Partial<Record<number, Encoding>> = {
  [T.FLOAT]: { dtype: 'float32', bytes: 4, read: (v, i) => v.getFloat32(i * 4, true), field: (p) => p.floatData },
  [T.DOUBLE]: { dtype: 'float64', bytes: 8, read: (v, i) => v.getFloat64(i * 8, true), field: (p) => p.doubleData },
  [T.FLOAT16]: { dtype: 'float32', bytes: 2, read: (v, i) => halfToFloat(v.getUint16(i * 2, true)), field: (p) => p.int32Data.map(halfToFloat) },
  [T.INT64]: { dtype: 'int64', bytes: 8, read: (v, i) => Number(v.getBigInt64(i * 8, true)), field: (p) => p.int64Data.map(toNumber) },
  [T.UINT64]: { dtype: 'int64', bytes: 8, read: (v, i) => Number(v.getBigUint64(i * 8, true)), field: (p) => p.uint64Data.map(toNumber) },
  [T.INT32]: { dtype: 'int32', bytes: 4, read: (v, i) => v.getInt32(i * 4, true), field: int32Field },
  [T.UINT32]: { dtype: 'int64', bytes: 4, read: (v, i) => v.getUint32(i * 4, true), field: (p) => p.uint64Data.map(toNumber) },
  [T.INT16]: { dtype: 'int32', bytes: 2, read: (v, i) => v.getInt16(i * 2, true), field: int32Field },
  [T.UINT16]: { dtype: 'int32', bytes: 2, read: (v, i) => v.getUint16(i * 2, true), field: int32Field },
  [T.INT8]: { dtype: 'int8', bytes: 1, read: (v, i) => v.getInt8(i), field: int32Field },
  [T.UINT8]: { dtype: 'uint8', bytes: 1, read: (v, i) => v.getUint8(i), field: int32Field },
  [T.BOOL]: { dtype: 'bool', bytes: 1, read: (v, i) => v.getUint8(i), field: int32Field },
};

export function onnxDType(dataType: number, where: string): DType {
  const e = encodings[dataType];
  if (!e) throw new UnsupportedModelError(`${where}: ONNX data type ${dataType} is not supported`);
  return e.dtype;
}

export function decodeTensorProto(p: TensorProto, where = `tensor "${p.name}"`): Tensor {
  if (isExternal(p)) {
    const file = externalEntry(p, 'location') ?? '?';
    throw new UnsupportedModelError(`${where} keeps its data in an external file ("${file}") that was not resolved: import the model with importOnnx(bytes, { externalData })`);
  }
  const shape = p.dims.map(toNumber);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0)) throw new ModelFormatError(`${where} has invalid dims [${shape}]`);
  const e = encodings[p.dataType];
  if (!e) throw new UnsupportedModelError(`${where}: ONNX data type ${p.dataType} is not supported`);
  const count = sizeOf(shape);
  if (p.rawData.length > 0) {
    // Refuse before allocating: a declared size the bytes cannot back is a corrupt file.
    if (p.rawData.length !== count * e.bytes) {
      throw new ModelFormatError(`${where}: dims [${shape}] need ${count * e.bytes} bytes of raw_data, found ${p.rawData.length}`);
    }
    const view = new DataView(p.rawData.buffer, p.rawData.byteOffset, p.rawData.byteLength);
    const t = tensor(e.dtype, shape);
    for (let i = 0; i < count; i++) t.data[i] = e.read(view, i);
    return t;
  }
  const values = e.field(p);
  if (values.length !== count) {
    throw new ModelFormatError(`${where}: dims [${shape}] need ${count} values, found ${values.length}`);
  }
  return tensor(e.dtype, shape, values);
}

/** IEEE 754 binary16 → number. */
function halfToFloat(h: number): number {
  const sign = h & 0x8000 ? -1 : 1;
  const exp = (h >> 10) & 0x1f;
  const frac = h & 0x3ff;
  if (exp === 0) return sign * frac * 2 ** -24;
  if (exp === 31) return frac ? NaN : sign * Infinity;
  return sign * (1 + frac / 1024) * 2 ** (exp - 15);
}
