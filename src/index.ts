// The public API of webgpu-int8, the same in node and in the browser.
// Node-only helpers (Dawn's GPU object) are in 'webgpu-int8/node'.
// The published .d.ts keep this reference, so GPUDevice & co. resolve in a consumer's project.
/// <reference types="@webgpu/types" preserve="true" />

export { ModelFormatError, UnsupportedModelError, UnsupportedOpError, InputError, CalibrationError, DeviceLostError, GpuValidationError, LimitError, MissingDependencyError } from './errors.ts';
export type { UnsupportedOpSite } from './errors.ts';

export type { Graph, Node, NodeOf, OpType, AttrsByOp, ValueInfo, Dim, Clamp, Layout } from './ir/graph.ts';
export { tensor, f32, type Tensor, type DType } from './ir/tensor.ts';
export { GraphBuilder, convAttrs, poolAttrs } from './ir/builder.ts';
export { printGraph, opHistogram } from './ir/print.ts';
export { inferShapes } from './ir/shapes.ts';

export { importOnnx, SUPPORTED_OPSETS, type OnnxImportOptions } from './import/onnx.ts';
export type { ExternalData } from './import/onnx-external.ts';
export { importOnnxQdq, isQdqModel, type QdqImport } from './import/onnx-qdq.ts';
export { importTfjs, type TfjsImportOptions } from './import/tfjs.ts';
export { parseModelJson, shardPaths, decodeWeights, type TfModelJson } from './import/tfjs-model.ts';
export { optimize, FUSION_PASSES, type Pass, type OptimizeOptions } from './passes/pipeline.ts';
export { fixInputs, fixInputShapes, type FixedInput } from './passes/fix-inputs.ts';
export { assignNhwcLayout } from './passes/to-nhwc.ts';
export { equalizeCrossLayer, type Equalized, type EqualizedPair } from './passes/equalize.ts';
export { runFloat, type RunOptions } from './ref/float/run.ts';

export { parseIdx, type IdxArray } from './data/idx.ts';
export { imageSetFromIdx, imageSetFromImages, argmax, type ImageSet } from './data/dataset.ts';
export { decodeImage, resizeBilinear, convertChannels, type Pixels } from './data/image.ts';

export { requestGpuDevice, type GpuContext, type GpuAdapterSummary } from './gpu/device.ts';
export { Session, type SessionInfo, type SessionProfile } from './gpu/session.ts';
export { quantize, quantizeQdq, quantizeDynamic, quantizeDynamicProgram, createSession, createFloatSession, type QuantizeOptions, type CreateSessionOptions } from './api.ts';
export type { DynamicOptions, DynamicReport } from './quant/quantize-dynamic.ts';
export { exportDynamicOnnx, type DynamicExport } from './export/onnx-dynamic.ts';

export { calibrate, Calibrator } from './calibrate/calibrator.ts';
export { OBSERVER_METHODS, createObserver, type ObserverMethod, type Range } from './calibrate/observers/index.ts';
export { quantizeGraph } from './quant/quantize-graph.ts';
export { correctBiases, type BiasCorrected } from './quant/bias-correction.ts';
export type { AccuracyOptions, ToolReport } from './quant/accuracy-tools.ts';
export type { LayerSensitivity, TargetReport } from './quant/sensitivity.ts';
export { unusedGiven, type GivenQuantization } from './quant/qdq-import.ts';
export type { QuantizedModel, Step } from './quant/program.ts';
export { readQ8 as loadQ8, writeQ8 as saveQ8 } from './quant/q8-file.ts';
export { runInt8 } from './ref/int8/run.ts';
export { evaluate, evaluateWith, type EvalReport, type EvaluateOptions, type TaskMetric, type LayerError } from './eval/evaluate.ts';
export { logitsOf } from './eval/outputs.ts';
export { DetectionAgreement, type DetectionReport } from './eval/detection.ts';
export { withOutputs } from './quant/truncate.ts';
export { MODELS, MODEL_IDS, isModelId, catalogModel, type CatalogModel, type ModelId } from './models/catalog.ts';
export { decodeBlazeFace, blazefaceAnchors, BLAZEFACE_FRONT, type Face } from './models/blazeface.ts';
export { detectFaces } from './models/detect.ts';
export { iou, nonMaxSuppression, type Box } from './models/boxes.ts';
export { exportQdq } from './export/qdq.ts';
export { writeOnnx } from './export/onnx-write.ts';
