// The element-wise part of bench:kernels: every kernel of the element-wise ops the manifest
// lists (each build's choice and its scalar twin), on the shapes MobileNetV3 / EfficientNet
// layers have, in ns per output element at the median. Also what the PRelu and fusion choices
// were measured with: PRelu as per-channel 256-byte tables (the scalar per-channel lookup the
// input step uses) beside the per-channel formula kernel, and a 1x1 int8 conv alone and with
// its activation table run in place on its output (what an int8 conv + sigmoid step costs).
import { Bench } from 'tinybench';
import type { Build } from '../src/runtime/features.js';
import type { LinearMemory } from '../src/runtime/memory.js';
import { kernelFn } from '../src/runtime/exports.js';
import { kernelsOf } from '../src/runtime/manifest.js';
import { prepareBinary, runBinary, type BinaryOp } from '../src/runtime/ops/broadcast.js';
import { prepareF32Act, prepareLut, preparePrelu, runPrelu, runUnary, type ActOp } from '../src/runtime/ops/nonlinear.js';
import { prepareQs8Conv, runQs8Conv } from '../src/runtime/ops/qs8-conv.js';
import { int8Table } from '../src/ir/activations.js';

export interface EltCase {
  name: string;
  /** The kernel-table op whose kernels run (each one a row), or a fixed label. */
  op: string;
  elements: number;
  make: (mem: LinearMemory, build: Build, kernel: string) => () => void;
}

const H = 28, W = 28, C = 40, N = H * W * C;
const i8 = (n: number) => Int8Array.from({ length: n }, (_, i) => ((i * 37) % 251) - 125);
const f32 = (n: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(i) * 4);
const q = (scale: number, zeroPoint: number) => ({ scale, zeroPoint });

function binary(dtype: 'qs8' | 'f32', op: BinaryOp, b: number[], what: string): EltCase {
  return {
    name: `${dtype === 'qs8' ? 'int8' : 'f32'} ${op} ${what}`, op: `${dtype}_binary`, elements: N,
    make(mem, build, kernel) {
      const L = prepareBinary(mem, build, { dtype, op, a: [H, W, C], b, qa: q(0.02, 3), qb: q(0.01, -5), qy: q(0.03, 1), kernel });
      const nb = b.reduce((p, d) => p * d, 1);
      const [a, bp] = dtype === 'qs8' ? [mem.put(i8(N)), mem.put(i8(nb))] : [mem.put(f32(N)), mem.put(f32(nb).map((v) => v + 5))];
      const y = mem.alloc(N * (dtype === 'qs8' ? 1 : 4));
      return () => runBinary(mem, L, a, bp, y);
    },
  };
}

function act(op: ActOp): EltCase {
  return {
    name: `f32 ${op}`, op: 'f32_act', elements: N,
    make(mem, build, kernel) {
      const L = prepareF32Act(mem, build, { n: N, op, alpha: 0.1, beta: 0.5, fmin: 0, fmax: 6, kernel });
      const x = mem.put(f32(N)), y = mem.alloc(4 * N);
      return () => runUnary(mem, L, x, y);
    },
  };
}

function prelu(dtype: 'qs8' | 'f32'): EltCase {
  return {
    name: `${dtype === 'qs8' ? 'int8' : 'f32'} prelu, a slope per channel`, op: `${dtype}_prelu`, elements: N,
    make(mem, build, kernel) {
      const slope = Float32Array.from({ length: C }, (_, c) => 0.05 + c / 100);
      const L = preparePrelu(mem, build, { dtype, rows: H * W, channels: C, slope, input: q(0.02, 3), output: q(0.02, -2), kernel });
      const x = dtype === 'qs8' ? mem.put(i8(N)) : mem.put(f32(N)), y = mem.alloc(N * 4);
      return () => runPrelu(mem, L, x, y);
    },
  };
}

