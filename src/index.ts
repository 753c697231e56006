// The public API of webgpu-int8, the same in node and in the browser.
// Node-only helpers (Dawn's GPU object) are in 'webgpu-int8/node'.

export { ModelFormatError, UnsupportedModelError, UnsupportedOpError, InputError } from './errors.ts';
export type { UnsupportedOpSite } from './errors.ts';

export type { Graph, Node, NodeOf, OpType, AttrsByOp, ValueInfo, Dim, Clamp, Layout } from './ir/graph.ts';
export { tensor, f32, type Tensor, type DType } from './ir/tensor.ts';
export { GraphBuilder, convAttrs, poolAttrs } from './ir/builder.ts';
export { printGraph, opHistogram } from './ir/print.ts';
export { inferShapes } from './ir/shapes.ts';

export { importOnnx, SUPPORTED_OPSETS } from './import/onnx.ts';
export { optimize, FUSION_PASSES, type Pass, type OptimizeOptions } from './passes/pipeline.ts';
export { assignNhwcLayout } from './passes/to-nhwc.ts';
export { runFloat, type RunOptions } from './ref/float/run.ts';

export { parseIdx, type IdxArray } from './data/idx.ts';
export { imageSetFromIdx, argmax, type ImageSet } from './data/dataset.ts';

export { requestGpuDevice, type GpuContext, type GpuAdapterSummary } from './gpu/device.ts';
