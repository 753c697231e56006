// Node-only entry point: WebGPU in node through npm `webgpu` (Dawn, an optional peer dependency
// imported on first use), and the paths of the model and data the package ships.
export { nodeGpu, nodeGpuDevice, nodeGpuSetup, SWIFTSHADER_ICD } from './gpu/node.ts';
export { BUNDLED } from './cli/bundled.ts';
