// conv2d: [x NHWC, w OHWI, b? [O]] -> [N, OH, OW, O]; with `groups` g, w is [O][KH][KW][C/g]
// and output channels o*O/g.. read input channels o*C/g.. (ONNX Conv's group). Binary weights (b1 w with
// per-channel alpha, f32 bias) run on the b1 kernels; `sparse` int8 1x1 layers on the
// block-sparse kernel; int8 layers with small K on the direct kernel, which can also take a
// following 2x2 stride-2 max pool into its own output (absorbs); the im2col int8 layers can take
// the residual add after them into their epilogue (absorbs; src/ir/passes/conv-add.ts).
import type { Node, Window } from '../types.js';
import { windowGeometry } from '../window.js';
import { canFuseMaxPool2x2, canFuseResidualAdd, convInPlace, prepareQs8Conv, runQs8Conv, type ResidualAdd } from '../../runtime/ops/qs8-conv.js';
import { binaryMultipliers } from '../../runtime/ops/broadcast.js';
import { prepareF32Conv, runF32Conv } from '../../runtime/ops/f32-conv.js';
import { f32Range, int8Range } from '../../runtime/ops/activation.js';
import { prepareBinaryNode } from '../../runtime/ops/b1-layer.js';
import { b1wConvKernel } from '../../runtime/ops/b1.js';
import { isWinoKernel, winoInPlace } from '../../runtime/ops/qs8-conv-wino.js';
import { resolveGeometry } from '../../runtime/ops/qs8-dwconv.js';
import { BranchyUnsupportedError } from '../../errors.js';
import { checkBias, checkWindow, fail, fmt, isInt, rank, spatial, where, type AbsorbContext, type OpNode, type OpDef, type StepContext } from './def.js';
import { denseDTypes } from './dense.js';
import { isBinaryNode } from './binary.js';
import { int8Params, tensorQuant } from './quant-params.js';
import { asClamp } from '../numerics.js';
import { poolAfterConv } from '../passes/conv-pool.js';
import { addAfterConv, residualOf } from '../passes/conv-add.js';
import { checkSparse, createSparse, sparseShape, type SparseAttr } from './sparse.js';

export interface Conv2dAttrs extends Window {
  sparse?: SparseAttr;
  /** Channel groups (default 1): each group of C/groups inputs makes O/groups outputs. Depthwise convs are dwconv2d. */
  groups?: number;
}

const groupsOf = (node: OpNode<Conv2dAttrs>): number => node.attrs.groups ?? 1;

