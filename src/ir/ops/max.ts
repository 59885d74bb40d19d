// max: [a, b] -> max(a, b) (ONNX Max of two inputs), with numpy broadcasting (./elementwise.ts); int8 with each input's own scale.
import { elementwise } from './elementwise.js';

export const max = elementwise('max');
