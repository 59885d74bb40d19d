// gemm: [x [M, K], w [N][K], b? [N]] -> [M, N], y = x w^T + b (fully connected). Binary
// weights as conv2d; `sparse` int8 layers run the block-sparse kernel.
import type { Node } from '../types.js';
import { prepareQs8Gemm, runQs8Gemm } from '../../runtime/ops/qs8-gemm.js';
import { prepareF32Gemm, runF32Gemm } from '../../runtime/ops/f32-conv.js';
import { f32Range, int8Range } from '../../runtime/ops/activation.js';
import { prepareBinaryNode } from '../../runtime/ops/b1-layer.js';
import { checkBias, fail, fmt, numel, rank, type OpDef } from './def.js';
import { denseDTypes } from './dense.js';
import { isBinaryNode } from './binary.js';
import { int8Params } from './quant-params.js';
import { checkSparse, createSparse, sparseShape, type SparseAttr } from './sparse.js';

export interface GemmAttrs {
  sparse?: SparseAttr;
}

export const gemm: OpDef<GemmAttrs> = {
  inputs: [2, 3],
  fusesActivation: true,
  int8: 'requantize',
  int8When: 'weights',
  binary: 'weights',
  check(node) {
    checkSparse(node);
  },
  infer(node, ins) {
    const [x, w] = ins;
    rank(node, x, 2, 'input');
    rank(node, w, 2, 'weights');
    if (w.shape[1] !== x.shape[1]) fail(node, `weights ${fmt(w.shape)} expect K = ${w.shape[1]}, input has ${x.shape[1]}`);
    checkBias(node, ins, w.shape[0]);
    return [[x.shape[0], w.shape[0]]];
  },
  dtypes: denseDTypes,
  macs: (_node, [x], [y]) => numel(y.shape.slice(1)) * x.shape.at(-1)!,
  create(ctx, node) {
    const x = ctx.info(node.inputs[0]), y = ctx.info(node.outputs[0]);
    const [X, Y] = [ctx.x[0], ctx.y[0]];
    if (isBinaryNode(node as Node, ctx.info)) {
      const layer = prepareBinaryNode(ctx.mem, ctx.build, node as Node, ctx.info, ctx.weights, ctx.clamp);
      const S = layer.scratchBytes ? ctx.scratch(layer.scratchBytes) : null;
      return () => layer.run(X.ptr, Y.ptr, S ? S.ptr : 0);
    }
    const k = x.shape[x.shape.length - 1];
    const m = numel(x.shape.slice(1, -1));
    const n = y.shape[y.shape.length - 1];
    if (x.dtype === 'i8') {
      if (sparseShape(node, x, y)) return createSparse(ctx, node);
      const q = int8Params(node, x, y, ctx.info(node.inputs[1]), n, ctx.graph.requantScale);
      const layer = prepareQs8Gemm(ctx.mem, ctx.build, {
        n, k, weights: ctx.constant(node as Node, 1, Int8Array)!, bias: ctx.constant(node as Node, 2, Int32Array), scale: q.scale,
        zpIn: q.in.zeroPoint, zpOut: q.out.zeroPoint, ...int8Range(ctx.clamp, q.out.scale, q.out.zeroPoint),
      });
      return () => runQs8Gemm(ctx.mem, layer, m, X.ptr, k, Y.ptr, n);
    }
    const layer = prepareF32Gemm(ctx.mem, ctx.build, {
      n, k, weights: ctx.constant(node as Node, 1, Float32Array)!, bias: ctx.constant(node as Node, 2, Float32Array), ...f32Range(ctx.clamp),
    });
    return () => runF32Gemm(ctx.mem, layer, X.ptr, Y.ptr, m);
  },
};
