// An engine's outputs against the CPU float reference: element-wise deviation, then what the
// model is for: the same top-1 class, the same faces, the same text map, the same matte. On a
// dynamic model each row is checked against the reference of the graph it runs: the float
// graph's (fp32, onnxruntime's float rows) or our dynamic graph's (int8, onnxruntime's (dynamic)
// rows); the quantized rows are held to the task's result, not to the float tolerance.
import { detectFaces } from '../../src/models/detect.ts';
import { iou } from '../../src/models/boxes.ts';
import { textMapIoU } from '../../src/models/text-map.ts';
import { compareMattes, ISNET_OUTPUT } from '../../src/models/isnet.ts';
import type { FaceDetectorModel } from '../../src/models/catalog.ts';
import type { Tensor } from '../../src/ir/tensor.ts';
import type { EngineId, OnnxVariant } from '../page/protocol.ts';
import type { PreparedModel } from './models.ts';
import type { Correctness } from './schema.ts';

type Outputs = Record<string, { shape: number[]; data: ArrayLike<number> }>;

/** Float engines must match the float reference this closely (relative to each output's range). */
const FLOAT_TOLERANCE = 1e-3;
const FACE_IOU = 0.5;
/** The text-map IoU (thresholded at 0.3) an engine must reach against the float reference. */
const TEXT_MAP_IOU = 0.85;
/** A matte against its reference (test/model/isnet*.test.ts's bars against onnxruntime): mean |Δ| and IoU at 0.5. */
const MATTE_MAE = 0.01;
const MATTE_IOU = 0.98;

type Reference = PreparedModel['reference'];

const argmax = (xs: ArrayLike<number>) => {
  let best = 0;
  for (let i = 1; i < xs.length; i++) if (xs[i]! > xs[best]!) best = i;
  return best;
};

function deviation(model: PreparedModel, reference: Reference, got: Outputs): { maxAbs: number; maxRel: number; meanAbs: number } {
  let maxAbs = 0;
  let maxRel = 0;
  let sum = 0;
  let count = 0;
  for (const name of model.outputs) {
    const ref = reference[name]!.data;
    const out = got[name]?.data;
    if (!out || out.length !== ref.length) throw new Error(`output "${name}": ${out?.length ?? 'no'} values, expected ${ref.length}`);
    let abs = 0;
    let range = 0;
    for (let i = 0; i < ref.length; i++) {
      const d = Math.abs(out[i]! - ref[i]!);
      abs = Math.max(abs, Number.isNaN(d) ? Infinity : d);
      range = Math.max(range, Math.abs(ref[i]!));
      sum += d;
    }
    count += ref.length;
    maxAbs = Math.max(maxAbs, abs);
    maxRel = Math.max(maxRel, abs / Math.max(range, 1e-30));
  }
  return { maxAbs, maxRel, meanAbs: sum / count };
}

function faces(model: PreparedModel, got: Outputs): NonNullable<Correctness['faces']> {
  const catalog = model.catalog as FaceDetectorModel;
  const asTensors = (o: Outputs) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, { dtype: 'float32', shape: v.shape, data: Float32Array.from(v.data) } satisfies Tensor]));
  const want = detectFaces(catalog, asTensors(model.reference));
  const have = detectFaces(catalog, asTensors(got));
  const ious = want.map((w) => Math.max(0, ...have.map((h) => iou(w.box, h.box))));
  return { reference: want.length, engine: have.length, matched: ious.filter((v) => v >= FACE_IOU).length, minIoU: ious.length ? Math.min(...ious) : null };
}

/**
 * `onnx`: which ONNX file an onnxruntime row ran. On a dynamic model, int8 and the 'dynamic' rows
 * are checked against the dynamic graph's reference; elsewhere (and every other row) the float one.
 */
export function checkOutputs(model: PreparedModel, engine: EngineId, got: Outputs, onnx?: OnnxVariant): Correctness {
  const dynamic = model.dynamicReference !== undefined && (engine === 'int8' || onnx === 'dynamic');
  const reference = dynamic ? model.dynamicReference! : model.reference;
  const against = model.dynamicReference ? { against: dynamic ? ('dynamic' as const) : ('float' as const) } : {};
  const d = { ...deviation(model, reference, got), ...against };
  const withinFloat = engine === 'int8' || dynamic || d.maxRel <= FLOAT_TOLERANCE;
  if (model.task === 'matte') {
    const name = model.outputs.includes(ISNET_OUTPUT) ? ISNET_OUTPUT : model.outputs[0]!;
    const matte = compareMattes(got[name]!.data, reference[name]!.data);
    return { ...d, matte, verdict: matte.mae <= MATTE_MAE && matte.iou >= MATTE_IOU && withinFloat ? 'agrees' : 'deviates' };
  }
  if (model.task === 'text-detector') {
    const first = model.outputs[0]!;
    const textMap = textMapIoU(model.reference[first]!.data, got[first]!.data);
    return { ...d, textMap, verdict: textMap.iou >= TEXT_MAP_IOU && withinFloat ? 'agrees' : 'deviates' };
  }
  if (model.task === 'face-detector') {
    const f = faces(model, got);
    const same = f.matched === f.reference && f.engine === f.reference;
    return { ...d, faces: f, verdict: same && withinFloat ? 'agrees' : 'deviates' };
  }
  const first = model.outputs[0]!;
  const top1 = { reference: argmax(reference[first]!.data), engine: argmax(got[first]!.data), agrees: false };
  top1.agrees = top1.reference === top1.engine;
  return { ...d, top1, verdict: top1.agrees && withinFloat ? 'agrees' : 'deviates' };
}
