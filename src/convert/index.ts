// Node-side conversion: ONNX in, branchy IR out (branchy/convert).
export { importOnnx, MAX_OPSET, MIN_OPSET } from './onnx/import.js';
export type { ImportOptions, ImportResult } from './onnx/import.js';
export { quantizeGraph } from './quantize.js';
export type { QuantMethod } from './quantize.js';
