// A loaded model's compiled program (internal: its steps, tensors and arena), for tests that look inside.
import type { Program } from '../../src/runtime/executor.js';
import type { Model } from '../../src/runtime/model.js';

export const programOf = (m: Model): Program => (m as unknown as { program: Program }).program;
