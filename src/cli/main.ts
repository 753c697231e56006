// The `webgpu-int8` command line.
import { cac } from 'cac';
import { BUNDLED } from './bundled.ts';
import { isModelId, MODELS } from '../models/catalog.ts';
import { calibrationImages, evaluationImages } from '../models/paths.ts';
import { runEval } from './evaluate.ts';
import { runOne } from './run.ts';
import { inspect } from './inspect.ts';
import { inputShapeOf, loadModel } from './model.ts';
import { countFrom, loadImages, methodFrom, withModelDefaults, withPreprocessOptions, fixedInputsFrom } from './options.ts';
import { calibrateAndQuantize, describeProgram, quantizeGiven, saveQ8 } from './quantize.ts';
import { quantizeDynamicFile } from './quantize-dynamic.ts';
import { readFileSync, writeFileSync } from 'node:fs';
import { InputError } from '../errors.ts';
import { exportQdq } from '../export/qdq.ts';
import { registerBench } from './bench.ts';
import { registerFetchModels } from './fetch-models.ts';

const cli = cac('webgpu-int8');

cli
  .command('inspect [model]', 'Import a float ONNX model, run the graph passes, print the graph before and after fusion, and measure the float reference on labelled images (defaults: the bundled Fashion-MNIST CNN and test set)')
  .option('--data <file>', 'Images (IDX, optionally .gz)', { default: BUNDLED.testImages })
  .option('--labels <file>', 'Labels (IDX, optionally .gz)', { default: BUNDLED.testLabels })
  .option('--count <n>', 'How many images to evaluate (0 skips evaluation)', { default: 1000 })
  .option('--nhwc', 'Also assign the NHWC layout of the int8 path')
  .option('--fix-input <name=value>', 'Fix a graph input to a value before the passes (repeatable), e.g. sr=16000: an If on it folds away')
  .action((model: string | undefined, o: { data: string; labels: string; count: number; nhwc?: boolean; fixInput?: unknown }) =>
    inspect(model ?? BUNDLED.model, { data: o.data, labels: o.labels, count: Number(o.count), nhwc: o.nhwc ?? false, fixedInputs: fixedInputsFrom(o.fixInput) }),
  );

withPreprocessOptions(
  cli
    .command('quantize <model>', 'Calibrate a float ONNX or TF.js model on sample images (an ONNX QDQ model needs none: its own scales are used; a pretrained model id has its own photos) and write the int8 program (.q8), optionally as ONNX QDQ too')
    .option('--calib <data>', 'Calibration images: IDX (.gz), a folder of PNG/JPEG, or .npy (required, except for a QDQ model)')
    .option('--calib-count <n>', 'How many calibration samples to use', { default: 500 })
    .option('--method <m>', 'minmax | ema | percentile | entropy | mse (default: entropy; percentile for a pretrained model id)')
    .option('--percentile <p>', 'Percentile for --method percentile', { default: 99.99 })
    .option('--per-tensor', 'One weight scale per tensor instead of per output channel')
    .option('--symmetric-activations', 'Symmetric activations (zero point 0)')
    .option('--equalize', 'Cross-layer equalization of Conv → Conv pairs before calibration (a ReLU6 between them gets per-channel bounds)')
    .option('--bias-correction', "Shift each int8 conv's bias by its mean output error from weight rounding, measured on the calibration samples")
    .option('--keep-float <nodes>', 'Run these nodes (comma-separated names of the fused graph, as `inspect --nhwc` lists them) in float')
    .option('--target-cosine <c>', 'Keep the fewest layers in float that bring the lowest output cosine on held-aside calibration samples (every 4th) to c')
    .option('-o, --output <file>', 'Output .q8 file (required; with --dynamic a .q8 or an .onnx file)')
    .option('--qdq <file>', 'Also write the calibrated model as ONNX QDQ')
    .option('--dynamic', "Dynamic quantization, no --calib: int8 weights per output column for every MatMul / Gemm, activations quantized at run time; -o X.q8 writes the program, -o X.onnx onnxruntime's dynamic format")
    .option('--dynamic-nodes <nodes>', 'With --calib: these MatMul / Gemm nodes (comma-separated, as `inspect --nhwc` lists them) dynamic, the rest static, in one program'),
).action((modelPath: string, o: Record<string, unknown>) => {
  if (!o.output) throw new InputError('quantize needs -o OUT.q8');
  if (o.dynamic) {
    if (o.dynamicNodes !== undefined) throw new InputError('--dynamic makes every product dynamic; --dynamic-nodes picks some for a static quantization: give one of them');
    return quantizeDynamicFile(modelPath, String(o.output));
  }
  const float = loadModel(modelPath);
  if (float.kind === 'q8') throw new InputError(`${modelPath} is already an int8 program`);
  if (o.qdq && float.kind !== 'onnx') throw new InputError('--qdq writes ONNX QDQ for ONNX models only');
  const flags = withModelDefaults(o, float.catalog);
  // A pretrained model calibrates on its own calibration photos unless told otherwise.
  const calib = o.calib ?? (float.catalog ? calibrationImages(float.catalog) : undefined);
  // An ONNX QDQ model brings its own scales: no calibration.
  if (!float.given && !calib) throw new InputError('quantize needs --calib DATA');
  const model = float.given
    ? quantizeGiven(float, o.calib ? String(o.calib) : undefined)
    : calibrateAndQuantize(float, loadImages(String(calib), inputShapeOf(float.graph.inputs), flags), quantizeFlags(o, modelPath));
  console.log(describeProgram(model));
  saveQ8(model, String(o.output));
  if (o.qdq) {
    const qdq = exportQdq(float.fused, model);
    writeFileSync(String(o.qdq), qdq);
    console.log(`wrote ${String(o.qdq)} (ONNX QDQ, ${(qdq.length / 1024).toFixed(1)} KiB)`);
  }
});

