// Exit head: per row of logits (int8 with scale/zp, or f32), the softmax probabilities,
// entropy (nats), top-1 probability and argmax, in one kernel call.
//
//   const head = prepareExitHead(mem, build, { dtype: 'qs8', rows: 1, classes: 10, input: q });
//   const y = mem.alloc(head.outputBytes), am = mem.alloc(head.argmaxBytes);   // at plan time
//   runExitHead(mem, head, logits, y, am);
//   const [r] = readExitHead(mem, head, y, am);   // { probs, entropy, top1, argmax }
//
// Output layout (assembly/head/exit_head.ts): y is f32 rows of (classes + 2):
// [p_0 .. p_{classes-1}, entropy, top1]; argmax is i32[rows].
import type { Build } from '../features.js';
import type { LinearMemory } from '../memory.js';
import { kernelFn } from '../exports.js';
import { chooseKernel } from '../kernel-table.js';
import { writeParams } from '../params.js';
import { QS8_EXIT_HEAD } from '../param-blocks.js';
import type { PoolDType, QuantParams } from './pool.js';

export interface ExitHeadSpec {
  dtype: PoolDType;
  rows: number;
  classes: number;
  /** qs8: the logits' quantization. */
  input?: QuantParams;
  kernel?: string;
}

export interface ExitHeadLayer {
  readonly kernel: string;
  readonly params: number;
  readonly rows: number;
  readonly classes: number;
  /** Bytes of the logits, of the f32 output rows and of the argmax array. */
  readonly inputBytes: number;
  readonly outputBytes: number;
  readonly argmaxBytes: number;
}

export interface ExitHeadRow {
  probs: Float32Array;
  entropy: number;
  top1: number;
  argmax: number;
}

export function prepareExitHead(mem: LinearMemory, build: Build, s: ExitHeadSpec): ExitHeadLayer {
  if (!Number.isInteger(s.rows) || s.rows < 0) throw new RangeError(`exit head: rows must be a non-negative integer, got ${s.rows}`);
  if (!Number.isInteger(s.classes) || s.classes < 1) throw new RangeError(`exit head: classes must be a positive integer, got ${s.classes}`);
  let params = 0;
  if (s.dtype === 'qs8') {
    const q = s.input;
    if (!q || !(q.scale > 0) || !Number.isFinite(q.scale)) throw new RangeError(`exit head: positive finite input scale required, got ${q?.scale}`);
    if (!Number.isInteger(q.zeroPoint) || q.zeroPoint < -128 || q.zeroPoint > 127) {
      throw new RangeError(`exit head: input zero point must be an int8, got ${q.zeroPoint}`);
    }
    params = writeParams(mem, QS8_EXIT_HEAD, { zp_in: q.zeroPoint, scale: q.scale });
  } else if (s.dtype !== 'f32') {
    throw new TypeError(`exit head: unknown dtype '${String(s.dtype)}'`);
  }
  const kernel = s.kernel ?? chooseKernel(`${s.dtype}_exit_head`, build).kernel;
  kernelFn(mem.mod.exports, kernel);
  return {
    kernel, params, rows: s.rows, classes: s.classes,
    inputBytes: s.rows * s.classes * (s.dtype === 'f32' ? 4 : 1),
    outputBytes: s.rows * (s.classes + 2) * 4,
    argmaxBytes: s.rows * 4,
  };
}

/** Logits at `x`; writes the f32 rows at `y` and the argmax array at `argmax`. */
export function runExitHead(mem: LinearMemory, layer: ExitHeadLayer, x: number, y: number, argmax: number): void {
  kernelFn(mem.mod.exports, layer.kernel)(layer.rows, layer.classes, x, y, argmax, layer.params);
}

/** Copy the results out of linear memory, one object per row. */
export function readExitHead(mem: LinearMemory, layer: ExitHeadLayer, y: number, argmax: number): ExitHeadRow[] {
  const k = layer.classes;
  const out = mem.f32(y, layer.rows * (k + 2));
  const am = mem.i32(argmax, layer.rows);
  const rows: ExitHeadRow[] = [];
  for (let r = 0; r < layer.rows; r++) {
    const row = out.subarray(r * (k + 2), (r + 1) * (k + 2));
    rows.push({ probs: row.slice(0, k), entropy: row[k], top1: row[k + 1], argmax: am[r] });
  }
  return rows;
}
