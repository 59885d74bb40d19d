import { describe, expect, it } from 'vitest';
import { readNpy, writeNpy } from '../../src/cli/npy.js';
import { BranchyInputError } from '../../src/errors.js';

describe('npy', () => {
  it('round-trips every dtype and shape', () => {
    for (const data of [new Float32Array([1.5, -2, 3]), new Int8Array([-128, 0, 127]), new Uint8Array([0, 255, 7]), new Int32Array([-1, 2, 3])]) {
      const back = readNpy(writeNpy(data, [1, 3]));
      expect(back.shape).toEqual([1, 3]);
      expect(Array.from(back.data)).toEqual(Array.from(data));
    }
  });

  it('header is 64-byte aligned as numpy writes it', () => {
    const b = writeNpy(new Float32Array(4), [2, 2]);
    expect((b.length - 16) % 64).toBe(0);
  });

  it('rejects garbage and truncation with BranchyInputError', () => {
    expect(() => readNpy(new Uint8Array([1, 2, 3]))).toThrow(BranchyInputError);
    const b = writeNpy(new Float32Array(8), [8]);
    expect(() => readNpy(b.subarray(0, b.length - 1))).toThrow(BranchyInputError);
  });
});
