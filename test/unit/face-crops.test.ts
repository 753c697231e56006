// The face crops of src/models/fetch-images.ts (FACE_CROPS, in <cache>/images/faces/ and
// faces-calib/) through the fp32 reference: blazeface-front in TF.js (CPU), the crop stretched to
// 128×128 in [-1, 1] (blazefaceInput), decoded with decodeBlazeFace (threshold 0.75). Each crop
// gives the score the table records, and each face found is the person the crop is meant to
// show, not something else in the frame. The whole photos a crop is needed for find no face.
// Needs `webgpu-int8 fetch-models` (`npm run fetch-models` here).

import fs from 'node:fs';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { decodeImage, type Pixels } from '../../src/data/image.ts';
import { blazefaceInput, decodeBlazeFace, type Face } from '../../src/models/blazeface.ts';
import { FACE_CROPS } from '../../src/models/fetch-images.ts';
import { fetchHint, imageManifest, imagesRoot, modelDir } from '../../src/models/paths.ts';
import { loadTfjsModel, runTfjs, type GraphModel } from '../helpers/tfjs-reference.ts';

/** The faces in the four face photos (centre in photo pixels), as docs/images.md gives them. */
const FACES: Record<string, [number, number][]> = {
  'skimage-astronaut.png': [[227, 127]],
  'skimage-camera.png': [[222, 160]],
  'opencv-messi5.jpg': [[240, 114]],
  'opencv-basketball1.png': [[87, 117]],
};
/** How far a detected face's centre may be from the person's, in photo pixels. */
const TOLERANCE = 12;

let model: GraphModel;
beforeAll(async () => {
  model = await loadTfjsModel(modelDir('blazeface-front'));
});

function read(file: string): Pixels {
  if (!fs.existsSync(file)) throw new Error(`${file} missing: ${fetchHint()}`);
  return decodeImage(new Uint8Array(fs.readFileSync(file)), file);
}

/** Faces above the threshold, and the best anchor's score (whether or not it passes). */
async function detect(image: Pixels): Promise<{ faces: Face[]; best: number }> {
  const out = await runTfjs(model, { input: { shape: [1, 128, 128, 3], data: blazefaceInput(image) } });
  const outputs = Object.fromEntries(out);
  const [best] = decodeBlazeFace(outputs, { scoreThreshold: 0, maxFaces: 1 });
  return { faces: decodeBlazeFace(outputs), best: best?.score ?? 0 };
}

describe('face crops, fp32 blazeface-front', () => {
  it.each(FACE_CROPS.map((c) => [c.name, c] as const))('%s', async (_, crop) => {
    const { faces, best } = await detect(read(path.join(imagesRoot(), crop.set, crop.name)));
    expect(best, 'the recorded score').toBeCloseTo(crop.score, 3);
    if (crop.set === 'faces') expect(faces.length, 'an evaluation crop has a face').toBeGreaterThanOrEqual(1);
    const [x, y, size] = crop.rect;
    for (const f of faces) {
      const cx = x + ((f.box[0] + f.box[2]) / 2) * size;
      const cy = y + ((f.box[1] + f.box[3]) / 2) * size;
      const near = FACES[crop.from]!.some(([px, py]) => Math.hypot(cx - px, cy - py) <= TOLERANCE);
      expect(near, `face at (${cx.toFixed(0)}, ${cy.toFixed(0)}) score ${f.score.toFixed(3)} is a known face of ${crop.from}`).toBe(true);
    }
  });

  it('the whole photos of Messi and the basketball players find no face: the crops are needed', async () => {
    const manifest = imageManifest();
    for (const name of ['opencv-messi5.jpg', 'opencv-basketball1.png']) {
      const record = manifest.images.find((i) => i.name === name)!;
      const { faces } = await detect(read(path.join(imagesRoot(), record.set, name)));
      expect(faces, name).toEqual([]);
    }
  });
});