export const conv2d: OpDef<Conv2dAttrs> = {
  inputs: [2, 3],
  fusesActivation: true,
  int8: 'requantize',
  int8When: 'weights',
  binary: 'weights',
  check(node) {
    checkWindow(node);
    if (node.attrs.groups !== undefined && !isInt(node.attrs.groups, 1)) fail(node, 'attrs.groups must be an integer >= 1');
    checkSparse(node);
  },
  infer(node, ins) {
    const [x, w] = ins;
    rank(node, x, 4, 'input');
    rank(node, w, 4, 'weights');
    const [O, KH, KW, I] = w.shape;
    if (KH !== node.attrs.kernel[0] || KW !== node.attrs.kernel[1]) fail(node, `weights ${fmt(w.shape)} disagree with kernel ${fmt(node.attrs.kernel)}`);
    const g = groupsOf(node);
    if (I * g !== x.shape[3]) fail(node, `weights expect ${I} input channels${g > 1 ? ` per group (${g} groups)` : ''}, input has ${x.shape[3]}`);
    if (O % g !== 0) fail(node, `${O} output channels do not split into ${g} groups`);
    checkBias(node, ins, O);
    const [oh, ow] = spatial(node, x.shape, false);
    return [[x.shape[0], oh, ow, O]];
  },
  dtypes: denseDTypes,
  macs: (node, [, w], [y]) => y.shape.slice(1).reduce((a, b) => a * b, 1) * node.attrs.kernel[0] * node.attrs.kernel[1] * w.shape[3],
  absorbs: (node, ctx) => fusablePool(node, ctx) ?? fusableAdd(node, ctx),
  create(ctx, node) {
    const x = ctx.info(node.inputs[0]), y = ctx.info(node.outputs[0]);
    const [X, Y] = [ctx.x[0], ctx.y[0]];
    if (isBinaryNode(node as Node, ctx.info)) {
      const layer = prepareBinaryNode(ctx.mem, ctx.build, node as Node, ctx.info, ctx.weights, ctx.clamp, ctx.absorbed !== undefined, ctx.winograd);
      if (isWinoKernel(layer.kernel) && winoInPlace(resolveGeometry(windowGeometry(node.attrs, x)), y.shape[3])) ctx.allowInPlace();
      const S = layer.scratchBytes ? ctx.scratch(layer.scratchBytes) : null;
      return () => layer.run(X.ptr, Y.ptr, S ? S.ptr : 0);
    }
    const geom = windowGeometry(node.attrs, x);
    const cOut = y.shape[3];
    if (groupsOf(node) > 1) return createGrouped(ctx, node);
    if (x.dtype === 'i8') {
      if (sparseShape(node, x, y)) return createSparse(ctx, node);
      const q = int8Params(node, x, y, ctx.info(node.inputs[1]), cOut, ctx.graph.requantScale);
      const { qmin, qmax } = int8Range(ctx.clamp, q.out.scale, q.out.zeroPoint);
      const add = ctx.absorbed?.op === 'add' ? ctx.absorbed : undefined;
      const layer = prepareQs8Conv(ctx.mem, ctx.build, {
        geom, cOut, weights: ctx.constant(node as Node, 1, Int8Array)!, bias: ctx.constant(node as Node, 2, Int32Array), scale: q.scale,
        zpIn: q.in.zeroPoint, zpOut: q.out.zeroPoint, qmin, qmax, allocScratch: false, fuseMaxPool2x2: ctx.absorbed?.op === 'maxpool',
        residual: add && residualAdd(ctx, node as Node, add), winograd: ctx.winograd,
      });
      if (convInPlace(layer)) ctx.allowInPlace();
      const S = layer.scratchBytes ? ctx.scratch(layer.scratchBytes) : null;
      // The residual: the absorbed add's other operand, after the conv's own inputs (executor).
      const R = add ? ctx.x[ctx.x.length - 1] : null;
      return () => runQs8Conv(ctx.mem, layer, X.ptr, Y.ptr, S ? S.ptr : 0, R ? R.ptr : 0);
    }
    const layer = prepareF32Conv(ctx.mem, ctx.build, {
      geom, outChannels: cOut, weights: ctx.constant(node as Node, 1, Float32Array)!, bias: ctx.constant(node as Node, 2, Float32Array), ...f32Range(ctx.clamp),
    });
    return () => runF32Conv(ctx.mem, layer, X.ptr, Y.ptr);
  },
};

/** The max pool this int8 conv (int8 or binary weights) writes in its own kernel: one that qualifies by structure (poolAfterConv) and that this build's kernel can take. */
function fusablePool(node: OpNode<Conv2dAttrs>, ctx: AbsorbContext): Node | null {
  const p = poolAfterConv(node as Node, ctx);
  if (!p) return null;
  const geom = windowGeometry(node.attrs, ctx.info(node.inputs[0])), cOut = ctx.info(node.outputs[0]).shape[3];
  const kernel = isBinaryNode(node as Node, ctx.info) ? b1wConvKernel(geom, cOut, ctx.build, ctx.winograd) : undefined;
  return canFuseMaxPool2x2(geom, cOut, ctx.build, kernel, ctx.winograd) ? p : null;
}

/**
 * The residual add this int8 conv computes in its epilogue, where the executor is asked to
 * (fuseResidualAdd): one that qualifies by structure (addAfterConv), whose residual is computed
 * before the conv runs, and that this build's im2col kernel takes (canFuseResidualAdd: not the
 * direct small-C_in kernel).
 */