withPreprocessOptions(
  cli
    .command('eval [model]', 'int8 vs fp32: accuracy (with --labels), top-1 agreement, logit cosine, face-box agreement for a face detector, per-layer SQNR / cosine. MODEL: a float .onnx or TF.js model (with --calib), an ONNX QDQ model (its own scales, no --calib), a .q8, or a pretrained model id (its fetched photos by default); without MODEL, the bundled model, its calibration images and test set')
    .option('--data <images>', 'Evaluation images: IDX (.gz), a folder of PNG/JPEG, or .npy (required with MODEL)')
    .option('--labels <labels>', 'Labels: IDX, .npy or text; without them only agreement is reported')
    .option('--count <n>', 'Evaluate only the first n images')
    .option('--calib <data>', 'Calibration images (for a float .onnx model)')
    .option('--calib-count <n>', 'How many calibration samples to use', { default: 500 })
    .option('--method <m>', 'minmax | ema | percentile | entropy | mse (default: entropy; percentile for a pretrained model id)')
    .option('--percentile <p>', 'Percentile for --method percentile', { default: 99.99 })
    .option('--per-tensor', 'One weight scale per tensor instead of per output channel')
    .option('--symmetric-activations', 'Symmetric activations (zero point 0)')
    .option('--equalize', 'Cross-layer equalization of Conv → Conv pairs before calibration (a ReLU6 between them gets per-channel bounds)')
    .option('--bias-correction', "Shift each int8 conv's bias by its mean output error from weight rounding, measured on the calibration samples")
    .option('--keep-float <nodes>', 'Run these nodes (comma-separated names of the fused graph, as `inspect --nhwc` lists them) in float')
    .option('--target-cosine <c>', 'Keep the fewest layers in float that bring the lowest output cosine on held-aside calibration samples (every 4th) to c')
    .option('--float <model.onnx>', 'For a .q8: the float model it came from, for fp32 figures')
    .option('--device <gpu|cpu>', 'Where int8 runs (default: the GPU when an adapter exists)')
    .option('--compare-cpu', 'On the GPU, also run the CPU int8 reference and count images whose output bytes are identical')
    .option('--json', 'Print one JSON object'),
).action(async (modelPath: string | undefined, o: Record<string, unknown>) => {
  if (modelPath === undefined) {
    // The bundled default: calibrate on training images, evaluate on the test set.
    o.data ??= BUNDLED.testImages;
    o.labels ??= BUNDLED.testLabels;
    o.calib ??= BUNDLED.calibImages;
  } else if (isModelId(modelPath)) {
    // A pretrained model: the fetched photos (face crops for a face detector), calibrated on others.
    o.data ??= evaluationImages(MODELS[modelPath]);
    o.calib ??= calibrationImages(MODELS[modelPath]);
  }
  if (!o.data) throw new InputError('eval needs --data IMAGES');
  await runEval(modelPath ?? BUNDLED.model, {
    ...o,
    ...quantizeFlags(o, modelPath),
    data: String(o.data),
    ...(o.labels ? { labels: String(o.labels) } : {}),
    ...(o.calib ? { calib: String(o.calib) } : {}),
    ...(o.float ? { float: String(o.float) } : {}),
    ...(o.count !== undefined ? { count: countFrom(o.count, '--count')! } : {}),
    json: Boolean(o.json),
    ...(o.device !== undefined ? { device: String(o.device) } : {}),
    compareCpu: Boolean(o.compareCpu),
  });
});

