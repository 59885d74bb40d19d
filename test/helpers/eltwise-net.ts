// A graph with every element-wise op and activation (for test/runtime/eltwise-graph.test.ts and
// the int8 conversion test): x [1,6,5,16] -> a 1x1 conv, a squeeze-excitation block, every binary op with
// each broadcast pattern, prelu, every activation standalone and on 1x1 convs; f32, or int8
// between a quantize and a dequantize with the quantization given at each tensor.
import type { Activation, Graph, Node, TensorInfo, Weights } from '../../src/ir/types.js';
import { Rng } from './rng.js';

const f32 = Math.fround;
type Q = { scale: number; zeroPoint: number };

/** Builds a graph whose tensors are f32, or int8 with the quantization given at each tensor. */
class G {
  readonly tensors: TensorInfo[] = [];
  readonly nodes: Node[] = [];
  readonly weights: Weights = new Map();
  constructor(readonly rng: Rng, readonly int8: boolean) {}

  t(name: string, shape: number[], q: Q): string {
    this.tensors.push({ name, shape, dtype: this.int8 ? 'i8' : 'f32', ...(this.int8 ? { quant: { kind: 'tensor', ...q } } : {}) });
    return name;
  }

  f32(name: string, shape: number[], lo = -0.5, hi = 0.5): string {
    this.tensors.push({ name, shape, dtype: 'f32', constant: true });
    this.weights.set(name, this.rng.f32(shape.reduce((a, b) => a * b, 1), lo, hi));
    return name;
  }

  conv(x: string, cin: number, cout: number, y: string): [string, string] {
    if (!this.int8) return [this.f32(`${y}.w`, [cout, 1, 1, cin]), this.f32(`${y}.b`, [cout], -0.2, 0.2)];
    const w = `${y}.w`;
    this.tensors.push({ name: w, shape: [cout, 1, 1, cin], dtype: 'i8', constant: true, quant: { kind: 'channel', axis: 0, scales: Array.from({ length: cout }, () => f32(0.004 + 0.004 * this.rng.next())) } });
    this.weights.set(w, this.rng.i8(cout * cin, -127, 127));
    return [w, ''];
  }

  n(op: Node['op'], inputs: string[], output: string, attrs: object = {}, act?: Activation): string {
    this.nodes.push({ name: `${op}_${this.nodes.length}`, op, inputs: inputs.filter((i) => i !== ''), outputs: [output], attrs, ...(act ? { act } : {}) } as Node);
    return output;
  }
}

const ONE = { kernel: [1, 1], strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0] };

/**
 * x [1,6,5,16] -> a 1x1 conv, a squeeze-excitation block, every binary op with each broadcast pattern, prelu,
 * every activation standalone and on 1x1 convs; in int8 between a quantize and a dequantize.
 */
export function eltwiseNet(seed: number, int8: boolean): { graph: Graph; weights: Weights } {
  const g = new G(new Rng(seed), int8);
  const q = (scale: number, zeroPoint: number): Q => ({ scale: f32(scale), zeroPoint });
  const S = [1, 6, 5, 16], C = [1, 1, 1, 16], P = [1, 6, 5, 1];
  g.tensors.push({ name: 'x', shape: S, dtype: 'f32' });
  let x = 'x';
  if (int8) x = g.n('quantize', ['x'], g.t('xq', S, q(0.02, -3)));
  x = g.n('conv2d', [x, ...g.conv(x, 16, 16, 'stem')], g.t('stem', S, q(0.03, 1)), ONE);
  // Squeeze-excitation: pool, 1x1 conv + relu, 1x1 conv + hardsigmoid, gate.
  const pooled = g.n('globalavgpool', [x], g.t('pool', C, q(0.01, 2)));
  const r = g.n('conv2d', [pooled, ...g.conv(pooled, 16, 16, 'se1')], g.t('se1', C, q(0.02, -128)), ONE, { kind: 'relu' });
  const c2 = g.n('conv2d', [r, ...g.conv(r, 16, 16, 'se2')], g.t('se2', C, q(0.03, 10)), ONE);
  const gate = g.n('activation', [c2], g.t('gate', C, q(1 / 255, -128)), {}, { kind: 'hardsigmoid', alpha: f32(1 / 6), beta: 0.5 });
  const se = g.n('mul', [x, gate], g.t('se', S, q(0.015, 0)));
  // Every binary op: spatial gate, broadcast both ways, same shape.
  const sig = g.n('activation', [x], g.t('sig', S, q(1 / 255, -128)), {}, { kind: 'sigmoid' });
  const spatial = g.n('globalavgpool', [sig], g.t('mean', C, q(1 / 255, -128)));
  const plane = g.n('conv2d', [se, ...g.conv(se, 16, 1, 'plane')], g.t('plane', P, q(0.02, 0)), ONE, { kind: 'relu6' });
  const a = g.n('add', [se, plane], g.t('a', S, q(0.03, -5)));
  const s = g.n('sub', [spatial, a], g.t('s', S, q(0.04, 7)));
  const d = g.n('div', [s, g.n('add', [sig, spatial], g.t('den', S, q(2 / 255, -128)))], g.t('d', S, q(0.06, 3)));
  const mx = g.n('max', [d, se], g.t('mx', S, q(0.05, -20)));
  const mn = g.n('min', [mx, spatial], g.t('mn', S, q(0.02, 40)), {}, { kind: 'relu' });
  // PRelu, then every other activation on 1x1 convs (fused in f32; in int8 a standalone table).
  let h = g.n('prelu', [mn, g.f32('slope', [16], -0.5, 1.5)], g.t('pr', S, q(0.02, 20)));
  const acts: Activation[] = [
    { kind: 'leakyrelu', alpha: f32(0.1) }, { kind: 'hardswish' }, { kind: 'silu' }, { kind: 'tanh' }, { kind: 'elu', alpha: 1 },
    { kind: 'gelu' }, { kind: 'erf' }, { kind: 'clip', min: -0.5, max: 1.5 },
  ];
  acts.forEach((act, i) => {
    const pre = g.t(`pre${i}`, S, q(0.03, 3 * i - 10));
    const out = g.t(`act${i}`, S, q(0.02, -4 * i));
    const [w, b] = g.conv(h, 16, 16, `c${i}`);
    if (int8) h = g.n('activation', [g.n('conv2d', [h, w], pre, ONE)], out, {}, act);
    else h = g.n('conv2d', [h, w, b], out, ONE, act);
  });
  const y = g.n('mul', [h, g.n('activation', [h], g.t('hs', S, q(0.01, 0)), {}, { kind: 'sigmoid' })], g.t('silu', S, q(0.02, -30)));
  g.tensors.push({ name: 'y', shape: S, dtype: 'f32' });
  if (int8) g.n('dequantize', [y], 'y');
  else g.nodes.at(-1)!.outputs = ['y'];
  if (!int8) g.tensors.splice(g.tensors.findIndex((t) => t.name === 'silu'), 1);
  return { graph: { tensors: g.tensors, nodes: g.nodes, inputs: ['x'], outputs: ['y'] }, weights: g.weights };
}

