// A catalog face detector's outputs → faces. Both layouts of the same BlazeFace network are read:
// four outputs split by feature map (blazeface-front), or one [1, 896, 17] output with the logit
// in column 0 (facemesh-detection-short), which is cut into the four pieces decodeBlazeFace takes.

import type { Tensor } from '../ir/tensor.ts';
import { BLAZEFACE_FRONT, blazefaceFeatureMaps, decodeBlazeFace, type BlazeFaceOptions, type Face, type RawOutput } from './blazeface.ts';
import type { FaceDetectorModel } from './catalog.ts';

const REGRESSORS = 16;

export function detectFaces(model: FaceDetectorModel, outputs: Readonly<Record<string, Tensor>>, options: BlazeFaceOptions = {}): Face[] {
  const get = (name: string): RawOutput => {
    const t = outputs[name];
    if (!t || !(t.data instanceof Float32Array)) throw new RangeError(`${model.id}: no float32 output "${name}"`);
    return { data: t.data, shape: t.shape };
  };
  const layout = model.layout;
  const raw = layout.type === 'split' ? [...layout.logits, ...layout.regressors].map(get) : splitConcatenated(get(layout.output));
  return decodeBlazeFace(raw, { config: BLAZEFACE_FRONT, ...options });
}

/** [1, 896, 1 + 16] → logits and regressors per feature map (anchors in map order). */
function splitConcatenated(all: RawOutput): RawOutput[] {
  const width = 1 + REGRESSORS;
  const counts = blazefaceFeatureMaps(BLAZEFACE_FRONT).map((m) => m.size * m.size * m.anchorsPerCell);
  const total = counts.reduce((a, b) => a + b, 0);
  if (all.data.length !== total * width) throw new RangeError(`expected [1, ${total}, ${width}], got [${all.shape}]`);
  const pieces: RawOutput[] = [];
  let first = 0;
  for (const n of counts) {
    const logits = new Float32Array(n);
    const regressors = new Float32Array(n * REGRESSORS);
    for (let i = 0; i < n; i++) {
      const row = (first + i) * width;
      logits[i] = all.data[row]!;
      regressors.set(all.data.subarray(row + 1, row + width), i * REGRESSORS);
    }
    pieces.push({ data: logits, shape: [1, n, 1] }, { data: regressors, shape: [1, n, REGRESSORS] });
    first += n;
  }
  return pieces;
}