withPreprocessOptions(
  cli
    .command('run <model>', 'Run one image through the int8 program (on the GPU when there is one) and print the top classes, or a face detector\'s boxes. MODEL: a .q8, a float .onnx or TF.js model with --calib, an ONNX QDQ model, or a pretrained model id (mobilenet_v2_mid, blazeface-front, …: calibrated on its own photos)')
    .option('--input <image>', 'A PNG/JPEG image, or a set (IDX, folder, .npy) with --index (required)')
    .option('--index <i>', 'Which image of a set', { default: 0 })
    .option('--topk <k>', 'How many classes to print', { default: 5 })
    .option('--classes <file>', 'Class names: JSON with a "classes" array, or one name per line (default: MODEL.json if present)')
    .option('--device <gpu|cpu>', 'Where int8 runs (default: the GPU when an adapter exists)')
    .option('--calib <data>', 'Calibration images (for a float .onnx model)')
    .option('--calib-count <n>', 'How many calibration samples to use', { default: 500 })
    .option('--method <m>', 'minmax | ema | percentile | entropy | mse (default: entropy; percentile for a pretrained model id)')
    .option('--percentile <p>', 'Percentile for --method percentile', { default: 99.99 }),
).action(async (modelPath: string, o: Record<string, unknown>) => {
  if (!o.input) throw new InputError('run needs --input IMAGE');
  const index = Number(o.index);
  if (!Number.isInteger(index) || index < 0) throw new InputError(`--index must be a non-negative integer, got "${String(o.index)}"`);
  await runOne(modelPath, {
    ...o,
    ...quantizeFlags(o, modelPath),
    input: String(o.input),
    index,
    topk: countFrom(o.topk, '--topk')!,
    ...(o.device !== undefined ? { device: String(o.device) } : {}),
    ...(o.calib ? { calib: String(o.calib) } : {}),
    ...(o.classes ? { classes: String(o.classes) } : {}),
  });
});

/**
 * `model`: the MODEL argument. The pretrained models calibrate best with percentile (entropy, the
 * default elsewhere, cuts BlazeFace's box heads; see the README's tables).
 */
function quantizeFlags(o: Record<string, unknown>, model?: string) {
  const percentile = Number(o.percentile);
  if (!(percentile >= 50 && percentile <= 100)) throw new InputError(`--percentile must be in [50, 100], got "${String(o.percentile)}"`);
  return {
    method: methodFrom(o.method ?? (model !== undefined && isModelId(model) ? 'percentile' : 'entropy')),
    calibCount: countFrom(o.calibCount, '--calib-count')!,
    perTensor: Boolean(o.perTensor),
    symmetricActivations: Boolean(o.symmetricActivations),
    percentile,
    equalize: Boolean(o.equalize),
    ...(o.targetCosine !== undefined ? { targetCosine: Number(o.targetCosine) } : {}),
    biasCorrection: Boolean(o.biasCorrection),
    ...(o.keepFloat !== undefined ? { keepFloat: nodeNamesFrom(o.keepFloat, '--keep-float') } : {}),
    ...(o.dynamicNodes !== undefined ? { dynamic: nodeNamesFrom(o.dynamicNodes, '--dynamic-nodes') } : {}),
  };
}

/** `--keep-float A,B` (repeatable), `--dynamic-nodes`: node names, as `inspect --nhwc` prints them. */
function nodeNamesFrom(flag: unknown, option: string): string[] {
  const items = (Array.isArray(flag) ? flag : [flag]).flatMap((f) => String(f).split(',')).map((n) => n.trim());
  if (items.some((n) => n === '')) throw new InputError(`${option} takes node names separated by commas, got "${String(flag)}"`);
  return items;
}

registerFetchModels(cli);
registerBench(cli);

cli.option('--verbose', 'Print stack traces on errors');
cli.help();
cli.version(packageVersion());

/** The installed package's version (src/cli and dist/cli are both two folders below its root). */
function packageVersion(): string {
  return (JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

async function main(): Promise<void> {
  try {
    cli.parse(process.argv, { run: false });
    if (!cli.matchedCommand && !cli.options.help && !cli.options.version) {
      cli.outputHelp();
      process.exitCode = cli.args.length > 0 ? 1 : 0;
      return;
    }
    await cli.runMatchedCommand();
  } catch (e) {
    // A user sees one line that says what was wrong; --verbose adds the stack for us.
    const error = e as Error;
    console.error(`webgpu-int8: ${error.message}`);
    if (process.argv.includes('--verbose')) console.error(error.stack);
    process.exitCode = 1;
  }
}

await main();
