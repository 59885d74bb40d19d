// branchy-wasm/convert, the Node-side entry: the converter (src/convert: ONNX and TFLite in and
// out, compression passes) and loadModel, which runs .branchy and ONNX files alike. It sits above
// both src/convert and src/runtime, so that neither imports the other.
export * from '../convert/index.js';
export { loadModel } from './load-model.js';
export { attachExits } from './attach.js';
