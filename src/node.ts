// Node-only entry point: WebGPU in node through npm `webgpu` (Dawn).
export { nodeGpu, nodeGpuSetup } from './gpu/node.ts';
