// convtranspose2d: [x NHWC, w [O][KH][KW][C/groups], b? [O]] -> [N, OH, OW, O], ONNX's
// ConvTranspose: every input pixel (iy, ix) adds x * w[o][ky][kx] to output
// (iy*sh - pt + ky, ix*sw - pl + kx); OH = (H - 1)*sh - pt - pb + KH + outputPadding[0].
// Dilation 1. With `groups` g, output channels o*O/g.. read input channels o*C/g.. (depthwise:
// g = C).
//
// It runs as sh*sw ordinary convolutions, one per output phase (XNNPACK's subconvolutions): the
// outputs oy with (oy + pt) % sh = r take the taps ky = r, r + sh, ... of input rows
// (oy + pt - ky) / sh, a stride-1 correlation with those taps reversed. Each phase writes every
// sh-th row and sw-th column of the output in place (the conv kernels' y_stride and
// y_row_stride), so the MACs are the transposed conv's own and nothing is copied.
import { BranchyUnsupportedError } from '../../errors.js';
import type { Node, TensorInfo, Window } from '../types.js';
import { prepareQs8Conv, runQs8Conv, type Qs8ConvLayer } from '../../runtime/ops/qs8-conv.js';
import { prepareF32Conv, runF32Conv, type F32ConvLayer } from '../../runtime/ops/f32-conv.js';
import { f32Range, int8Range } from '../../runtime/ops/activation.js';
import { roundHalfEven } from '../numerics.js';
import { checkBias, checkWindow, fail, fmt, intTuple, isInt, numel, rank, where, type OpDef, type OpNode, type StepContext } from './def.js';
import { denseDTypes } from './dense.js';
import { int8Params } from './quant-params.js';

export interface Convtranspose2dAttrs extends Window {
  /** Extra rows and columns at the bottom and right of the output (ONNX output_padding). */
  outputPadding: [number, number];
  /** Channel groups (default 1). */
  groups?: number;
}

const groupsOf = (node: OpNode<Convtranspose2dAttrs>): number => node.attrs.groups ?? 1;

/** Output size along one axis (ONNX ConvTranspose with dilation d). */
export const deconvOut = (size: number, k: number, s: number, d: number, p0: number, p1: number, op: number): number =>
  (size - 1) * s - p0 - p1 + d * (k - 1) + 1 + op;

export const convtranspose2d: OpDef<Convtranspose2dAttrs> = {
  inputs: [2, 3],
  fusesActivation: true,
  int8: 'requantize',
  int8When: 'weights',
  check(node) {
    checkWindow(node);
    const a = node.attrs;
    intTuple(node, a as unknown as Record<string, unknown>, 'outputPadding', 2, 0, 2 ** 24);
    if (a.groups !== undefined && !isInt(a.groups, 1)) fail(node, 'attrs.groups must be an integer >= 1');
    if (a.dilations[0] !== 1 || a.dilations[1] !== 1) {
      throw new BranchyUnsupportedError(`${where(node)}: transposed convolution with dilations ${fmt(a.dilations)} is not supported; use dilation 1`);
    }
    if (a.strides[0] > a.kernel[0] || a.strides[1] > a.kernel[1]) {
      throw new BranchyUnsupportedError(`${where(node)}: stride ${fmt(a.strides)} larger than the kernel ${fmt(a.kernel)} leaves output pixels no tap reaches; not supported`);
    }
    if (a.outputPadding[0] >= Math.max(a.strides[0], a.dilations[0]) || a.outputPadding[1] >= Math.max(a.strides[1], a.dilations[1])) {
      fail(node, `outputPadding ${fmt(a.outputPadding)} must be smaller than the stride or the dilation (ONNX)`);
    }
  },
  infer(node, ins) {
    const [x, w] = ins;
    rank(node, x, 4, 'input');
    rank(node, w, 4, 'weights');
    const a = node.attrs, g = groupsOf(node);
    const [O, KH, KW, I] = w.shape;
    if (KH !== a.kernel[0] || KW !== a.kernel[1]) fail(node, `weights ${fmt(w.shape)} disagree with kernel ${fmt(a.kernel)}`);
    if (I * g !== x.shape[3]) fail(node, `weights expect ${I} input channels${g > 1 ? ` per group (${g} groups)` : ''}, input has ${x.shape[3]}`);
    if (O % g !== 0) fail(node, `${O} output channels do not split into ${g} groups`);
    checkBias(node, ins, O);
    const oh = deconvOut(x.shape[1], KH, a.strides[0], a.dilations[0], a.pads[0], a.pads[2], a.outputPadding[0]);
    const ow = deconvOut(x.shape[2], KW, a.strides[1], a.dilations[1], a.pads[1], a.pads[3], a.outputPadding[1]);
    if (oh < 1 || ow < 1) fail(node, `output ${oh}x${ow} is empty (pads ${fmt(a.pads)} remove more than the window adds)`);
    return [[x.shape[0], oh, ow, O]];
  },
  dtypes: denseDTypes,
  macs: (node, [x, w]) => numel(x.shape.slice(1)) * node.attrs.kernel[0] * node.attrs.kernel[1] * (w.shape[0] / groupsOf(node)),
  create(ctx, node) {
    return createPhases(ctx, node);
  },
};

