// For scripts/gpu-kit.sh: prepares the kit's bench models here (our int8 programs calibrated
// and cached in .cache/bench, the ONNX files for onnxruntime written) and prints, one a line,
// every file under the cache folder the node bench reads for them, relative to that folder:
// the .q8 and its recipe, the TF.js model, and the one photo the bench feeds it.
// Usage: WEBGPU_INT8_CACHE=.cache tsx scripts/gpu-kit-files.ts mobilenet_v2_mid blazeface-front
import fs from 'node:fs';
import path from 'node:path';
import { BENCH_CACHE, prepareModel, type BenchModelId } from '../bench/driver/models.ts';
import { cacheDir } from '../src/models/cache.ts';
import { evaluationImages } from '../src/models/paths.ts';

const ids = process.argv.slice(2) as BenchModelId[];
const cache = cacheDir();
if (path.dirname(BENCH_CACHE) !== cache) throw new Error(`WEBGPU_INT8_CACHE must be ${path.dirname(BENCH_CACHE)} (the bench's own cache), got ${cache}`);
const files: string[] = [];
for (const id of ids) {
  const m = prepareModel(id, (line) => console.error(line));
  if (!m.catalog || !m.files.tfjsDir || !m.files.q8) throw new Error(`${id}: the kit takes the TF.js catalog models only (MobileNetV2, BlazeFace)`);
  // Not the ONNX for onnxruntime: it holds the TF.js weights again, and prepareModel writes it
  // from them on the target (onnxOf of the same graph) when it is missing: 4 MiB less to carry.
  files.push(m.files.q8, `${m.files.q8}.json`);
  files.push(...fs.readdirSync(m.files.tfjsDir).map((f) => path.join(m.files.tfjsDir!, f)));
  // inputSource is "<image folder>/<first image>" (bench/driver/models.ts): the bench reads only that one.
  files.push(path.join(path.dirname(evaluationImages(m.catalog)), m.inputSource));
}
for (const f of files) {
  if (!fs.existsSync(f) || !f.startsWith(cache + path.sep)) throw new Error(`${f}: missing, or not under ${cache}`);
  console.log(path.relative(cache, f));
}
