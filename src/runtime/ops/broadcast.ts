// Element-wise binary ops with numpy broadcasting (ONNX Add, Sub, Mul, Div, Max, Min), int8
// and f32, on the kernels of assembly/eltwise/binary.ts. The broadcast is designed once, here:
// the two shapes collapse to an inner run (each operand contiguous or one value repeated) and up
// to three outer loops with a stride per operand, which the kernel walks itself; more outer
// loops than three (rank > 5 after collapsing) are looped over by the host.
//
//   const L = prepareBinary(mem, build, { dtype: 'qs8', op: 'mul', a: [56, 56, 24], b: [1, 1, 24], ... });
//   runBinary(mem, L, a, b, y);
import type { Build } from '../features.js';
import type { LinearMemory } from '../memory.js';
import { kernelFn } from '../exports.js';
import { writeParams } from '../params.js';
import { F32_BINARY, QS8_BINARY } from '../param-blocks.js';
import type { PoolDType, QuantParams } from './pool.js';
import { checkQuant, isInt8, pick } from './eltwise.js';

/** The operations, in the kernels' order (OP_* in assembly/eltwise/binary.ts). */
export const BINARY_OPS = ['add', 'sub', 'mul', 'div', 'max', 'min'] as const;
export type BinaryOp = (typeof BINARY_OPS)[number];

/** The numpy broadcast of two shapes (right-aligned; each pair of sizes equal or one of them 1), or null. */
export function broadcastShape(a: readonly number[], b: readonly number[]): number[] | null {
  const r = Math.max(a.length, b.length);
  const out: number[] = [];
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1, db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) return null;
    out.push(da === 1 ? db : da);
  }
  return out;
}

/** A collapsed broadcast: dims (outermost first, the last the inner run) and each operand's strides in elements. */
export interface BroadcastPlan {
  dims: number[];
  a: number[];
  b: number[];
}

/**
 * Collapses the broadcast of a and b: size-1 output dims go, and neighbouring dims merge where
 * both operands stride through them as one (contiguous, or both broadcast). The inner stride of
 * each operand is then 0 or 1.
 */
export function planBroadcast(aShape: readonly number[], bShape: readonly number[]): BroadcastPlan {
  const y = broadcastShape(aShape, bShape);
  if (!y) throw new RangeError(`binary: shapes [${aShape.join(', ')}] and [${bShape.join(', ')}] do not broadcast`);
  const strides = (s: readonly number[]): number[] => {
    const full = [...Array<number>(y.length - s.length).fill(1), ...s];
    const st = new Array<number>(y.length);
    let acc = 1;
    for (let i = y.length - 1; i >= 0; i--) {
      st[i] = full[i] === 1 ? 0 : acc;
      acc *= full[i];
    }
    return st;
  };
  const sa = strides(aShape), sb = strides(bShape);
  const dims: number[] = [], a: number[] = [], b: number[] = [];
  for (let i = 0; i < y.length; i++) {
    if (y[i] === 1) continue;
    const k = dims.length - 1;
    if (k >= 0 && a[k] === sa[i] * y[i] && b[k] === sb[i] * y[i]) {
      dims[k] *= y[i];
      a[k] = sa[i];
      b[k] = sb[i];
    } else {
      dims.push(y[i]);
      a.push(sa[i]);
      b.push(sb[i]);
    }
  }
  if (dims.length === 0) return { dims: [1], a: [1], b: [1] };
  return { dims, a, b };
}

export interface BinarySpec {
  dtype: PoolDType;
  op: BinaryOp;
  /** Shapes of a and b (one sample); the output has their broadcast shape, dense. */
  a: readonly number[];
  b: readonly number[];
  /** qs8: quantization of a, b and the output y. */
  qa?: QuantParams;
  qb?: QuantParams;
  qy?: QuantParams;
  qmin?: number;
  qmax?: number;
  fmin?: number;
  fmax?: number;
  kernel?: string;
}

export interface BinaryLayer {
  readonly kernel: string;
  readonly params: number;
  /** Elements of the inner run. */
  readonly n: number;
  /** Host loops beyond the kernel's three: counts and the element offsets of a, b, y per step, outermost first. */
  readonly outer: readonly { count: number; a: number; b: number; y: number }[];
  /** Bytes per element. */
  readonly el: number;
}