/** A 1x1 int8 conv 28x28x40 -> 40, alone or followed by a sigmoid table in place on its output. */
function convThenTable(withTable: boolean): EltCase {
  return {
    name: withTable ? 'int8 conv 1×1 28×28×40→40 + sigmoid table in place' : 'int8 conv 1×1 28×28×40→40 alone', op: 'qs8_conv', elements: N,
    make(mem, build) {
      const geom = { n: 1, h: H, w: W, c: C, kh: 1, kw: 1, strideH: 1, strideW: 1, pads: [0, 0, 0, 0] as [number, number, number, number] };
      const L = prepareQs8Conv(mem, build, {
        geom, cOut: C, weights: i8(C * C), bias: new Int32Array(C).fill(100), scale: new Float32Array(C).fill(0.002), zpIn: -3, zpOut: 2, qmin: -128, qmax: 127,
      });
      const T = prepareLut(mem, build, { n: N, table: int8Table({ kind: 'sigmoid' }, q(0.05, 2), q(1 / 255, -128)) });
      const x = mem.put(i8(N)), y = mem.alloc(L.outputBytes);
      return withTable ? () => (runQs8Conv(mem, L, x, y), runUnary(mem, T, y, y)) : () => runQs8Conv(mem, L, x, y);
    },
  };
}

export const ELT_CASES: EltCase[] = [
  binary('qs8', 'mul', [1, 1, C], 'squeeze-excitation 28×28×40 × 1×1×40'),
  binary('qs8', 'add', [H, W, C], 'same shape 28×28×40'),
  binary('qs8', 'div', [H, W, 1], 'spatial 28×28×40 ÷ 28×28×1'),
  binary('qs8', 'max', [1], 'scalar 28×28×40, 1'),
  binary('f32', 'mul', [1, 1, C], 'squeeze-excitation 28×28×40 × 1×1×40'),
  binary('f32', 'add', [H, W, C], 'same shape 28×28×40'),
  binary('f32', 'div', [H, W, 1], 'spatial 28×28×40 ÷ 28×28×1'),
  ...(['leakyrelu', 'hardswish', 'sigmoid', 'silu', 'tanh', 'elu', 'gelu'] as const).map(act),
  {
    name: 'int8 table lookup 28×28×40', op: 'x8_lut', elements: N,
    make(mem, build, kernel) {
      const L = prepareLut(mem, build, { n: N, table: int8Table({ kind: 'silu' }, q(0.05, 2), q(0.03, -20)), kernel });
      const x = mem.put(i8(N)), y = mem.alloc(N);
      return () => runUnary(mem, L, x, y);
    },
  },
  prelu('qs8'),
  prelu('f32'),
  {
    name: 'int8 prelu as a 256-byte table per channel', op: 'u8_qs8_lut', elements: N,
    make(mem, _build, kernel) {
      const tables = mem.put(i8(256 * C)), x = mem.put(i8(N)), y = mem.alloc(N);
      return () => kernelFn(mem.mod.exports, kernel)(H * W, C, x, 1, C, tables, y);
    },
  },
  convThenTable(false),
  convThenTable(true),
];

/** ns per element of every case and kernel in this build, keyed "case|kernel". */
export async function benchEltwise(mem: LinearMemory, build: Build): Promise<Map<string, number>> {
  const bench = new Bench({ time: 300, warmupTime: 80, iterations: 30 });
  for (const c of ELT_CASES) {
    const kernels = c.op === 'qs8_conv' ? ['(table choice)'] : kernelsOf(c.op, build);
    for (const k of kernels) bench.add(`${c.name}|${k}`, c.make(mem, build, k));
  }
  await bench.run();
  const out = new Map<string, number>();
  for (const t of bench.tasks) {
    const r = t.result as unknown as { latency?: { p50: number } };
    const c = ELT_CASES.find((x) => t.name.startsWith(`${x.name}|`))!;
    if (r.latency) out.set(t.name, (r.latency.p50 * 1e6) / c.elements);
  }
  return out;
}
