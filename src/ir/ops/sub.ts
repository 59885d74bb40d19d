// sub: [a, b] -> a - b, with numpy broadcasting (./elementwise.ts); int8 with each input's own scale.
import { elementwise } from './elementwise.js';

export const sub = elementwise('sub');
