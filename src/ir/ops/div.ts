// div: [a, b] -> a / b with numpy broadcasting (./elementwise.ts); int8 with each input's own
// scale (a divisor at its zero point gives ±Infinity, saturated; 0/0 the lowest value).
import { elementwise } from './elementwise.js';

export const div = elementwise('div');
