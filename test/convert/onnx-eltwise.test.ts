// The element-wise ops and activations through ONNX: small models built here (opset 13, and 20
// for Gelu) with Add / Sub / Mul / Div / Max / Min of computed tensors (squeeze-excitation,
// spatial gates, a constant first, Max of three), Sigmoid, HardSigmoid, HardSwish, LeakyRelu,
// PRelu, Tanh, Elu, Erf, and the SiLU and Erf-GELU patterns. Imported: the patterns become one
// activation fused into the conv; f32 in every build within 1e-5 of ONNX Runtime (relative to
// the largest output); int8 (minmax) leaves nothing in float and stays within a few percent of
// f32; exported (f32 and QDQ int8) ONNX Runtime computes what branchy does, and the export
// reads back as the same ops.
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { exportOnnx, importOnnx, quantizeGraph } from '../../src/convert/index.js';
import { runtimeObserve } from '../../src/cli/compress.js';
import { fromGraph } from '../../src/runtime/model.js';
import { TEST_BUILDS } from '../helpers/wasm.js';
import { Rng } from '../helpers/rng.js';
import { buildModel, float, type ModelSpec, type NodeSpec } from './helpers.js';

const rng = new Rng(0xe17);
const rand = (n: number, lo = -1, hi = 1): number[] => Array.from(rng.f32(n, lo, hi));
const X = [1, 8, 6, 5], N = 8 * 6 * 5;
interface Case { name: string; nodes: NodeSpec[]; inits: NonNullable<ModelSpec['inits']>; opset: number; ops: string[]; float: string[] }

/** A model: `make` writes its nodes through the helpers, the last writes 'y'; `float`: the ops int8 leaves in float. */
function model(name: string, opset: number, ops: string[], make: (m: M) => void, float: string[] = []): Case {
  const m = new M();
  make(m);
  return { name, nodes: m.nodes, inits: m.inits, opset, ops, float };
}

class M {
  readonly nodes: NodeSpec[] = [];
  readonly inits: NonNullable<ModelSpec['inits']> = {};
  n(op: string, inputs: string[], y: string, attrs: NodeSpec['attrs'] = {}): string {
    this.nodes.push({ op, inputs, outputs: [y], attrs });
    return y;
  }
  c(name: string, dims: number[], data: number[]): string {
    this.inits[name] = { dims, data };
    return name;
  }
  conv(x: string, y: string, cout = 8): string {
    return this.n('Conv', [x, this.c(`${y}.w`, [cout, 8, 1, 1], rand(cout * 8, -0.5, 0.5)), this.c(`${y}.b`, [cout], rand(cout, -0.3, 0.3))], y);
  }
}

const CASES: Case[] = [
  model('squeeze-excitation: Conv, GlobalAveragePool, Conv + Relu, Conv + HardSigmoid, Mul', 13, ['conv2d', 'globalavgpool', 'conv2d+relu', 'conv2d+hardsigmoid', 'mul'], (m) => {
    const x = m.conv('x', 'c0');
    const r = m.n('Relu', [m.conv(m.n('GlobalAveragePool', [x], 'g'), 'c1')], 'r');
    m.n('Mul', [x, m.n('HardSigmoid', [m.conv(r, 'c2')], 's', { alpha: float(1 / 6), beta: float(0.5) })], 'y');
  }),
  model('SiLU: Conv, Sigmoid, Mul (one conv with a fused silu)', 13, ['conv2d+silu'], (m) => {
    const c = m.conv('x', 'c');
    m.n('Mul', [m.n('Sigmoid', [c], 's'), c], 'y');
  }),
  model('GELU: Conv, Div by sqrt(2), Erf, Add 1, Mul, Mul 0.5 (one conv with a fused gelu)', 13, ['conv2d+gelu'], (m) => {
    const c = m.conv('x', 'c');
    const a = m.n('Add', [m.n('Erf', [m.n('Div', [c, m.c('r2', [], [Math.SQRT2])], 'd')], 'e'), m.c('one', [], [1])], 'a');
    m.n('Mul', [m.n('Mul', [c, a], 'p'), m.c('half', [], [0.5])], 'y');
  }),
  model('Sub, Div, Max, Min of computed tensors (spatial gate, channel vector), Max of three', 13,
    ['conv2d', 'conv2d', 'conv2d+sigmoid', 'sub', 'div', 'globalavgpool', 'max', 'min', 'max', 'max'], (m) => {
      const a = m.conv('x', 'a'), p = m.conv('x', 'p', 1);
      const den = m.n('Sigmoid', [m.conv('x', 'q', 1)], 'den');
      const d = m.n('Div', [m.n('Sub', [a, p], 's1'), den], 'd1');
      const mn = m.n('Min', [m.n('Max', [d, m.n('GlobalAveragePool', [a], 'ga')], 'm1'), a], 'm2');
      m.n('Max', [mn, p, a], 'y');
    }),
  model('a constant operand: c - x, Max(x, 0), 1 / x (these stay f32 in int8)', 13, ['conv2d+sigmoid', 'sub', 'max', 'add', 'div'], (m) => {
    const s = m.n('Sigmoid', [m.conv('x', 'c')], 's');
    const z = m.n('Max', [m.n('Sub', [m.c('k', [8, 1, 1], rand(8)), s], 'k_s'), m.c('zero', [], [0])], 'z');
    m.n('Div', [m.c('one', [], [1]), m.n('Add', [z, m.c('h', [], [0.5])], 'den')], 'y');
  }, ['sub', 'max', 'add', 'div']),
  model('Tanh, Elu, Erf, LeakyRelu, PRelu on convs', 13, ['conv2d+tanh', 'conv2d+elu', 'conv2d+erf', 'conv2d+leakyrelu', 'conv2d', 'prelu'], (m) => {
    const t = m.n('Tanh', [m.conv('x', 'c1')], 't');
    const e = m.n('Elu', [m.conv(t, 'c2')], 'e', { alpha: float(0.7) });
    const f = m.n('Erf', [m.conv(e, 'c3')], 'f');
    const l = m.n('LeakyRelu', [m.conv(f, 'c4')], 'l', { alpha: float(0.1) });
    m.n('PRelu', [m.conv(l, 'c5'), m.c('slope', [8, 1, 1], rand(8, -0.5, 1))], 'y');
  }),
  model('HardSwish (opset 14) and Gelu (opset 20)', 20, ['conv2d+hardswish', 'conv2d+gelu'], (m) => {
    m.n('Gelu', [m.conv(m.n('HardSwish', [m.conv('x', 'c1')], 'h'), 'c2')], 'y');
  }),
];

