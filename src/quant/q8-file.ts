// The .q8 file: a versioned container for a QuantizedModel that loads without the original model
// (docs/q8-format.md). Layout: magic "Q8NN", u32 version, u32 header length, UTF-8 JSON header,
// then a binary section of 16-byte-aligned little-endian arrays the header points into.

import { ModelFormatError } from '../errors.ts';
import type { QuantizedModel, Step } from './program.ts';
import { checkQ8Model } from './q8-check.ts';

export const Q8_MAGIC = 'Q8NN';
export const Q8_VERSION = 1;
const ALIGN = 16;

const ARRAY_TYPES = { int8: Int8Array, uint8: Uint8Array, int32: Int32Array, float32: Float32Array, float64: Float64Array } as const;
type ArrayDType = keyof typeof ARRAY_TYPES;
type AnyArray = InstanceType<(typeof ARRAY_TYPES)[ArrayDType]>;

interface BlobRef {
  $array: ArrayDType;
  offset: number;
  length: number;
}

const dtypeOf = (a: unknown): ArrayDType | undefined =>
  (Object.keys(ARRAY_TYPES) as ArrayDType[]).find((k) => a instanceof ARRAY_TYPES[k]);

/** JSON has no typed arrays, Maps or infinities: they are written as tagged objects. */
function encodeValue(v: unknown, blobs: AnyArray[], offset: { bytes: number }): unknown {
  const dtype = dtypeOf(v);
  if (dtype) {
    const array = v as AnyArray;
    const ref: BlobRef = { $array: dtype, offset: offset.bytes, length: array.length };
    blobs.push(array);
    offset.bytes += Math.ceil(array.byteLength / ALIGN) * ALIGN;
    return ref;
  }
  if (typeof v === 'number' && !Number.isFinite(v)) return { $number: String(v) };
  if (v instanceof Map) return { $map: [...v].map(([k, x]) => [k, encodeValue(x, blobs, offset)]) };
  if (Array.isArray(v)) return v.map((x) => encodeValue(x, blobs, offset));
  if (v && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, encodeValue(x, blobs, offset)]));
  return v;
}

export function writeQ8(model: QuantizedModel): Uint8Array {
  const blobs: AnyArray[] = [];
  const offset = { bytes: 0 };
  const header = { format: 'webgpu-int8', version: Q8_VERSION, model: encodeValue(model, blobs, offset) };
  const json = new TextEncoder().encode(JSON.stringify(header));
  const dataStart = Math.ceil((12 + json.length) / ALIGN) * ALIGN;
  // No padding after the last array: a file cut short always loses data, and loading says so.
  const last = blobs[blobs.length - 1];
  const dataBytes = last ? offset.bytes - Math.ceil(last.byteLength / ALIGN) * ALIGN + last.byteLength : 0;
  const bytes = new Uint8Array(dataStart + dataBytes);
  const view = new DataView(bytes.buffer);
  bytes.set(new TextEncoder().encode(Q8_MAGIC), 0);
  view.setUint32(4, Q8_VERSION, true);
  view.setUint32(8, json.length, true);
  bytes.set(json, 12);
  let at = dataStart;
  for (const b of blobs) {
    // Typed arrays are little-endian on every platform WebGPU runs on.
    if (b.byteLength > 0) bytes.set(new Uint8Array(b.buffer, b.byteOffset, b.byteLength), at);
    at += Math.ceil(b.byteLength / ALIGN) * ALIGN;
  }
  return bytes;
}

