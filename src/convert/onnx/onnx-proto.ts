// onnx-proto is CommonJS: Node's ESM loader cannot see its named export, so take the
// namespace from the default export. Types come from `import type { onnx } from 'onnx-proto'`.
import pkg from 'onnx-proto';

export const ONNX = pkg.onnx;