/** One phase along one axis: which taps, which outputs, which input rows, as a stride-1 conv. */
interface AxisPhase {
  /** Taps ky = r, r + s, ... (count nj), reversed in the sub-kernel. */
  r: number;
  nj: number;
  /** First output of the phase (o0 = q0 * s + r - pad) and their count. */
  o0: number;
  count: number;
  /** The stride-1 conv: input offset, rows, top and bottom padding. */
  start: number;
  len: number;
  padBegin: number;
  padEnd: number;
}

function axisPhases(size: number, k: number, s: number, pad: number, out: number): AxisPhase[] {
  const phases: AxisPhase[] = [];
  for (let r = 0; r < s; r++) {
    const nj = Math.ceil((k - r) / s);
    const qa = Math.ceil((pad - r) / s), qb = Math.floor((out - 1 + pad - r) / s);
    const count = qb - qa + 1;
    if (count <= 0 || nj <= 0) continue;
    // out[q] = sum_t x[q - (nj - 1) + t] * sub[t]: a conv with padBegin nj-1-qa (or the input shifted).
    const p0 = nj - 1 - qa;
    const start = Math.max(0, -p0), padBegin = Math.max(0, p0);
    let len = Math.min(size - start, qa + count - start);
    if (len < 1) {
      // Every tap of these outputs falls past the input (an output padding's rows): bias only.
      phases.push({ r, nj, o0: qa * s + r - pad, count, start: 0, len: 0, padBegin: 0, padEnd: 0 });
      continue;
    }
    let padEnd = count + nj - 1 - len - padBegin;
    if (padEnd < 0) (len += padEnd, (padEnd = 0));
    phases.push({ r, nj, o0: qa * s + r - pad, count, start, len, padBegin, padEnd });
  }
  return phases;
}

/** The sub-kernel of phase (py, px) of group g: [og][nj_y][nj_x][cg], taps reversed. */
function subKernel<T extends Int8Array | Float32Array>(w: T, py: AxisPhase, px: AxisPhase, s: [number, number], kh: number, kw: number, cg: number, o0: number, og: number): T {
  const out = new (w.constructor as new (n: number) => T)(og * py.nj * px.nj * cg);
  let i = 0;
  for (let o = o0; o < o0 + og; o++) {
    for (let ty = 0; ty < py.nj; ty++) {
      const ky = py.r + (py.nj - 1 - ty) * s[0];
      for (let tx = 0; tx < px.nj; tx++) {
        const kx = px.r + (px.nj - 1 - tx) * s[1];
        const base = ((o * kh + ky) * kw + kx) * cg;
        for (let c = 0; c < cg; c++) out[i++] = w[base + c];
      }
    }
  }
  return out;
}

