// The TFLite file layer (Node-side): read and write .tflite flatbuffers as plain objects.
export { readTflite, TFLITE_SCHEMA_VERSION } from './read.js';
export { writeTflite } from './write.js';
export type { WriteTfliteOptions } from './write.js';
export { withFloatEdges } from './float-io.js';
export { tfliteGraph, tensorData, OPTIONS_OF } from './view.js';
export { importTflite } from './import.js';
export { exportTflite } from './export.js';
export type { TfliteExportOptions } from './export.js';
export type { TfliteImportOptions, TfliteImportResult } from './import.js';
export { TFLITE_SUPPORTED } from './ops/index.js';
export type { TfliteGraphView, TfliteOpView, TfliteTensorView, TensorArray } from './view.js';
export { builtinName, builtinCode, dataBytes } from './model.js';
export type * from './model.js';
