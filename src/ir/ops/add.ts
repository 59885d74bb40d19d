// add: [a, b] -> a + b with numpy broadcasting (./elementwise.ts); int8 with each input's own
// scale (the residual add). b a constant of shape [C] (last axis) or [1]: a per-channel shift.
import { elementwise } from './elementwise.js';

export const add = elementwise('add', 'add');
