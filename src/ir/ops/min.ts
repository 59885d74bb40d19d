// min: [a, b] -> min(a, b) (ONNX Min of two inputs), with numpy broadcasting (./elementwise.ts); int8 with each input's own scale.
import { elementwise } from './elementwise.js';

export const min = elementwise('min');
