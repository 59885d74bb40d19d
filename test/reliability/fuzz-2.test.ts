// Part 2 of 2 of the in-suite fuzz run (test/fuzz/in-suite.ts): mutated real model files.
import { describe } from 'vitest';
import { fuzzPart } from '../fuzz/in-suite.js';

describe('fuzzing model files (part 2/2)', () => fuzzPart(1, 2));
