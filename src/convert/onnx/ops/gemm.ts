// Gemm, MatMul <-> gemm: y = x W^T + b with W [N, K]. A right-hand side read as a flattened
// NCHW image in H,W,C order ('hwc-flat') gets its columns permuted instead of the input.
import type { onnx } from 'onnx-proto';
import type { ImportContext, Value } from '../context.js';
import { hwcColumnsToChw } from '../../onnx-export/layout.js';
import type { ImportFn, OnnxFamily } from './family.js';
import { inOnnxOrder } from './axes.js';
import { markBinary } from './binary.js';

/** Gemm weights [N][K] from ONNX B, permuted when the input is flattened in HWC order. */
function fcWeights(x: Value, wnk: Float32Array, N: number, K: number): Float32Array {
  if (x.layout !== 'hwc-flat') return wnk;
  const [C, H, W] = x.chw!;
  const out = new Float32Array(wnk.length);
  for (let o = 0; o < N; o++) for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
    out[o * K + (h * W + w) * C + c] = wnk[o * K + (c * H + h) * W + w];
  }
  return out;
}

function fc(ctx: ImportContext, n: onnx.INodeProto, x: Value, wnk: Float32Array, N: number, bias: Float32Array | undefined, out: string): void {
  if (x.shape.length !== 2) ctx.unsupported(n, `input of shape [${x.shape.join(', ')}]`, 'branchy runs Gemm/MatMul on [M, K] inputs; flatten first (torch.flatten(x, 1))');
  const K = x.shape[1];
  // Before fcWeights loops over the input's C*H*W: the weights must have exactly K columns.
  if (wnk.length !== N * K) ctx.unsupported(n, `weights of ${wnk.length} values for ${N} outputs of an input with ${K} features`, 'the model is malformed');
  const wt = ctx.addTensor(ctx.inputName(n, 1), [N, K], fcWeights(x, wnk, N, K));
  const ins = [x.ir, wt];
  if (bias) ins.push(ctx.addTensor(ctx.inputName(n, 2) || `${n.name || out}.bias`, [N], bias));
  ctx.emit('gemm', n.name ?? '', ins, out, {});
  markBinary(ctx, n);
  ctx.define(out, { ir: out, shape: [x.shape[0], N], layout: 'plain' });
}

const gemm: ImportFn = (ctx, n, a, out) => {
  let x = ctx.valueIn(n, 0);
  if (a.int('transA', 0) !== 0) {
    // A is [K, M]: transposed first (the batch moves: the runtime takes it where M and K are 1).
    if (x.shape.length !== 2) ctx.unsupported(n, `input of shape [${x.shape.join(', ')}] with transA=1`, 'the model is malformed');
    x = inOnnxOrder(ctx, n, x);
    const t = ctx.fresh(`${out}_a`);
    ctx.emit('transpose', `${n.name || out}_transA`, [x.ir], t, { perm: [1, 0] });
    x = { ir: t, shape: [x.shape[1], x.shape[0]], layout: 'plain', sole: true };
  }
  const alpha = a.float('alpha', 1), beta = a.float('beta', 1);
  const b = ctx.constIn(n, 1, 'the weight B');
  const transB = a.int('transB', 0);
  if (b.dims.length !== 2) ctx.unsupported(n, `B of shape [${b.dims.join(', ')}]`, 'the model is malformed');
  const [r, c] = b.dims;
  const [N, K] = transB ? [r, c] : [c, r];
  const bd = b.data as Float32Array;
  const w = new Float32Array(N * K);
  for (let o = 0; o < N; o++) for (let k = 0; k < K; k++) w[o * K + k] = alpha * (transB ? bd[o * K + k] : bd[k * N + o]);
  let bias: Float32Array | undefined;
  const cc = ctx.optConst(n, 2, 'the bias C');
  const M = x.shape[0];
  if (cc) {
    const cd = cc.data as Float32Array;
    const vector = cd.length === 1 || (cd.length === N && cc.dims[cc.dims.length - 1] === N && cc.dims.slice(0, -1).every((d) => d === 1));
    // A matrix bias [M, N] (or [M, 1]): the product, then an add of the bias broadcast to [M, N].
    const matrix = !vector && cc.dims.length === 2 && cc.dims[0] === M && (cc.dims[1] === N || cc.dims[1] === 1);
    if (!vector && !matrix) ctx.unsupported(n, `bias C of shape [${cc.dims.join(', ')}]`, `branchy supports a bias of shape [${N}], [1, ${N}], [${M}, ${N}] or a scalar`);
    if (matrix) {
      const prod = ctx.fresh(`${out}_product`);
      fc(ctx, n, x, w, N, undefined, prod);
      const c = ctx.addTensor(ctx.inputName(n, 2), [M, N], Float32Array.from({ length: M * N }, (_, i) => beta * cd[cc.dims[1] === 1 ? Math.floor(i / N) : i]));
      ctx.emit('add', `${n.name || out}_bias`, [ctx.values.get(prod)!.ir, c], out, {});
      return ctx.define(out, { ir: out, shape: [M, N], layout: 'plain' });
    }
    bias = Float32Array.from({ length: N }, (_, i) => beta * cd[cd.length === 1 ? 0 : i]);
  }
  fc(ctx, n, x, w, N, bias, out);
};

const matmul: ImportFn = (ctx, n, _a, out) => {
  const x = ctx.valueIn(n, 0);
  const b = ctx.constIn(n, 1, 'the right-hand side');
  if (b.dims.length !== 2) ctx.unsupported(n, `right-hand side of shape [${b.dims.join(', ')}]`, 'branchy runs MatMul with a constant [K, N] matrix');
  const [K, N] = b.dims;
  const bd = b.data as Float32Array;
  const w = new Float32Array(N * K);
  for (let o = 0; o < N; o++) for (let k = 0; k < K; k++) w[o * K + k] = bd[k * N + o];
  fc(ctx, n, x, w, N, undefined, out);
};

export const gemmFamily: OnnxFamily = {
  import: {
    Gemm: { min: 2, import: gemm },
    MatMul: { min: 2, import: matmul },
  },
  export: {
    gemm(ex, node, where, y, name) {
      const [xName, wName, bName] = node.inputs;
      const wt = ex.t(wName);
      let data = ex.weights.get(wName)!;
      const hwc = ex.hwcFlat.get(xName);
      if (hwc) data = hwcColumnsToChw(data, wt.shape[0], hwc);
      const w = ex.weight(wName, wt.shape, data);
      ex.b.node('Gemm', [ex.float(xName, where), w, ...ex.bias(bName)], [y], { transB: 1 }, name);
      return y;
    },
  },
};
