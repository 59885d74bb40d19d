// Every activation branchy runs, defined once, in double precision, from the ONNX operator
// definitions (docs/ir.md, "Activations"). The f32 kernels compute these definitions
// (assembly/eltwise/act.ts: exactly for the clamps, leakyrelu, hardsigmoid and hardswish,
// within 2e-7 relative for the others); the int8 tables are built from them (int8Table); the
// reference evaluator (test/reference/ir-eval.ts) applies them. alpha and beta are f32 values
// (ONNX attributes are float), so a definition reads them rounded to f32.
import type { Activation } from './types.js';
import { roundHalfEven } from './numerics.js';

/** An activation's definition: its parameters (required in `act`) and the function. */
export interface ActivationDef {
  readonly params: readonly ('min' | 'max' | 'alpha' | 'beta')[];
  /** The activation at x (a double), with the node's act. */
  readonly f: (x: number, act: Activation) => number;
  /** The f32 activation kernel's op (src/runtime/ops/nonlinear.ts ACT_OPS); 'clamp' takes [min, max]. */
  readonly kernel: 'clamp' | 'leakyrelu' | 'hardsigmoid' | 'hardswish' | 'sigmoid' | 'silu' | 'tanh' | 'elu' | 'gelu' | 'erf';
}

const f32 = Math.fround;
const alpha = (a: Activation): number => f32(a.alpha!);
const beta = (a: Activation): number => f32(a.beta!);
const sigmoid = (x: number): number => 1 / (1 + Math.exp(-x));
const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

export const ACTIVATIONS = {
  none: { params: [], kernel: 'clamp', f: (x) => x },
  relu: { params: [], kernel: 'clamp', f: (x) => Math.max(0, x) },
  relu6: { params: [], kernel: 'clamp', f: (x) => clamp(x, 0, 6) },
  /** Clip: min and max (±3.4e38 for an open side). */
  clip: { params: ['min', 'max'], kernel: 'clamp', f: (x, a) => clamp(x, a.min!, a.max!) },
  /** LeakyRelu: x < 0 ? alpha x : x. */
  leakyrelu: { params: ['alpha'], kernel: 'leakyrelu', f: (x, a) => (x < 0 ? x * alpha(a) : x) },
  /** HardSigmoid: max(0, min(1, alpha x + beta)). */
  hardsigmoid: { params: ['alpha', 'beta'], kernel: 'hardsigmoid', f: (x, a) => Math.max(0, Math.min(1, alpha(a) * x + beta(a))) },
  /** HardSwish: x · max(0, min(1, x/6 + 1/2)). */
  hardswish: { params: [], kernel: 'hardswish', f: (x) => x * Math.max(0, Math.min(1, x / 6 + 0.5)) },
  /** Sigmoid: 1 / (1 + e^-x). */
  sigmoid: { params: [], kernel: 'sigmoid', f: sigmoid },
  /** SiLU (Swish): x · sigmoid(x); ONNX has it as Mul(x, Sigmoid(x)). */
  silu: { params: [], kernel: 'silu', f: (x) => x * sigmoid(x) },
  /** Tanh. */
  tanh: { params: [], kernel: 'tanh', f: Math.tanh },
  /** Elu: x < 0 ? alpha (e^x - 1) : x. */
  elu: { params: ['alpha'], kernel: 'elu', f: (x, a) => (x < 0 ? alpha(a) * Math.expm1(x) : x) },
  /** GELU: x/2 · (1 + erf(x/√2)) (ONNX Gelu, approximate = none; or the Erf pattern). */
  gelu: { params: [], kernel: 'gelu', f: (x) => 0.5 * x * erfc(-x * Math.SQRT1_2) },
  /** Erf. */
  erf: { params: [], kernel: 'erf', f: (x) => erf(x) },
} as const satisfies Record<string, ActivationDef>;

export type ActivationKind = keyof typeof ACTIVATIONS;

/** The activation's definition, or undefined for a kind branchy does not have. */
export function activationDef(kind: string): ActivationDef | undefined {
  return Object.prototype.hasOwnProperty.call(ACTIVATIONS, kind) ? ACTIVATIONS[kind as ActivationKind] : undefined;
}

/** The activation of x as an f32 value: the definition, rounded once. */
export function applyAct(x: number, act: Activation): number {
  return f32(ACTIVATIONS[act.kind].f(x, act));
}

/**
 * The int8 table of an activation from input quantization qi to output quantization qo:
 * entry u (the byte of q = u < 128 ? u : u - 256) is QuantizeLinear(act(DequantizeLinear(q))),
 * each step in f32 as ONNX Runtime's QDQ form runs it: x = f32((q - zp_i) s_i), v = f32(act(x)),
 * y = saturate(round_half_even(f32(v / s_o)) + zp_o).
 */
export function int8Table(act: Activation, qi: { scale: number; zeroPoint: number }, qo: { scale: number; zeroPoint: number }): Int8Array {
  const t = new Int8Array(256);
  const si = f32(qi.scale), so = f32(qo.scale);
  for (let u = 0; u < 256; u++) {
    const q = u < 128 ? u : u - 256;
    const v = applyAct(f32((q - qi.zeroPoint) * si), act);
    const r = Number.isNaN(v) ? -128 : roundHalfEven(f32(v / so)) + qo.zeroPoint;
    t[u] = Math.min(127, Math.max(-128, r));
  }
  return t;
}

// ---- erf and erfc in double precision (relative error below 1e-14) -------------------------

/** erf(x) = 2/√π Σ (-1)^k x^(2k+1) / (k! (2k+1)), summed until the terms vanish (|x| < 2). */
function erfSeries(x: number): number {
  const x2 = x * x;
  let term = x, sum = x;
  for (let k = 1; k < 60; k++) {
    term *= -x2 / k;
    const t = term / (2 * k + 1);
    sum += t;
    if (Math.abs(t) < 1e-17 * Math.abs(sum)) break;
  }
  return (2 / Math.sqrt(Math.PI)) * sum;
}

/** erfc(x) for x >= 2 by its continued fraction (modified Lentz); 0 past 27 (erfc(27) < 1e-318). */
function erfcFraction(x: number): number {
  if (x > 27) return 0;
  // erfc(x) = e^(-x^2)/√π · 1/(x + (1/2)/(x + 1/(x + (3/2)/(x + 2/(x + ...)))))
  const tiny = 1e-300;
  let f = x, c = x, d = 0;
  for (let k = 1; k < 200; k++) {
    const a = k / 2;
    d = x + a * d;
    d = Math.abs(d) < tiny ? tiny : d;
    c = x + a / c;
    c = Math.abs(c) < tiny ? tiny : c;
    d = 1 / d;
    const delta = c * d;
    f *= delta;
    if (Math.abs(delta - 1) < 1e-16) break;
  }
  return Math.exp(-x * x) / Math.sqrt(Math.PI) / f;
}

export function erf(x: number): number {
  if (Number.isNaN(x)) return x;
  const s = Math.abs(x);
  const r = s < 2 ? erfSeries(s) : 1 - erfcFraction(s);
  return x < 0 ? -r : r;
}

export function erfc(x: number): number {
  if (Number.isNaN(x)) return x;
  if (x >= 2) return erfcFraction(x);
  if (x >= 0) return 1 - erfSeries(x);
  return 1 + erf(-x);
}