function createPhases(ctx: StepContext, node: OpNode<Convtranspose2dAttrs>): () => void {
  const x: TensorInfo = ctx.info(node.inputs[0]), y = ctx.info(node.outputs[0]);
  const a = node.attrs, g = groupsOf(node);
  const [H, W, C] = [x.shape[1], x.shape[2], x.shape[3]];
  const [OH, OW, O] = [y.shape[1], y.shape[2], y.shape[3]];
  const cg = C / g, og = O / g;
  const s = a.strides;
  const rows = axisPhases(H, a.kernel[0], s[0], a.pads[0], OH), cols = axisPhases(W, a.kernel[1], s[1], a.pads[1], OW);
  const int8 = x.dtype === 'i8';
  const q = int8 ? int8Params(node, x, y, ctx.info(node.inputs[1]), O, ctx.graph.requantScale) : null;
  const range = q ? int8Range(ctx.clamp, q.out.scale, q.out.zeroPoint) : null;
  const w8 = int8 ? ctx.constant(node as Node, 1, Int8Array)! : null, b32 = int8 ? ctx.constant(node as Node, 2, Int32Array) : null;
  const wf = int8 ? null : ctx.constant(node as Node, 1, Float32Array)!, bf = int8 ? null : ctx.constant(node as Node, 2, Float32Array);
  const el = int8 ? 1 : 4;
  const calls: { layer: Qs8ConvLayer | F32ConvLayer; xOff: number; yOff: number }[] = [];
  // Outputs no input reaches (py or px reads no row): their value is the bias, per channel.
  const fills: { py: AxisPhase; px: AxisPhase }[] = [];
  for (let gi = 0; gi < g; gi++) {
    for (const py of rows) {
      for (const px of cols) {
        if (py.len === 0 || px.len === 0) {
          if (gi === 0) fills.push({ py, px });
          continue;
        }
        const geom = {
          n: 1, h: py.len, w: px.len, c: cg, kh: py.nj, kw: px.nj, pads: [py.padBegin, px.padBegin, py.padEnd, px.padEnd] as [number, number, number, number],
        };
        const strides = { xStride: C, xRowStride: W * C, yStride: s[1] * O, yRowStride: s[0] * OW * O };
        const layer = int8
          ? prepareQs8Conv(ctx.mem, ctx.build, {
            geom, cOut: og, weights: subKernel(w8!, py, px, s, a.kernel[0], a.kernel[1], cg, gi * og, og), bias: b32 ? b32.subarray(gi * og, (gi + 1) * og) : null,
            scale: q!.scale.subarray(gi * og, (gi + 1) * og), zpIn: q!.in.zeroPoint, zpOut: q!.out.zeroPoint, ...range!, allocScratch: false, ...strides,
          })
          : prepareF32Conv(ctx.mem, ctx.build, {
            geom, outChannels: og, weights: subKernel(wf!, py, px, s, a.kernel[0], a.kernel[1], cg, gi * og, og), bias: bf ? bf.subarray(gi * og, (gi + 1) * og) : null,
            ...f32Range(ctx.clamp), ...strides,
          });
        if (layer.geom.oh !== py.count || layer.geom.ow !== px.count) throw new Error(`internal: transposed conv phase makes ${layer.geom.oh}x${layer.geom.ow}, wants ${py.count}x${px.count}`);
        calls.push({ layer, xOff: ((py.start * W + px.start) * C + gi * cg) * el, yOff: ((py.o0 * OW + px.o0) * O + gi * og) * el });
      }
    }
  }
  const [X, Y] = [ctx.x[0], ctx.y[0]];
  const fill = fills.length ? biasFill(ctx, fills, { OW, O, s, int8, q, range, b32, bf }) : () => {};
  if (int8) {
    const bytes = Math.max(0, ...calls.map((c) => (c.layer as Qs8ConvLayer).scratchBytes));
    const S = bytes ? ctx.scratch(bytes) : null;
    return () => {
      for (const c of calls) runQs8Conv(ctx.mem, c.layer as Qs8ConvLayer, X.ptr + c.xOff, Y.ptr + c.yOff, S ? S.ptr : 0);
      fill(Y.ptr);
    };
  }
  return () => {
    for (const c of calls) runF32Conv(ctx.mem, c.layer as F32ConvLayer, X.ptr + c.xOff, Y.ptr + c.yOff);
    fill(Y.ptr);
  };
}

/**
 * Writes the bias-only outputs: int8 requant(bias) as the kernels compute it (f32 product with
 * the channel's multiplier, round half to even, zero point, clamp), f32 the clamped bias.
 */
function biasFill(
  ctx: StepContext, fills: { py: AxisPhase; px: AxisPhase }[],
  o: { OW: number; O: number; s: [number, number]; int8: boolean; q: ReturnType<typeof int8Params> | null; range: { qmin: number; qmax: number } | null; b32: Int32Array | null; bf: Float32Array | null },
): (y: number) => void {
  const vec = o.int8 ? new Int8Array(o.O) : new Float32Array(o.O);
  const { fmin, fmax } = f32Range(ctx.clamp);
  for (let c = 0; c < o.O; c++) {
    if (o.int8) {
      const v = roundHalfEven(Math.fround(Math.fround(o.b32 ? o.b32[c] : 0) * o.q!.scale[c])) + o.q!.out.zeroPoint;
      vec[c] = Math.min(o.range!.qmax, Math.max(o.range!.qmin, v));
    } else {
      vec[c] = Math.min(fmax, Math.max(fmin, o.bf ? o.bf[c] : 0));
    }
  }
  const el = o.int8 ? 1 : 4;
  const pixels: number[] = [];
  for (const { py, px } of fills) {
    for (let i = 0; i < py.count; i++) for (let j = 0; j < px.count; j++) pixels.push(((py.o0 + i * o.s[0]) * o.OW + px.o0 + j * o.s[1]) * o.O * el);
  }
  const bytes = new Uint8Array(vec.buffer);
  const end = Math.max(...pixels) + o.O * el;
  return (y) => {
    const out = ctx.mem.u8(y, end);
    for (const p of pixels) out.set(bytes, p);
  };
}
