// Params blocks written by name (src/runtime/params.ts): every value lands at the offset the
// kernels read, and a value the kernel would misread is refused before anything is allocated.
import { describe, expect, it } from 'vitest';
import { memoryFor } from '../helpers/wasm.js';
import { block, bound, f32, i32, pad, ptr, table, alias, writeParams } from '../../src/runtime/params.js';
import { B1_GEMM, QS8_CONV, QS8_CONV_CIN4, QS8_GEMM } from '../../src/runtime/param-blocks.js';
import { preparePool2d } from '../../src/runtime/ops/pool.js';
import { prepareQs8Conv } from '../../src/runtime/ops/qs8-conv.js';
import { prepareF32Conv } from '../../src/runtime/ops/f32-conv.js';
import { BranchyFormatError, BranchyLimitError } from '../../src/errors.js';

const T = block('t', 'test block', {
  a: i32('an int'),
  p: ptr('an address'),
  gap: pad('0'),
  x: f32('a float'),
  lo: i32('int clamp'),
  flo: alias('lo', bound('float clamp')),
  m: table('a table'),
});

describe('params blocks', () => {
  it('lays fields out in order, 4 bytes each; an alias shares its field\'s bytes; the table comes last', () => {
    expect(T.offset).toEqual({ a: 0, p: 4, gap: 8, x: 12, lo: 16, flo: 16, m: 20 });
    expect(T.bytes).toBe(20);
    // A block that starts with another's fields can be handed to that block's kernels.
    for (const k of Object.keys(QS8_GEMM.fields) as (keyof typeof QS8_GEMM.fields)[]) expect(QS8_CONV.offset[k]).toBe(QS8_GEMM.offset[k]);
    // +84: two names for two kernels.
    expect(QS8_CONV.offset.block_m).toBe(84);
    expect(QS8_CONV_CIN4.offset.pool).toBe(84);
    expect(() => block('bad', '', { m: table(''), a: i32('') })).toThrow(/table must be the last/);
    expect(() => block('bad', '', { b: alias('a', f32('')), a: i32('') })).toThrow(/not an earlier plain field/);
  });

  it('writes every field where the block says, by name', async () => {
    const mem = await memoryFor('scalar');
    const p = writeParams(mem, T, { a: -7, p: 0xfffffff0, x: 0.1, lo: -128, m: [1.5, 2.5] });
    const dv = new DataView(mem.buffer, p, 28);
    expect([dv.getInt32(0, true), dv.getUint32(4, true), dv.getInt32(8, true), dv.getFloat32(12, true), dv.getInt32(16, true)])
      .toEqual([-7, 0xfffffff0, 0, Math.fround(0.1), -128]);
    expect([dv.getFloat32(20, true), dv.getFloat32(24, true)]).toEqual([1.5, 2.5]);
    const q = writeParams(mem, T, { a: 0, p: 0, x: 0, flo: -Infinity, m: [] });
    expect(new DataView(mem.buffer, q, 20).getFloat32(16, true)).toBe(-Infinity);
    const b = writeParams(mem, B1_GEMM, { mode: 2, zp_out: 0, fmin: -1.5, fmax: Infinity, base: 64 });
    expect(new DataView(mem.buffer, b, 20).getFloat32(B1_GEMM.offset.fmin, true)).toBe(-1.5);
  });

  it('refuses a missing, unknown or doubly given field (a bug: TypeError)', async () => {
    const mem = await memoryFor('scalar');
    const ok = { a: 1, p: 0, x: 0, lo: 0, m: [] };
    expect(() => writeParams(mem, T, { ...ok, a: undefined } as never)).toThrow(/t params: missing field 'a'/);
    expect(() => writeParams(mem, T, { ...ok, zz: 1 } as never)).toThrow(/t params: unknown field 'zz'/);
    expect(() => writeParams(mem, T, { ...ok, gap: 1 } as never)).toThrow(/unknown field 'gap'/);
    expect(() => writeParams(mem, T, { ...ok, flo: 1 })).toThrow(/exactly one of lo, flo/);
    expect(() => writeParams(mem, T, { ...ok, lo: undefined })).toThrow(/exactly one of lo, flo/);
  });

  it('refuses what the kernel would misread, naming block and field, before allocating', async () => {
    const mem = await memoryFor('scalar');
    const ok = { a: 1, p: 0, x: 0, lo: 0, m: [] };
    const used = mem.used;
    const cases: [Partial<typeof ok> & Record<string, unknown>, typeof BranchyLimitError | typeof BranchyFormatError, RegExp][] = [
      [{ a: 2 ** 31 }, BranchyLimitError, /t params: field 'a' = 2147483648 is outside the int32 range/],
      [{ a: -(2 ** 31) - 1 }, BranchyLimitError, /field 'a'/],
      [{ a: 2 ** 32 }, BranchyLimitError, /field 'a'/],
      [{ p: 2 ** 32 }, BranchyLimitError, /field 'p' .* u32 address range/],
      [{ p: -1 }, BranchyLimitError, /field 'p'/],
      [{ a: 1.5 }, BranchyFormatError, /field 'a' = 1.5 is not an integer/],
      [{ a: NaN }, BranchyFormatError, /field 'a'/],
      [{ x: Infinity }, BranchyFormatError, /field 'x' = Infinity is not a finite f32/],
      [{ x: 1e39 }, BranchyFormatError, /field 'x' = 1e\+39 is not a finite f32/],
      [{ x: NaN }, BranchyFormatError, /field 'x'/],
      [{ lo: undefined, flo: NaN }, BranchyFormatError, /field 'flo'/],
      [{ m: [1, Infinity] }, BranchyFormatError, /field 'm\[1\]'/],
    ];
    for (const [over, type, msg] of cases) {
      const f = () => writeParams(mem, T, { ...ok, ...over } as never);
      expect(f, JSON.stringify(over)).toThrow(type);
      expect(f).toThrow(msg);
    }
    expect(mem.used).toBe(used);
    expect(writeParams(mem, T, { ...ok, a: 2 ** 31 - 1, p: 2 ** 32 - 1 })).toBeGreaterThan(0);
  });

  // Issue 17, finding 1: window attributes >= 2^31 wrapped to int32 in putParams and trapped
  // (or answered wrongly) in the kernels; the params writer now refuses them at load.
  it('a window attribute past int32 is a BranchyLimitError at prepare time, not a trap', async () => {
    const mem = await memoryFor('simd');
    const huge = { n: 1, h: 4, w: 4, c: 1, kh: 2, kw: 1, dilationH: 2 ** 32, pads: [2 ** 32, 0, 0, 0] as [number, number, number, number] };
    expect(() => preparePool2d(mem, 'simd', { ...huge, op: 'max', dtype: 'qs8' })).toThrow(/qs8_pool params: field '(dh|pt)'/);
    expect(() => preparePool2d(mem, 'simd', { ...huge, op: 'avg', dtype: 'f32' })).toThrow(BranchyLimitError);
    const geom = { n: 1, h: 4, w: 4, c: 1, kh: 2, kw: 1, dilationH: 2 ** 32, pads: huge.pads };
    expect(() => prepareQs8Conv(mem, 'simd', { geom, cOut: 1, weights: new Int8Array(2), scale: new Float32Array(1), zpIn: 0, zpOut: 0 }))
      .toThrow(/qs8_conv_cin4 params: field '(dh|pt)'/);
    expect(() => prepareF32Conv(mem, 'simd', { geom, outChannels: 1, weights: new Float32Array(2) })).toThrow(BranchyLimitError);
  });
});
