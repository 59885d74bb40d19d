// branchy: the part that ships to browsers. No node: imports at the top level, no
// protobuf, no converter. `branchy/convert` and the CLI are Node-side.
export { load, fromGraph, Model } from './runtime/model.js';
export type { LoadOptions, RunOptions, ModelInput, ModelInfo, ModelSource, OutputTensor, TensorDesc, IntQuant } from './runtime/model.js';
export { loadKernels } from './runtime/wasm.js';
export type { LoadKernelsOptions, KernelModule, WasmSource, WasmBuilds } from './runtime/wasm.js';
export type { BodyLike, BytesLike, UrlLike, WasmMemoryLike, WasmModuleLike } from './runtime/host-types.js';
export { supportedBuilds, bestBuild } from './runtime/features.js';
export type { Build } from './runtime/features.js';
export { readBranchy, writeBranchy, FORMAT_VERSION } from './format/index.js';
export * from './errors.js';
export type { Graph, TensorInfo, Node, Weights } from './ir/types.js';
// Exit policies, their text form, and threshold calibration from per-exit statistics.
export { parsePolicy } from './exit/parse.js';
export { checkPolicy } from './exit/policy.js';
export type { ExitPolicy, ConfidencePolicy } from './exit/policy.js';
export type { ExitResult } from './runtime/scheduler.js';
export type { ClassifyOptions } from './runtime/model.js';
// Detection: decoding, non-maximum suppression, mAP (docs/detection.md).
export { decodeDetections, detectOptions, DETECT_DEFAULTS } from './runtime/detect/index.js';
export type { Detection, DetectOptions } from './runtime/detect/index.js';
export { meanAveragePrecision, boxIou, COCO_IOUS } from './runtime/detect/map.js';
export type { Box, ScoredBox, ClassAp, MapResult } from './runtime/detect/map.js';
export { checkDetect } from './ir/detect.js';
export type { DetectSpec, YoloV2Spec, YoloV8Spec, YoloV8Level } from './ir/detect.js';
export { exitStats, replay, replayPredicted, sweep, calibrateMaxDrop, calibrateMeanMacs, calibrateGates, dropUpperBound, normalQuantile } from './exit/calibrate.js';
export type { ExitStats, Replay, Rule } from './exit/calibrate.js';
// Models in a worker (Web Worker / worker_threads) and pools of them.
export * from './worker/index.js';