/** The multipliers m_a, m_b of the int8 kernel (assembly/eltwise/binary.ts), in double. */
export function binaryMultipliers(op: BinaryOp, a: QuantParams, b: QuantParams, y: QuantParams): { m_a: number; m_b: number } {
  if (op === 'mul') return { m_a: (a.scale * b.scale) / y.scale, m_b: 0 };
  if (op === 'div') return { m_a: a.scale / (b.scale * y.scale), m_b: 0 };
  return { m_a: a.scale / y.scale, m_b: b.scale / y.scale };
}

export function prepareBinary(mem: LinearMemory, build: Build, s: BinarySpec): BinaryLayer {
  const opIndex = BINARY_OPS.indexOf(s.op);
  if (opIndex < 0) throw new TypeError(`binary: unknown op '${String(s.op)}'`);
  const plan = planBroadcast(s.a, s.b);
  const k = plan.dims.length - 1;
  // The kernel's loops, innermost first: the inner run, then up to three outer loops.
  const loop = (i: number) => (k - i >= 0 ? { n: plan.dims[k - i], a: plan.a[k - i], b: plan.b[k - i] } : { n: 1, a: 0, b: 0 });
  const [inner, l1, l2, l3] = [0, 1, 2, 3].map(loop);
  const geometry = {
    op: opIndex, a_inc: inner.a, b_inc: inner.b, n1: l1.n, n2: l2.n, n3: l3.n,
    a_s1: l1.a, a_s2: l2.a, a_s3: l3.a, b_s1: l1.b, b_s2: l2.b, b_s3: l3.b,
  };
  // The output elements one kernel call writes, and the host loops outside it.
  let yStep = inner.n * l1.n * l2.n * l3.n;
  const outer: { count: number; a: number; b: number; y: number }[] = [];
  for (let i = k - 4; i >= 0; i--) {
    outer.unshift({ count: plan.dims[i], a: plan.a[i], b: plan.b[i], y: yStep });
    yStep *= plan.dims[i];
  }
  let params: number;
  if (s.dtype === 'qs8') {
    const qa = checkQuant('binary a', s.qa), qb = checkQuant('binary b', s.qb), qy = checkQuant('binary y', s.qy);
    const qmin = s.qmin ?? -128, qmax = s.qmax ?? 127;
    if (!isInt8(qmin) || !isInt8(qmax) || qmin > qmax) throw new RangeError(`binary: bad clamp [${qmin}, ${qmax}]`);
    params = writeParams(mem, QS8_BINARY, {
      ...geometry, a_zp: qa.zeroPoint, b_zp: qb.zeroPoint, y_zp: qy.zeroPoint, qmin, qmax, ...binaryMultipliers(s.op, qa, qb, qy),
    });
  } else if (s.dtype === 'f32') {
    const fmin = s.fmin ?? -Infinity, fmax = s.fmax ?? Infinity;
    if (Number.isNaN(fmin) || Number.isNaN(fmax) || fmin > fmax) throw new RangeError(`binary: bad clamp [${fmin}, ${fmax}]`);
    params = writeParams(mem, F32_BINARY, { ...geometry, fmin, fmax });
  } else {
    throw new TypeError(`binary: unknown dtype '${String(s.dtype)}'`);
  }
  const kernel = pick(mem, build, `${s.dtype}_binary`, s.kernel);
  return { kernel, params, n: inner.n, outer, el: s.dtype === 'f32' ? 4 : 1 };
}

/** y = a op b (y may be a or b when that operand has the output's shape). */
export function runBinary(mem: LinearMemory, L: BinaryLayer, a: number, b: number, y: number): void {
  const f = kernelFn(mem.mod.exports, L.kernel);
  const walk = (d: number, a: number, b: number, y: number): void => {
    if (d === L.outer.length) return f(L.n, a, b, y, L.params);
    const o = L.outer[d];
    for (let i = 0; i < o.count; i++) walk(d + 1, a + i * o.a * L.el, b + i * o.b * L.el, y + i * o.y * L.el);
  };
  walk(0, a, b, y);
}
