// The calibration worker: float model → calibration on N images → int8 program → per-layer SQNR
// on held-out images (CPU float and int8 references) → .q8 bytes. All of it is CPU work (one float
// run per calibration image, a float + an int8 run per evaluation image): in a worker the page
// stays responsive even while one MobileNetV2 image takes seconds.

import { evaluate, fixInputShapes, optimize, quantize, saveQ8, type Graph, type QuantizeOptions, type TaskMetric, type Tensor, type ToolReport } from '../src/index.ts';
import { textMapIoU } from '../src/models/text-map.ts';
import { int8Source } from '../src/quant/accuracy-tools.ts';
import { calibrationFeeds, demoModel, evaluationSet, loadGraph, setAssetBase, type DemoModel } from './models.ts';
import type { CalibrationSettings, Phase, QuantizeRequest, WorkerMessage } from './protocol.ts';

const graphs = new Map<string, Promise<Graph>>();

/**
 * The panel's settings → quantize()'s options (the seam for the options the panel adds later:
 * one line each here), with what the model itself needs (its bound input shapes).
 */
function quantizeOptions(
  model: DemoModel,
  settings: CalibrationSettings,
  calibration: Record<string, Tensor>[],
  onProgress: QuantizeOptions['onProgress'],
  onToolReport: QuantizeOptions['onToolReport'],
): QuantizeOptions {
  return {
    calibration,
    method: settings.method,
    ...(settings.equalize ? { equalize: true } : {}),
    ...(settings.biasCorrection ? { biasCorrection: true } : {}),
    ...(settings.targetCosine !== null ? { targetCosine: settings.targetCosine } : {}),
    ...(model.inputShapes ? { inputShapes: model.inputShapes } : {}),
    ...(onProgress ? { onProgress } : {}),
    ...(onToolReport ? { onToolReport } : {}),
  };
}

/** The text detector's figure: IoU of the int8 and float maps thresholded at 0.3, over all crops. */
function textMapTask(output: string): TaskMetric & { figure(): { iou: number; pixels: number } } {
  let both = 0;
  let either = 0;
  return {
    add(int8, fp32) {
      const { iou, pixels } = textMapIoU(fp32[output]!.data, int8[output]!.data);
      both += iou * pixels;
      either += pixels;
    },
    figure: () => ({ iou: either === 0 ? 1 : both / either, pixels: either }),
    report() {
      const { iou, pixels } = this.figure();
      return { lines: [`text-map IoU ${iou.toFixed(4)} over ${pixels} px`], iou, pixels };
    },
  };
}

const post = (message: WorkerMessage, transfer: Transferable[] = []) => (self as unknown as Worker).postMessage(message, transfer);

async function run(request: QuantizeRequest): Promise<void> {
  const { job } = request;
  setAssetBase(request.assetBase);
  const progress = (phase: Phase, done: number, total: number) => post({ type: 'progress', job, phase, done, total });
  const model = demoModel(request.model);
  if (!model) throw new Error(`unknown model ${request.model}`);
  progress('loading', 0, 1);
  let graph = graphs.get(model.id);
  if (!graph) graphs.set(model.id, (graph = loadGraph(model)));
  const float = await graph.catch((e: unknown) => {
    graphs.delete(model.id);
    throw e;
  });
  const t0 = performance.now();
  const { feeds, source } = await calibrationFeeds(model, request.count, (done, total) => progress('preparing', done, total));
  const settings: CalibrationSettings = { method: request.method, count: request.count, equalize: request.equalize, biasCorrection: request.biasCorrection, targetCosine: request.targetCosine };
  let tools: ToolReport = { equalizedPairs: [], correctedLayers: [] };
  const q = await quantize(
    float,
    quantizeOptions(model, settings, feeds, (done, total) => progress(done === total ? 'quantizing' : 'calibrating', done, total), (r) => (tools = r)),
  );
  const t1 = performance.now();
  // Equalized, the program approximates the rescaled graph (its outputs the same): per-layer
  // errors are measured against it, as `webgpu-int8 eval --equalize` does.
  const nhwc = optimize(fixInputShapes(float, model.inputShapes ?? {}), { layout: 'NHWC' });
  const evalSet = await evaluationSet(model);
  progress('evaluating', 0, evalSet.set.count);
  const textMap = model.kind === 'text-detector' ? textMapTask(q.outputs[0]!.name) : undefined;
  const report = evaluate(q, evalSet.set, {
    floatGraph: int8Source(nhwc, { equalize: settings.equalize }).graph,
    onProgress: (done, total) => progress('evaluating', done, total),
    ...(textMap ? { task: textMap } : {}),
  });
  const q8 = saveQ8(q);
  const buffer = q8.buffer.slice(q8.byteOffset, q8.byteOffset + q8.byteLength) as ArrayBuffer;
  post(
    {
      type: 'done',
      job,
      q8: buffer,
      method: request.method,
      count: feeds.length,
      settings,
      calibrationSource: source,
      evaluationSource: evalSet.source,
      evalImages: report.images,
      perLayer: report.per_layer,
      floatOps: report.float_ops,
      top1Agreement: model.kind === 'classifier' ? report.top1_agreement : null,
      logitCosine: report.logit_cosine,
      textMap: textMap?.figure() ?? null,
      ms: { calibrate: t1 - t0, evaluate: performance.now() - t1 },
      tools,
    },
    [buffer],
  );
}

self.addEventListener('message', (event: MessageEvent<QuantizeRequest>) => {
  const request = event.data;
  run(request).catch((e: unknown) => post({ type: 'error', job: request.job, message: e instanceof Error ? e.message : String(e) }));
});
