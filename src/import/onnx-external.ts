// ONNX external data: a tensor whose bytes live in a sidecar file (data_location EXTERNAL, with
// external_data entries location / offset / length), as exporters write models past protobuf's
// 2 GB limit or on request. The caller gives the sidecar files' bytes by location (the CLI reads
// them from beside the model); each such tensor gets its bytes as raw_data before decoding, so
// every later stage sees an ordinary tensor.

import { InputError, ModelFormatError } from '../errors.ts';
import type { GraphProto, ModelProto, TensorProto } from './onnx-proto.ts';

/** Sidecar files by the location the model names them with, or a function that reads one. */
export type ExternalData = Readonly<Record<string, Uint8Array>> | ((location: string) => Uint8Array | undefined);

export const isExternal = (p: TensorProto): boolean => p.dataLocation === 1 || p.externalData.length > 0;

/** Every TensorProto of a graph: initializers and tensor attributes, subgraphs included. */
function* tensorsOf(g: GraphProto): Generator<TensorProto> {
  yield* g.initializer;
  for (const node of g.node) {
    for (const a of node.attribute) {
      if (a.t) yield a.t;
      for (const sub of [...(a.g ? [a.g] : []), ...a.graphs]) yield* tensorsOf(sub);
    }
  }
}

/** An external_data entry of a tensor (location, offset, length). */
export const externalEntry = (p: TensorProto, key: string): string | undefined => p.externalData.find((e) => e.key === key)?.value;

function integerEntry(p: TensorProto, key: string, file: string): number | undefined {
  const v = externalEntry(p, key);
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!/^\d+$/.test(v) || !Number.isSafeInteger(n)) throw new ModelFormatError(`tensor "${p.name}" has external_data ${key} "${v}" for "${file}", not a byte count`);
  return n;
}

/** Gives each external tensor of `model` its bytes from `external` (in place). */
export function resolveExternalData(model: ModelProto, external: ExternalData | undefined): void {
  if (!model.graph) return;
  for (const t of tensorsOf(model.graph)) {
    if (!isExternal(t)) continue;
    const file = externalEntry(t, 'location');
    if (!file) throw new ModelFormatError(`tensor "${t.name}" keeps its data externally but names no location`);
    const bytes = typeof external === 'function' ? external(file) : external?.[file];
    if (!bytes) {
      throw new InputError(`tensor "${t.name}" keeps its data in "${file}", which was not given: pass its bytes as externalData["${file}"] (the command line reads it from beside the model)`);
    }
    const offset = integerEntry(t, 'offset', file) ?? 0;
    const length = integerEntry(t, 'length', file) ?? bytes.length - offset;
    if (offset + length > bytes.length || length < 0) {
      throw new ModelFormatError(`tensor "${t.name}" reads bytes ${offset}–${offset + length} of "${file}", which has ${bytes.length}`);
    }
    t.rawData = bytes.subarray(offset, offset + length);
    t.externalData = [];
    t.dataLocation = 0;
  }
}
