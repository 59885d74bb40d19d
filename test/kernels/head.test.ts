// Exit head (softmax, entropy, top-1 probability, argmax) on int8 and f32 logits, against
// a float64 reference written from the definitions: every value within 1e-5 relative
// (probabilities that underflow f32 within 1e-37 absolute), argmax exact with ties to the
// lowest index, every build bit-identical, nothing written past the outputs.
import { describe, expect, it } from 'vitest';
import { Rng } from '../helpers/rng.js';
import { memoryFor, TEST_BUILDS } from '../helpers/wasm.js';
import { dequantizeLogits, exitHeadRef } from '../reference/head.js';
import { prepareExitHead, readExitHead, runExitHead } from '../../src/runtime/ops/head.js';
import { chooseKernel } from '../../src/runtime/kernel-table.js';

const SENTINEL = 0x5a;

function close(got: number, want: number, abs: number): boolean {
  return Math.abs(got - want) <= 1e-5 * Math.abs(want) + abs;
}

interface HeadCase { name: string; rows: number; classes: number; dtype: 'qs8' | 'f32'; x: Int8Array | Float32Array; scale: number; zp: number }

function cases(): HeadCase[] {
  const rng = new Rng(0x4ead);
  const out: HeadCase[] = [];
  for (const dtype of ['qs8', 'f32'] as const) {
    for (let i = 0; i < 20; i++) {
      const rows = rng.int(1, 4), classes = rng.pick([1, 2, 3, 10, 10, 17, 100, 1000]);
      const spread = rng.pick([0.1, 1, 5, 20]);
      out.push({
        name: `${dtype} random#${i}`, rows, classes, dtype,
        x: dtype === 'qs8' ? rng.i8(rows * classes) : rng.f32(rows * classes, -spread, spread),
        scale: Math.fround(rng.pick([0.01, 0.05, 0.1, 0.3])), zp: rng.int(-128, 127),
      });
    }
    const mk = (name: string, classes: number, x: number[], scale = 0.1, zp = 0): HeadCase => ({
      name: `${dtype} ${name}`, rows: x.length / classes, classes, dtype,
      x: dtype === 'qs8' ? Int8Array.from(x) : Float32Array.from(x), scale, zp,
    });
    out.push(mk('uniform (entropy = ln 10)', 10, new Array(10).fill(7)));
    out.push(mk('ties: lowest index wins', 10, [0, 5, 3, 5, 5, -2, 0, 1, 5, 4]));
    out.push(mk('one class', 1, [42, -3]));
    out.push(mk('confident row (tiny entropy)', 10, [127, -128, -128, -128, -128, -128, -128, -128, -128, -128], 0.1));
    out.push(mk('very confident (probabilities underflow f32)', 10, [127, -128, -100, -128, 0, -128, -128, -50, -128, -128], 1));
    out.push(mk('all-negative logits', 10, [-100, -120, -90, -128, -101, -99, -110, -127, -95, -93], 0.05, 3));
    out.push(mk('two rows, max last', 4, [-1, -2, -3, 8, 9, 1, 2, 3]));
  }
  out.push({ name: 'f32 -Infinity logits get p = 0', rows: 1, classes: 5, dtype: 'f32', x: Float32Array.from([1, -Infinity, 2, -Infinity, 0.5]), scale: 1, zp: 0 });
  return out;
}

describe('exit head', () => {
  const all = cases();
  it(`${all.length} cases: every build against the float64 reference, builds bit-identical`, async () => {
    const failures: string[] = [];
    for (const t of all) {
      const logits = t.dtype === 'qs8' ? dequantizeLogits(t.x as Int8Array, t.scale, t.zp) : (t.x as Float32Array);
      const want = exitHeadRef(logits, t.rows, t.classes);
      const outs: [string, Uint8Array][] = [];
      for (const build of TEST_BUILDS) {
        const kernel = chooseKernel(`${t.dtype}_exit_head`, build).kernel;
        const mem = await memoryFor(build);
        const head = prepareExitHead(mem, build, { dtype: t.dtype, rows: t.rows, classes: t.classes, input: { scale: t.scale, zeroPoint: t.zp } });
        const x = mem.put(t.x);
        const y = mem.alloc(head.outputBytes), am = mem.alloc(head.argmaxBytes);
        mem.u8(y, head.outputBytes + 16).fill(SENTINEL);
        mem.u8(am, head.argmaxBytes + 16).fill(SENTINEL);
        runExitHead(mem, head, x, y, am);
        if (!mem.u8(y + head.outputBytes, 16).every((b) => b === SENTINEL) || !mem.u8(am + head.argmaxBytes, 16).every((b) => b === SENTINEL)) {
          failures.push(`${build} ${kernel} ${t.name}: wrote past an output`);
        }
        const got = readExitHead(mem, head, y, am);
        got.forEach((g, r) => {
          const w = want[r];
          const where = `${build} ${kernel} ${t.name} row ${r} (${t.rows}x${t.classes})`;
          if (g.argmax !== w.argmax) failures.push(`${where}: argmax ${g.argmax}, want ${w.argmax}`);
          g.probs.forEach((p, i) => {
            if (!close(p, w.probs[i], 1e-37)) failures.push(`${where}: p[${i}] = ${p}, want ${w.probs[i]}`);
          });
          if (!close(g.entropy, w.entropy, 1e-30)) failures.push(`${where}: entropy ${g.entropy}, want ${w.entropy}`);
          if (!close(g.top1, w.top1, 0)) failures.push(`${where}: top1 ${g.top1}, want ${w.top1}`);
        });
        outs.push([build, mem.u8(y, head.outputBytes).slice()]);
      }
      for (const [n, y] of outs.slice(1)) {
        if (!Buffer.from(y).equals(Buffer.from(outs[0][1]))) failures.push(`${t.name}: ${n} differs from ${outs[0][0]}`);
      }
      if (failures.length > 10) break;
    }
    expect(failures).toEqual([]);
  });

  it('uniform logits: entropy ln(N), top-1 1/N', async () => {
    const mem = await memoryFor(TEST_BUILDS[TEST_BUILDS.length - 1]);
    const head = prepareExitHead(mem, mem.mod.build, { dtype: 'f32', rows: 1, classes: 10 });
    const x = mem.put(new Float32Array(10).fill(3));
    const y = mem.alloc(head.outputBytes), am = mem.alloc(head.argmaxBytes);
    runExitHead(mem, head, x, y, am);
    const [r] = readExitHead(mem, head, y, am);
    expect(r.entropy).toBeCloseTo(Math.log(10), 6);
    expect(r.top1).toBeCloseTo(0.1, 7);
    expect(r.argmax).toBe(0);
  });
});
