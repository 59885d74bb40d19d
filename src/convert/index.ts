// Node-side conversion: ONNX in, branchy IR out (branchy/convert).
export { importOnnx, MAX_OPSET, MIN_OPSET } from './onnx/import.js';
export type { ImportOptions, ImportResult } from './onnx/import.js';
export { exportOnnx } from './onnx-export/export.js';
export type { ExportOptions } from './onnx-export/export.js';
export { quantizeGraph, QUANT_METHODS } from './quantize.js';
export type { QuantMethod, QuantizeOptions, QuantizeResult, LayerReport } from './quantize.js';
export type { Observe, Visit, RunnableGraph, TensorError } from './calib-error.js';
export { pruneGraph } from './prune.js';
export type { PruneOptions, PruneResult } from './prune.js';
export { lowRankGraph } from './lowrank.js';
export type { LowRankOptions, LowRankResult, LowRankRule } from './lowrank.js';
export * from './tflite/index.js';
export { attachExitsWith, stripExits, candidatePoints, cutPoints } from './attach/index.js';
export type { AttachOptions, AttachResult, CandidateReport, Compile, LabelledImages } from './attach/index.js';