function fusableAdd(node: OpNode<Conv2dAttrs>, ctx: AbsorbContext): Node | null {
  const add = ctx.residualAdd ? addAfterConv(node as Node, ctx) : null;
  if (!add || !ctx.computedBefore(residualOf(node as Node, add), node as Node)) return null;
  const geom = windowGeometry(node.attrs, ctx.info(node.inputs[0]));
  return canFuseResidualAdd(geom, ctx.info(node.outputs[0]).shape[3], ctx.build, false, ctx.winograd) ? add : null;
}

/** The add's quantization as the fused epilogue takes it: the same multipliers and clamp the add's own step would use. */
function residualAdd(ctx: StepContext, conv: Node, add: Node): ResidualAdd {
  const v = tensorQuant(ctx.info(conv.outputs[0]), conv as OpNode<unknown>);
  const r = tensorQuant(ctx.info(residualOf(conv, add)), add as OpNode<unknown>);
  const y = tensorQuant(ctx.info(add.outputs[0]), add as OpNode<unknown>);
  const { m_a, m_b } = binaryMultipliers('add', v, r, y);
  return { zp: r.zeroPoint, zpY: y.zeroPoint, ...int8Range(asClamp(add.act) ?? { kind: 'none' }, y.scale, y.zeroPoint), mV: m_a, mR: m_b };
}

/**
 * A grouped conv: one im2col + GEMM layer per group over its channel slices, in place (the
 * kernels read and write with the whole tensors' pixel strides). No expansion to
 * block-diagonal weights: the MACs are the conv's own.
 */
function createGrouped(ctx: StepContext, node: OpNode<Conv2dAttrs>): () => void {
  const x = ctx.info(node.inputs[0]), y = ctx.info(node.outputs[0]);
  const [X, Y] = [ctx.x[0], ctx.y[0]];
  const g = groupsOf(node), C = x.shape[3], O = y.shape[3], cg = C / g, og = O / g;
  if (isBinaryNode(node as Node, ctx.info)) throw new BranchyUnsupportedError(`${where(node)}: binary weights in a grouped conv are not supported; use groups 1`);
  const geom = { ...windowGeometry(node.attrs, x), c: cg };
  const k = og * node.attrs.kernel[0] * node.attrs.kernel[1] * cg;
  const slice = <T extends Int8Array | Int32Array | Float32Array | Float32Array>(a: T | null, i: number, n: number): T | null => (a ? (a.subarray(i * n, (i + 1) * n) as T) : null);
  if (x.dtype === 'i8') {
    const q = int8Params(node, x, y, ctx.info(node.inputs[1]), O, ctx.graph.requantScale);
    const { qmin, qmax } = int8Range(ctx.clamp, q.out.scale, q.out.zeroPoint);
    const w = ctx.constant(node as Node, 1, Int8Array)!, b = ctx.constant(node as Node, 2, Int32Array);
    const layers = Array.from({ length: g }, (_, i) => prepareQs8Conv(ctx.mem, ctx.build, {
      geom, cOut: og, weights: slice(w, i, k)!, bias: slice(b, i, og), scale: q.scale.subarray(i * og, (i + 1) * og),
      zpIn: q.in.zeroPoint, zpOut: q.out.zeroPoint, qmin, qmax, allocScratch: false, xStride: C, yStride: O,
    }));
    const bytes = Math.max(...layers.map((l) => l.scratchBytes));
    const S = bytes ? ctx.scratch(bytes) : null;
    return () => {
      for (let i = 0; i < g; i++) runQs8Conv(ctx.mem, layers[i], X.ptr + i * cg, Y.ptr + i * og, S ? S.ptr : 0);
    };
  }
  const w = ctx.constant(node as Node, 1, Float32Array)!, b = ctx.constant(node as Node, 2, Float32Array);
  const layers = Array.from({ length: g }, (_, i) => prepareF32Conv(ctx.mem, ctx.build, {
    geom, outChannels: og, weights: slice(w, i, k)!, bias: slice(b, i, og), ...f32Range(ctx.clamp), xStride: C, yStride: O,
  }));
  return () => {
    for (let i = 0; i < g; i++) runF32Conv(ctx.mem, layers[i], X.ptr + 4 * i * cg, Y.ptr + 4 * i * og);
  };
}
