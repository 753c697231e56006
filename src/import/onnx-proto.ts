// Decoding ONNX protobuf bytes with protobufjs's static coders, and the shapes of the decoded messages we read.

import { ModelFormatError } from '../errors.ts';
import { onnx, type StaticMessageType } from './generated/onnx-pb.js';

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
  /** Set for graph attributes (If's branches, Loop's body). */
  g: GraphProto | null;
  graphs: GraphProto[];
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
  valueInfo?: ValueInfoProto[];
}

export interface ModelProto {
  irVersion: Int64;
  producerName: string;
  producerVersion: string;
  graph: GraphProto | null;
  opsetImport: { domain: string; version: Int64 }[];
}


export function toNumber(v: Int64): number {
  return typeof v === 'number' ? v : v.toNumber();
}

function decodeWith<T>(type: StaticMessageType, bytes: Uint8Array, what: string): T {
  try {
    return type.decode(bytes) as unknown as T;
  } catch (e) {
    // protobufjs reports the offset where the wire data stopped making sense.
    throw new ModelFormatError(`malformed ${what}: ${(e as Error).message}`, { cause: e });
  }
}

export const decodeModel = (bytes: Uint8Array): ModelProto => decodeWith<ModelProto>(onnx.ModelProto, bytes, 'ONNX model');
export const decodeTensor = (bytes: Uint8Array): TensorProto => decodeWith<TensorProto>(onnx.TensorProto, bytes, 'ONNX TensorProto');
/** The static coders (generated from onnx-schema.ts; see scripts/gen-onnx-pb.sh): no code compiled at run time. */
export const ModelProtoCoder = onnx.ModelProto;