const ops = (g: { nodes: { op: string; act?: { kind: string } }[] }) => g.nodes.map((n) => n.op + (n.act && n.act.kind !== 'none' ? `+${n.act.kind}` : ''));

/** ONNX Runtime's output; `exact`: no graph optimisation (its QDQ fusions compute int8 ops their own way). */
async function ortRun(bytes: Uint8Array, x: Float32Array, exact = false): Promise<Float32Array> {
  const s = await ort.InferenceSession.create(bytes, exact ? { graphOptimizationLevel: 'disabled' } : {});
  return (await s.run({ [s.inputNames[0]]: new ort.Tensor('float32', x, X) }))[s.outputNames[0]].data as Float32Array;
}

function maxRel(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let scale = 0, err = 0;
  for (let i = 0; i < b.length; i++) scale = Math.max(scale, Math.abs(b[i]));
  for (let i = 0; i < b.length; i++) err = Math.max(err, Math.abs(a[i] - b[i]));
  return err / Math.max(scale, 1e-12);
}

function relL2(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let num = 0, den = 0;
  for (let i = 0; i < b.length; i++) (num += (a[i] - b[i]) ** 2), (den += b[i] ** 2);
  return Math.sqrt(num / den);
}

describe('element-wise ops and activations through ONNX', () => {
  for (const c of CASES) {
    it(c.name, async () => {
      const bytes = buildModel({ opset: c.opset, inputs: [{ name: 'x', shape: X }], outputs: ['y'], inits: c.inits, nodes: c.nodes });
      const xs = [0, 1].map(() => rng.f32(N, -2, 2));
      const want = await Promise.all(xs.map((x) => ortRun(bytes, x)));
      const { graph, weights } = importOnnx(bytes);
      expect(ops(graph)).toEqual(c.ops);
      for (const build of TEST_BUILDS) {
        const m = await fromGraph(graph, weights, { build });
        xs.forEach((x, i) => expect(maxRel(m.run(x).y.data, want[i]), `${build} f32 #${i}`).toBeLessThan(1e-5));
      }
      // Exported f32: ONNX Runtime runs it to the same values, and it reads back as the same ops.
      const back = exportOnnx(graph, weights);
      expect(maxRel(await ortRun(back, xs[0]), want[0]), 'exported f32').toBeLessThan(1e-5);
      expect(ops(importOnnx(back).graph)).toEqual(ops(graph));
      // int8: nothing left in float, close to f32; the QDQ export runs in ONNX Runtime to about the same.
      const calib = Array.from({ length: 8 }, () => rng.f32(N, -2, 2));
      const q = await quantizeGraph(graph, weights, { method: 'minmax', observe: runtimeObserve(calib, ''), outputError: false });
      expect(q.float.map((f) => f.op), 'layers left in float').toEqual(c.float);
      for (const f of q.float) expect(f.why).toMatch(/of a constant has no int8 form|its input is f32/);
      const outs: Float32Array[] = [];
      for (const build of TEST_BUILDS) outs.push(Float32Array.from((await fromGraph(q.graph, q.weights, { build })).run(xs[0]).y.data));
      for (const o of outs.slice(1)) expect(Array.from(o), 'int8 builds bit-identical').toEqual(Array.from(outs[0]));
      expect(relL2(outs[0], want[0]), 'int8 against f32').toBeLessThan(0.1);
      expect(relL2(await ortRun(exportOnnx(q.graph, q.weights), xs[0], true), outs[0]), 'QDQ export in ONNX Runtime against branchy int8').toBeLessThan(0.01);
    });
  }
});
