// branchy: the part that ships to browsers. No node: imports at the top level, no
// protobuf, no converter. `branchy/convert` and the CLI are Node-side.
export { load, fromGraph, Model } from './runtime/model.js';
export type { LoadOptions, RunOptions, ModelInput, ModelInfo, OutputTensor, TensorDesc } from './runtime/model.js';
export { loadKernels } from './runtime/wasm.js';
export type { LoadKernelsOptions, KernelModule, WasmSource } from './runtime/wasm.js';
export { supportedBuilds, bestBuild } from './runtime/features.js';
export type { Build } from './runtime/features.js';
export { readBranchy, writeBranchy, FORMAT_VERSION } from './format/index.js';
export * from './errors.js';
export type { Graph, TensorInfo, Node, Weights } from './ir/types.js';
