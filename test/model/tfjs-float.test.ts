// The float path of each pretrained TF.js model against TF.js itself (CPU backend) on real photos:
// our importer + passes + float reference, max |ours − TF.js| ≤ 1e-3 of the output's largest
// magnitude, on 6 photos per model.
import { describe, expect, it } from 'vitest';
import { MODEL_IDS, MODELS } from '../../src/models/catalog.ts';
import { runFloat } from '../../src/ref/float/run.ts';
import { feedsOf, imageFiles, loadRealModel, spread } from '../helpers/real-models.ts';
import { relativeMaxDiff } from '../helpers/random.ts';
import { loadTfjsModel, runTfjs } from '../helpers/tfjs-reference.ts';
import { modelDir } from '../../src/models/paths.ts';

const TOLERANCE = 1e-3;
const PHOTOS_PER_MODEL = 6;

describe('float path vs TF.js on real photos', () => {
  it.each(MODEL_IDS)('%s', { timeout: 300_000 }, async (id) => {
    const model = loadRealModel(id);
    const tfjs = await loadTfjsModel(modelDir(id));
    const files = spread(imageFiles('photos'), PHOTOS_PER_MODEL);
    expect(files.length).toBe(PHOTOS_PER_MODEL);
    const errors: string[] = [];
    let worst = 0;
    for (const file of files) {
      const name = MODELS[id].input.name;
      const x = feedsOf(id, [file])[0]![name]!;
      const ours = runFloat(model.nhwc, { [name]: x });
      const theirs = await runTfjs(tfjs, { [name]: { shape: x.shape, data: x.data as Float32Array } });
      for (const out of model.graph.outputs) {
        const reference = theirs.get(out.name);
        expect(reference, `TF.js output ${out.name}`).toBeDefined();
        expect(ours[out.name]!.shape).toEqual(reference!.shape);
        const e = relativeMaxDiff(ours[out.name]!, reference!);
        worst = Math.max(worst, e);
        errors.push(`${out.name} ${e.toExponential(2)}`);
      }
    }
    console.log(`${id}: ${files.length} photos, worst relative error ${worst.toExponential(2)} (${[...new Set(errors)].slice(0, 4).join(', ')}…)`);
    expect(worst).toBeLessThanOrEqual(TOLERANCE);
  });
});
