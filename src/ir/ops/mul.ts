// mul: [a, b] -> a * b with numpy broadcasting (./elementwise.ts): squeeze-excitation gating,
// int8 with each input's own scale. b a constant of shape [C] (last axis) or [1]: a per-channel scale.
import { elementwise } from './elementwise.js';

export const mul = elementwise('mul', 'mul');