export function readQ8(bytes: Uint8Array): QuantizedModel {
  if (bytes.length < 12 || new TextDecoder().decode(bytes.subarray(0, 4)) !== Q8_MAGIC) {
    throw new ModelFormatError('not a .q8 file (missing "Q8NN" magic)');
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const version = view.getUint32(4, true);
  if (version !== Q8_VERSION) throw new ModelFormatError(`.q8 format version ${version} is not supported (this build reads version ${Q8_VERSION})`);
  const headerLength = view.getUint32(8, true);
  if (12 + headerLength > bytes.length) throw new ModelFormatError(`.q8 header claims ${headerLength} bytes but the file has ${bytes.length - 12} after the preamble`);
  let header: { model?: unknown };
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(12, 12 + headerLength)));
  } catch (e) {
    throw new ModelFormatError(`.q8 header is not valid JSON: ${(e as Error).message}`);
  }
  const dataStart = Math.ceil((12 + headerLength) / ALIGN) * ALIGN;
  const model = decodeValue(header.model, bytes, dataStart, 'model') as QuantizedModel;
  checkModel(model);
  return model;
}

function decodeValue(v: unknown, bytes: Uint8Array, dataStart: number, path: string): unknown {
  if (Array.isArray(v)) return v.map((x, i) => decodeValue(x, bytes, dataStart, `${path}[${i}]`));
  if (!v || typeof v !== 'object') return v;
  const o = v as Record<string, unknown>;
  if ('$array' in o) return decodeArray(o as unknown as BlobRef, bytes, dataStart, path);
  if ('$number' in o) return Number(o.$number);
  if ('$map' in o) {
    const pairs = o.$map;
    if (!Array.isArray(pairs) || !pairs.every((e) => Array.isArray(e) && e.length === 2 && typeof e[0] === 'string')) throw new ModelFormatError(`.q8: ${path} is a malformed map`);
    return new Map((o.$map as [string, unknown][]).map(([k, x]) => [k, decodeValue(x, bytes, dataStart, `${path}.${k}`)]));
  }
  return Object.fromEntries(Object.entries(o).map(([k, x]) => [k, decodeValue(x, bytes, dataStart, `${path}.${k}`)]));
}

function decodeArray(ref: BlobRef, bytes: Uint8Array, dataStart: number, path: string): AnyArray {
  const Type = ARRAY_TYPES[ref.$array];
  if (!Type || !Number.isSafeInteger(ref.offset) || !Number.isSafeInteger(ref.length) || ref.offset < 0 || ref.length < 0) {
    throw new ModelFormatError(`.q8: ${path} is a malformed array reference`);
  }
  const start = dataStart + ref.offset;
  const byteLength = ref.length * Type.BYTES_PER_ELEMENT;
  // Refuse before allocating: an array the file's bytes cannot back is a corrupt file.
  if (start + byteLength > bytes.length) {
    throw new ModelFormatError(`.q8: ${path} needs ${byteLength} bytes at offset ${ref.offset}, past the end of the file`);
  }
  // Copy into a fresh, aligned buffer (a node Buffer's slice() would share its pooled memory).
  const copy = new Uint8Array(byteLength);
  copy.set(bytes.subarray(start, start + byteLength));
  return new Type(copy.buffer);
}

/** Every step must read tensors that exist by then: inputs, constants or earlier outputs. */
function checkModel(model: QuantizedModel): void {
  if (!model || !Array.isArray(model.steps) || !Array.isArray(model.inputs) || !(model.tensors instanceof Map) || !(model.constants instanceof Map)) {
    throw new ModelFormatError('.q8: the header does not describe a quantized model');
  }
  checkQ8Model(model);
  const known = new Set<string>([...model.inputs.map((i) => i.name), ...model.constants.keys(), '']);
  for (const step of model.steps) {
    for (const name of stepInputs(step)) {
      if (!known.has(name)) throw new ModelFormatError(`.q8: step "${step.name}" (${step.op}) reads "${name}", which nothing before it produces`);
    }
    for (const name of stepOutputs(step)) known.add(name);
  }
  for (const o of model.outputs) if (!known.has(o.name)) throw new ModelFormatError(`.q8: output "${o.name}" is never produced`);
}

export function stepInputs(step: Step): string[] {
  if (step.op === 'layout' || step.op === 'float') return step.node.inputs;
  return 'inputs' in step ? step.inputs : [step.input];
}

export function stepOutputs(step: Step): string[] {
  return step.op === 'layout' || step.op === 'float' ? step.node.outputs : [step.output];
}
