// dwconv2d: [x NHWC, w [KH][KW][C*multiplier], b? [C*multiplier]] -> [N, OH, OW, C*multiplier];
// output channel o reads input channel o / multiplier. The kernels run multiplier 1.
import { BranchyUnsupportedError } from '../../errors.js';
import type { Node, Window } from '../types.js';
import { windowGeometry } from '../window.js';
import { dwInPlace, prepareQs8Dwconv, runQs8Dwconv } from '../../runtime/ops/qs8-dwconv.js';
import { prepareF32Dwconv, runF32Dwconv } from '../../runtime/ops/f32-conv.js';
import { f32Range, int8Range } from '../../runtime/ops/activation.js';
import { checkBias, checkWindow, fail, fmt, isInt, rank, same, spatial, where, type OpDef } from './def.js';
import { denseDTypes } from './dense.js';
import { int8Params } from './quant-params.js';

export interface Dwconv2dAttrs extends Window {
  multiplier: number;
}

export const dwconv2d: OpDef<Dwconv2dAttrs> = {
  inputs: [2, 3],
  fusesActivation: true,
  int8: 'requantize',
  int8When: 'weights',
  check(node) {
    checkWindow(node);
    if (!isInt(node.attrs.multiplier, 1)) fail(node, 'attrs.multiplier must be an integer >= 1');
  },
  infer(node, ins) {
    const [x, w] = ins;
    rank(node, x, 4, 'input');
    rank(node, w, 3, 'weights');
    const C = x.shape[3] * node.attrs.multiplier;
    if (!same(w.shape, [node.attrs.kernel[0], node.attrs.kernel[1], C])) fail(node, `weights must have shape [${node.attrs.kernel.join(', ')}, ${C}], have ${fmt(w.shape)}`);
    checkBias(node, ins, C);
    const [oh, ow] = spatial(node, x.shape, false);
    return [[x.shape[0], oh, ow, C]];
  },
  dtypes: denseDTypes,
  macs: (node, _ins, [y]) => y.shape.slice(1).reduce((a, b) => a * b, 1) * node.attrs.kernel[0] * node.attrs.kernel[1],
  create(ctx, node) {
    const x = ctx.info(node.inputs[0]), y = ctx.info(node.outputs[0]);
    if (node.attrs.multiplier !== 1) {
      throw new BranchyUnsupportedError(`${where(node)}: depthwise channel multiplier ${node.attrs.multiplier} is not supported yet; use multiplier 1`);
    }
    const [X, Y] = [ctx.x[0], ctx.y[0]];
    const geom = windowGeometry(node.attrs, x);
    if (x.dtype === 'i8') {
      const q = int8Params(node, x, y, ctx.info(node.inputs[1]), y.shape[3], ctx.graph.requantScale);
      const layer = prepareQs8Dwconv(ctx.mem, ctx.build, {
        geom, weights: ctx.constant(node as Node, 1, Int8Array)!, bias: ctx.constant(node as Node, 2, Int32Array), scale: q.scale,
        zpIn: q.in.zeroPoint, zpOut: q.out.zeroPoint, ...int8Range(ctx.clamp, q.out.scale, q.out.zeroPoint), allocScratch: false,
      });
      if (dwInPlace(layer)) ctx.allowInPlace();
      const S = ctx.scratch(layer.scratchBytes);
      return () => runQs8Dwconv(ctx.mem, layer, X.ptr, Y.ptr, S.ptr);
    }
    const layer = prepareF32Dwconv(ctx.mem, ctx.build, {
      geom, weights: ctx.constant(node as Node, 1, Float32Array)!, bias: ctx.constant(node as Node, 2, Float32Array), ...f32Range(ctx.clamp),
    });
    return () => runF32Dwconv(ctx.mem, layer, X.ptr, Y.ptr);
  },
};
