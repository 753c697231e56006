// Decoding ONNX protobuf bytes with protobufjs, and the shapes of the decoded messages we read.

import protobuf from 'protobufjs';
import { ModelFormatError } from '../errors.ts';
import { onnxSchema } from './onnx-schema.ts';

/** protobufjs yields int64 fields as `long` objects (or numbers when small); see toNumber(). */
export type Int64 = number | { toNumber(): number };

export interface TensorProto {
  dims: Int64[];
  dataType: number;
  floatData: number[];
  int32Data: number[];
  int64Data: Int64[];
  doubleData: number[];
  uint64Data: Int64[];
  stringData: Uint8Array[];
  name: string;
  rawData: Uint8Array;
  externalData: { key: string; value: string }[];
  dataLocation: number;
}

export interface AttributeProto {
  name: string;
  type: number;
  f: number;
  i: Int64;
  s: Uint8Array;
  t: TensorProto | null;
  g: unknown;
  floats: number[];
  ints: Int64[];
  strings: Uint8Array[];
  refAttrName: string;
}

export interface NodeProto {
  input: string[];
  output: string[];
  name: string;
  opType: string;
  domain: string;
  attribute: AttributeProto[];
}

export interface ValueInfoProto {
  name: string;
  type: { tensorType: { elemType: number; shape: { dim: { dimValue: Int64; dimParam: string }[] } | null } | null } | null;
}

export interface GraphProto {
  node: NodeProto[];
  name: string;
  initializer: TensorProto[];
  sparseInitializer: unknown[];
  input: ValueInfoProto[];
  output: ValueInfoProto[];
}

export interface ModelProto {
  irVersion: Int64;
  producerName: string;
  producerVersion: string;
  graph: GraphProto | null;
  opsetImport: { domain: string; version: Int64 }[];
}

const root = protobuf.Root.fromJSON(onnxSchema);
const modelType = root.lookupType('onnx.ModelProto');
const tensorType = root.lookupType('onnx.TensorProto');

export function toNumber(v: Int64): number {
  return typeof v === 'number' ? v : v.toNumber();
}

function decodeWith<T>(type: protobuf.Type, bytes: Uint8Array, what: string): T {
  try {
    return type.decode(bytes) as unknown as T;
  } catch (e) {
    // protobufjs reports the offset where the wire data stopped making sense.
    throw new ModelFormatError(`malformed ${what}: ${(e as Error).message}`, { cause: e });
  }
}

export const decodeModel = (bytes: Uint8Array): ModelProto => decodeWith<ModelProto>(modelType, bytes, 'ONNX model');
export const decodeTensor = (bytes: Uint8Array): TensorProto => decodeWith<TensorProto>(tensorType, bytes, 'ONNX TensorProto');
