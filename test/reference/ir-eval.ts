// Reference evaluator of the IR in f32, NHWC, written from the ONNX operator definitions
// (Conv, MaxPool, AveragePool, Gemm, Softmax...), not from any kernel. Slow and plain on
// purpose: it is the oracle the importer and the executor are checked against.
import type { Activation, Graph, Node, TensorInfo, Weights, Window } from '../../src/ir/types.js';
import { binaryLayerRef, bitpackRef, clampOf, isBinaryRef, realWeights, unpackB1 } from './b1-graph.js';
import type { RefOut } from './b1.js';
import { applyAct as applyDef } from '../../src/ir/activations.js';
import { broadcastRef, qs8BinaryRef, sourceIndex, type BinaryOpName } from './broadcast.js';
import { qs8ActRef, qs8PreluRef } from './activation.js';
import { qs8MulChannelRef } from './eltwise.js';
import { concatRef, padRef, qs8ResizeLinearRef, reduceRef, resizeRef, sliceRef, softmaxRef, transposeRef } from './move.js';

export type Values = Map<string, Float32Array>;

const f32 = Math.fround;

export function applyAct(x: number, a: Activation | undefined): number {
  return a ? applyDef(x, a) : x;
}

/** One spatial window op: calls visit(ih, iw) for every in-bounds tap, counts padded taps. */
function windowOut(size: number, k: number, s: number, d: number, p0: number, p1: number, ceil: boolean): number {
  const span = size + p0 + p1 - d * (k - 1) - 1;
  let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (o - 1) * s >= size + p0) o--;
  return o;
}

function conv(x: Float32Array, xs: number[], w: Float32Array, b: Float32Array | undefined, win: Window,
  outC: number, depthwise: number /* 0: full; m: multiplier */, groups = 1): [Float32Array, number[]] {
  const [N, H, W, C] = xs;
  const [KH, KW] = win.kernel;
  const OH = windowOut(H, KH, win.strides[0], win.dilations[0], win.pads[0], win.pads[2], false);
  const OW = windowOut(W, KW, win.strides[1], win.dilations[1], win.pads[1], win.pads[3], false);
  const y = new Float32Array(N * OH * OW * outC);
  for (let n = 0; n < N; n++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) for (let o = 0; o < outC; o++) {
    let acc = b ? b[o] : 0;
    for (let kh = 0; kh < KH; kh++) {
      const ih = oh * win.strides[0] - win.pads[0] + kh * win.dilations[0];
      if (ih < 0 || ih >= H) continue;
      for (let kw = 0; kw < KW; kw++) {
        const iw = ow * win.strides[1] - win.pads[1] + kw * win.dilations[1];
        if (iw < 0 || iw >= W) continue;
        const base = ((n * H + ih) * W + iw) * C;
        if (depthwise) acc += x[base + Math.floor(o / depthwise)] * w[(kh * KW + kw) * outC + o];
        else {
          // ONNX Conv's group: output o reads the C/groups input channels of group floor(o / (outC/groups)).
          const cg = C / groups, g0 = Math.floor(o / (outC / groups)) * cg;
          for (let i = 0; i < cg; i++) acc += x[base + g0 + i] * w[((o * KH + kh) * KW + kw) * cg + i];
        }
      }
    }
    y[((n * OH + oh) * OW + ow) * outC + o] = acc;
  }
  return [y, [N, OH, OW, outC]];
}

function pool(x: Float32Array, xs: number[], a: Window & { ceilMode: boolean; countIncludePad?: boolean }, max: boolean): [Float32Array, number[]] {
  const [N, H, W, C] = xs;
  const [KH, KW] = a.kernel;
  const [sh, sw] = a.strides, [dh, dw] = a.dilations;
  const OH = windowOut(H, KH, sh, dh, a.pads[0], a.pads[2], a.ceilMode);
  const OW = windowOut(W, KW, sw, dw, a.pads[1], a.pads[3], a.ceilMode);
  const y = new Float32Array(N * OH * OW * C);
  for (let n = 0; n < N; n++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) for (let c = 0; c < C; c++) {
    let acc = max ? -Infinity : 0, count = 0, padded = 0;
    for (let kh = 0; kh < KH; kh++) {
      const ih = oh * sh - a.pads[0] + kh * dh;
      for (let kw = 0; kw < KW; kw++) {
        const iw = ow * sw - a.pads[1] + kw * dw;
        if (ih < 0 || ih >= H || iw < 0 || iw >= W) {
          // A tap in the explicit padding (not in the ceil-mode overhang) counts with count_include_pad.
          if (ih >= -a.pads[0] && ih < H + a.pads[2] && iw >= -a.pads[1] && iw < W + a.pads[3]) padded++;
          continue;
        }
        const v = x[((n * H + ih) * W + iw) * C + c];
        if (max) acc = Math.max(acc, v);
        else acc += v;
        count++;
      }
    }
    y[((n * OH + oh) * OW + ow) * C + c] = max ? acc : acc / (a.countIncludePad ? count + padded : count);
  }
  return [y, [N, OH, OW, C]];
}

const BINARY: Record<BinaryOpName, (a: number, b: number) => number> = {
  add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b, max: Math.max, min: Math.min,
};

/** Runs the graph on `inputs` (IR layout: NHWC) and returns every computed tensor. */
export function evalGraph(graph: Graph, weights: Weights, inputs: Record<string, Float32Array>): Values {
  const info = new Map<string, TensorInfo>(graph.tensors.map((t) => [t.name, t]));
  const vals: Values = new Map();
  for (const [k, v] of weights) vals.set(k, Float32Array.from(v));
  for (const [k, v] of Object.entries(inputs)) vals.set(k, v);
  const get = (n: string): Float32Array => {
    const v = vals.get(n);
    if (!v) throw new Error(`ir-eval: no value for '${n}'`);
    return v;
  };
  const shapeOf = (n: string): number[] => info.get(n)!.shape;
  for (const node of graph.nodes) {
    const [y, ys] = evalNode(node, node.inputs.map(get), node.inputs.map(shapeOf), get);
    const want = shapeOf(node.outputs[0]);
    if (ys.join() !== want.join()) throw new Error(`ir-eval: ${node.name} made [${ys}] but the graph says [${want}]`);
    vals.set(node.outputs[0], node.act ? y.map((v) => applyAct(v, node.act)) : y);
  }
  return vals;
}

function evalNode(node: Node, ins: Float32Array[], shapes: number[][], _get: (n: string) => Float32Array): [Float32Array, number[]] {
  const x = ins[0], xs = shapes[0];
  switch (node.op) {
    case 'conv2d': return conv(x, xs, ins[1], ins[2], node.attrs, shapes[1][0], 0, node.attrs.groups ?? 1);
    case 'dwconv2d': return conv(x, xs, ins[1], ins[2], node.attrs, shapes[1][2], node.attrs.multiplier);
    case 'convtranspose2d': {
      const [y, ys] = convTranspose(x, xs, ins[1], ins[2], node.attrs, shapes[1][0]);
      return [Float32Array.from(y), ys];
    }
    case 'gemm': {
      const [M, K] = xs, N = shapes[1][0];
      const y = new Float32Array(M * N);
      for (let m = 0; m < M; m++) for (let n = 0; n < N; n++) {
        let acc = ins[2] ? ins[2][n] : 0;
        for (let k = 0; k < K; k++) acc += x[m * K + k] * ins[1][n * K + k];
        y[m * N + n] = acc;
      }
      return [y, [M, N]];
    }
    case 'maxpool': return pool(x, xs, node.attrs, true);
    case 'avgpool': return pool(x, xs, node.attrs, false);
    case 'globalavgpool': {
      const [N, H, W, C] = xs;
      const y = new Float32Array(N * C);
      for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) {
        let s = 0;
        for (let i = 0; i < H * W; i++) s += x[(n * H * W + i) * C + c];
        y[n * C + c] = s / (H * W);
      }
      return [y, [N, 1, 1, C]];
    }
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
    case 'max':
    case 'min': {
      const ys = broadcastRef(xs, shapes[1]);
      const ia = sourceIndex(ys, xs), ib = sourceIndex(ys, shapes[1]);
      return [Float32Array.from(ia, (_, i) => BINARY[node.op as BinaryOpName](x[ia[i]], ins[1][ib[i]])), ys];
    }
    case 'prelu': {
      const s = ins[1], C = xs[xs.length - 1];
      return [x.map((v, i) => (v < 0 ? v * s[s.length === 1 ? 0 : i % C] : v)), xs.slice()];
    }
    case 'concat': {
      const r = concatRef(ins, shapes, node.attrs.axis === undefined ? xs.length - 1 : (node.attrs.axis + xs.length) % xs.length);
      return [r.y, r.shape];
    }
    case 'reshape': return [x.slice(), node.attrs.shape.slice()];
    case 'flatten': {
      const N = xs[0], K = x.length / N;
      if (node.attrs.order === 'nhwc' || xs.length !== 4) return [x.slice(), [N, K]];
      const [, H, W, C] = xs;
      const y = new Float32Array(x.length);
      for (let n = 0; n < N; n++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) for (let c = 0; c < C; c++) {
        y[n * K + (c * H + h) * W + w] = x[n * K + (h * W + w) * C + c];
      }
      return [y, [N, K]];
    }
    case 'softmax': return [softmaxRef(x, xs, node.attrs.axis === undefined ? xs.length - 1 : (node.attrs.axis + xs.length) % xs.length), xs.slice()];
    case 'transpose': {
      const r = transposeRef(x, node.attrs.view ?? xs, node.attrs.perm);
      return [r.y, node.attrs.shape ?? r.shape];
    }
    case 'slice': {
      // The IR's resolved ends (-1: before the first element) in ONNX's terms.
      const a = node.attrs, r = sliceRef(x, xs, a.starts, a.ends.map((e, i) => (e < 0 ? e - xs[i] : e)), xs.map((_, i) => i), a.steps);
      return [r.y, r.shape];
    }
    case 'pad': {
      const r = padRef(x, xs, node.attrs.pads, node.attrs.mode, node.attrs.value);
      return [r.y, r.shape];
    }
    case 'reduce': {
      const r = reduceRef(x, xs, node.attrs.axes, node.attrs.keepdims, node.attrs.kind);
      return [Float32Array.from(r.y), r.shape];
    }
    case 'resize': {
      const a = node.attrs, ys = [xs[0], a.size[0], a.size[1], xs[3]];
      return [Float32Array.from(resizeRef(x, xs, ys, [1, a.scales[0], a.scales[1], 1], a.mode, a.coord, a.nearest)), ys];
    }
    case 'activation': return [x.slice(), xs.slice()];
    case 'quantize':
    case 'dequantize':
    case 'requantize':
      throw new Error(`ir-eval: ${node.op} is evaluated by the quantized reference, not here`);
  }
}

/** NCHW -> NHWC for a rank-4 array. */
export function toNHWC(x: Float32Array, [N, C, H, W]: number[]): Float32Array {
  const y = new Float32Array(x.length);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
    y[((n * H + h) * W + w) * C + c] = x[((n * C + c) * H + h) * W + w];
  }
  return y;
}

/** NHWC -> NCHW for a rank-4 array given its NHWC shape. */
export function toNCHW(x: Float32Array, [N, H, W, C]: number[]): Float32Array {
  const y = new Float32Array(x.length);
  for (let n = 0; n < N; n++) for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
    y[((n * C + c) * H + h) * W + w] = x[((n * H + h) * W + w) * C + c];
  }
  return y;
}

// ---- int8 ---------------------------------------------------------------------------------
// The quantized reference (docs/ir.md, "int8"): exact integer accumulation, then DESIGN.md's
// fp32 requantization y = clamp(round_half_even(fround(fround(acc) * m)) + zp), with
// m = fround(s_in * s_w[c] / s_out) computed in double. Written from ONNX QLinearConv,
// QLinearMatMul, QuantizeLinear, DequantizeLinear and the QDQ meaning of the pools and Add;
// f32 nodes run as in evalGraph.

export type QValues = Map<string, Float32Array | Int8Array | Int32Array>;

const rhe = (x: number): number => {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
};
const clampI = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** QuantizeLinear of one float value (fp32 divide, round half to even, add zp, saturate). */
export function quantizeValue(x: number, scale: number, zp: number): number {
  return clampI(rhe(f32(f32(x) / f32(scale))) + zp, -128, 127);
}

/** The clamp of a fused activation in the output's quantized domain (none: -128..127). */
export function actRangeQ(a: Activation | undefined, scale: number, zp: number): [number, number] {
  if (!a || a.kind === 'none') return [-128, 127];
  const lo = a.kind === 'clip' ? a.min! : 0;
  const hi = a.kind === 'relu6' ? 6 : a.kind === 'clip' ? a.max! : Infinity;
  const q = (v: number): number => (v === Infinity ? 127 : v <= -3.4e38 ? -128 : quantizeValue(v, scale, zp));
  if (a.kind !== 'relu' && a.kind !== 'relu6' && a.kind !== 'clip') throw new Error(`ir-eval: activation ${a.kind} has no int8 form`);
  return [q(lo), q(hi)];
}

function requant(acc: number, m: number, zp: number, lo: number, hi: number): number {
  return clampI(rhe(f32(f32(acc) * m)) + zp, lo, hi);
}

type TQ = { scale: number; zeroPoint: number };
const tq = (t: TensorInfo, what: string): TQ => {
  if (t.quant?.kind !== 'tensor') throw new Error(`ir-eval: ${what} '${t.name}' needs per-tensor quantization`);
  return t.quant;
};

/**
 * Runs a graph with int8 tensors. Inputs are f32 (IR layout); i8 tensors are Int8Array,
 * f32 tensors Float32Array. Returns every tensor.
 */
export function evalQuantGraph(graph: Graph, weights: Weights, inputs: Record<string, Float32Array>): QValues {
  const info = new Map<string, TensorInfo>(graph.tensors.map((t) => [t.name, t]));
  const vals: QValues = new Map();
  for (const [k, v] of weights) {
    const t = info.get(k);
    if (t?.dtype === 'b1') vals.set(k, unpackB1(v as Uint8Array, t.shape));
    else vals.set(k, t?.dtype === 'f32' ? Float32Array.from(v) : (v as Int8Array | Int32Array));
  }
  for (const [k, v] of Object.entries(inputs)) vals.set(k, v);
  const get = (n: string) => {
    const v = vals.get(n);
    if (!v) throw new Error(`ir-eval: no value for '${n}'`);
    return v;
  };
  for (const node of graph.nodes) {
    const outT = info.get(node.outputs[0])!;
    const ins = node.inputs.map((n) => info.get(n)!);
    const x = get(node.inputs[0]);
    let y: Float32Array | Int8Array;
    if (node.op === 'quantize') {
      const q = tq(outT, 'quantize output');
      y = Int8Array.from(x as Float32Array, (v) => quantizeValue(v, q.scale, q.zeroPoint));
    } else if (node.op === 'dequantize') {
      const q = tq(ins[0], 'dequantize input');
      y = Float32Array.from(x as Int8Array, (v) => f32((v - q.zeroPoint) * f32(q.scale)));
    } else if (node.op === 'requantize') {
      const qi = tq(ins[0], 'requantize input'), qo = tq(outT, 'requantize output');
      const m = f32(qi.scale / qo.scale);
      y = Int8Array.from(x as Int8Array, (v) => requant(v - qi.zeroPoint, m, qo.zeroPoint, -128, 127));
    } else if (isBinaryRef(node, (n) => info.get(n)!)) {
      y = evalBinary(node, ins, outT, node.inputs.map(get));
    } else if (outT.dtype === 'i8') {
      y = evalI8(node, ins, outT, node.inputs.map(get));
    } else {
      if (ins.some((t) => t.dtype !== 'f32')) throw new Error(`ir-eval: f32 node '${node.name}' reads a ${ins.find((t) => t.dtype !== 'f32')!.dtype} tensor`);
      const [v] = evalNode(node, node.inputs.map(get) as Float32Array[], ins.map((t) => t.shape), () => new Float32Array());
      y = node.act ? v.map((e) => applyAct(e, node.act)) : v;
    }
    if (y.length !== outT.shape.reduce((a, b) => a * b, 1)) throw new Error(`ir-eval: ${node.name} made ${y.length} values for [${outT.shape}]`);
    vals.set(node.outputs[0], y);
  }
  return vals;
}

/** Binary layers (b1-graph.ts); an f32 input reads the real weights alpha * (+-1) in a float conv / gemm. */
function evalBinary(node: Node, ins: TensorInfo[], outT: TensorInfo, vs: (Float32Array | Int8Array | Int32Array)[]): Float32Array | Int8Array {
  const xt = ins[0];
  if (node.op === 'bitpack') return bitpackRef(vs[0] as Float32Array | Int8Array, xt);
  // Reshapes of +-1 values keep their order (a flatten in C,H,W order of a 1x1 image too).
  if (node.op === 'reshape' || node.op === 'flatten') return (vs[0] as Int8Array).slice();
  const w = vs[1] as Int8Array, bias = vs[2] as Float32Array | undefined;
  if (xt.dtype === 'f32') {
    const [v] = evalNode(node, [vs[0] as Float32Array, realWeights(w, ins[1]), ...(bias ? [bias] : [])], ins.map((t) => t.shape), () => new Float32Array());
    return node.act ? v.map((e) => applyAct(e, node.act)) : v;
  }
  const clamp = clampOf(node.act);
  let out: RefOut;
  if (outT.dtype === 'b1') out = { kind: 'bits' };
  else if (outT.dtype === 'i8') {
    const q = tq(outT, 'output');
    const [lo, hi] = actRangeQ(node.act, q.scale, q.zeroPoint);
    out = { kind: 'int8', scale: q.scale, zeroPoint: q.zeroPoint, qmin: lo, qmax: hi };
  } else out = { kind: 'f32', min: clamp ? clamp[0] : -Infinity, max: clamp ? clamp[1] : Infinity };
  const y = binaryLayerRef(node, vs[0] as Int8Array, xt, w, ins[1], bias, out);
  return outT.dtype === 'f32' && !clamp ? (y as Float32Array).map((e) => applyAct(e, node.act)) : y;
}

function evalI8(node: Node, ins: TensorInfo[], outT: TensorInfo, vs: (Float32Array | Int8Array | Int32Array)[]): Int8Array {
  const qo = tq(outT, 'output');
  const x = vs[0] as Int8Array, xs = ins[0].shape;
  if (ins[0].dtype !== 'i8') throw new Error(`ir-eval: int8 node '${node.name}' reads ${ins[0].dtype} '${ins[0].name}'`);
  const qi = tq(ins[0], 'input');
  switch (node.op) {
    case 'conv2d':
    case 'dwconv2d':
    case 'convtranspose2d':
    case 'gemm': {
      const w = vs[1] as Int8Array, wt = ins[1];
      if (wt.dtype !== 'i8' || wt.quant?.kind !== 'channel') throw new Error(`ir-eval: '${node.name}' needs int8 per-channel weights`);
      const b = vs[2] as Int32Array | undefined;
      if (b && ins[2].dtype !== 'i32') throw new Error(`ir-eval: '${node.name}' needs an i32 bias`);
      const O = node.op === 'dwconv2d' ? wt.shape[2] : wt.shape[0];
      const sw = wt.quant.scales;
      const m = Array.from({ length: O }, (_, c) => f32((qi.scale * sw[sw.length === 1 ? 0 : c]) / qo.scale));
      const [lo, hi] = actRangeQ(node.act, qo.scale, qo.zeroPoint);
      const xc = Float32Array.from(x, (v) => v - qi.zeroPoint); // exact small integers
      const wf = Float32Array.from(w);
      // Integer sums of products below 2^24 per term are exact in doubles; accumulate in JS numbers.
      let acc: Float64Array, shape: number[];
      if (node.op === 'convtranspose2d') {
        [acc, shape] = convTranspose(xc, xs, wf, b, node.attrs, O);
      } else if (node.op === 'gemm') {
        const [M, K] = xs;
        acc = new Float64Array(M * O);
        for (let i = 0; i < M; i++) for (let n = 0; n < O; n++) {
          let s = b ? b[n] : 0;
          for (let k = 0; k < K; k++) s += xc[i * K + k] * wf[n * K + k];
          acc[i * O + n] = s;
        }
        shape = [M, O];
      } else {
        const r = convI(xc, xs, wf, b, node.attrs as Window, O, node.op === 'dwconv2d' ? (node.attrs as { multiplier: number }).multiplier : 0, (node.attrs as { groups?: number }).groups ?? 1);
        acc = r[0];
        shape = r[1];
      }
      if (shape.join() !== outT.shape.join()) throw new Error(`ir-eval: ${node.name} made [${shape}] but the graph says [${outT.shape}]`);
      return Int8Array.from(acc, (a, i) => requant(a, m[i % O], qo.zeroPoint, lo, hi));
    }
    case 'maxpool': {
      if (qi.scale !== qo.scale || qi.zeroPoint !== qo.zeroPoint) throw new Error(`ir-eval: int8 maxpool '${node.name}' must keep its input's quantization`);
      const [y] = pool(Float32Array.from(x), xs, node.attrs, true);
      return Int8Array.from(y);
    }
    case 'avgpool':
    case 'globalavgpool': {
      // acc = sum over counted taps of (x - zp_in); a padded tap counts as zp_in (contributes 0).
      const a = node.op === 'avgpool' ? node.attrs : {
        kernel: [xs[1], xs[2]] as [number, number], strides: [1, 1] as [number, number], dilations: [1, 1] as [number, number],
        pads: [0, 0, 0, 0] as [number, number, number, number], ceilMode: false, countIncludePad: false,
      };
      const [N, H, W, C] = xs;
      const [KH, KW] = a.kernel;
      const OH = windowOut(H, KH, a.strides[0], a.dilations[0], a.pads[0], a.pads[2], a.ceilMode);
      const OW = windowOut(W, KW, a.strides[1], a.dilations[1], a.pads[1], a.pads[3], a.ceilMode);
      const y = new Int8Array(N * OH * OW * C);
      for (let n = 0; n < N; n++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) for (let c = 0; c < C; c++) {
        let acc = 0, count = 0, padded = 0;
        for (let kh = 0; kh < KH; kh++) for (let kw = 0; kw < KW; kw++) {
          const ih = oh * a.strides[0] - a.pads[0] + kh * a.dilations[0], iw = ow * a.strides[1] - a.pads[1] + kw * a.dilations[1];
          if (ih < 0 || ih >= H || iw < 0 || iw >= W) {
            if (ih >= -a.pads[0] && ih < H + a.pads[2] && iw >= -a.pads[1] && iw < W + a.pads[3]) padded++;
            continue;
          }
          acc += x[((n * H + ih) * W + iw) * C + c] - qi.zeroPoint;
          count++;
        }
        const k = a.countIncludePad ? count + padded : count;
        if ((a as { rounding?: string }).rounding === 'half_away') {
          // TFLite's: the raw values' sum (a counted pad reads zp) / k, rounded half away from zero.
          const raw = acc + k * qi.zeroPoint, q = k ? Math.trunc((raw > 0 ? raw + (k >> 1) : raw - (k >> 1)) / k) : qi.zeroPoint;
          y[((n * OH + oh) * OW + ow) * C + c] = Math.max(-128, Math.min(127, q));
          continue;
        }
        y[((n * OH + oh) * OW + ow) * C + c] = requant(acc, f32(qi.scale / (qo.scale * k)), qo.zeroPoint, -128, 127);
      }
      return y;
    }
    case 'add':
    case 'sub':
    case 'mul':
    case 'div':
    case 'max':
    case 'min': {
      const [lo, hi] = actRangeQ(node.act, qo.scale, qo.zeroPoint);
      if (ins[1].constant) {
        // By a per-channel (or scalar) f32 constant: mul scales, add shifts each channel.
        const C = xs[xs.length - 1], k = vs[1] as Float32Array;
        const v = Float32Array.from({ length: C }, (_, c) => k[k.length === 1 ? 0 : c]);
        const mul = node.op === 'mul';
        return qs8MulChannelRef(x, x.length / C, C, mul ? v : new Float32Array(C).fill(1), mul ? null : v, qi, qo, lo, hi);
      }
      return qs8BinaryRef(node.op, x, xs, qi, vs[1] as Int8Array, ins[1].shape, tq(ins[1], 'input b'), qo, lo, hi);
    }
    case 'activation':
      return qs8ActRef(x, node.act!, qi, qo);
    case 'prelu':
      return qs8PreluRef(x, xs[xs.length - 1], vs[1] as Float32Array, qi, qo);
    case 'concat':
    case 'reshape':
    case 'flatten':
    case 'transpose':
    case 'slice':
    case 'pad': {
      for (const t of ins) {
        const q = tq(t, 'input');
        if (q.scale !== qo.scale || q.zeroPoint !== qo.zeroPoint) throw new Error(`ir-eval: int8 ${node.op} '${node.name}': input '${t.name}' has another quantization than the output`);
      }
      // Pad's constant is its value quantized with the tensor's scale and zero point.
      const n = node.op === 'pad' ? { ...node, attrs: { ...node.attrs, value: quantizeValue(node.attrs.value, qi.scale, qi.zeroPoint) } } : node;
      const [y] = evalNode(n, vs.map((v) => Float32Array.from(v)), ins.map((t) => t.shape), () => new Float32Array());
      return Int8Array.from(y);
    }
    case 'reduce': {
      // The average pools' rule: acc = sum of (x - zp_in), or max - zp_in; m = s_in / (s_out * k).
      const a = node.attrs, k = a.kind === 'mean' ? a.axes.reduce((p, i) => p * xs[i], 1) : 1;
      const acc = reduceRef(Float32Array.from(x, (v) => v - qi.zeroPoint), xs, a.axes, a.keepdims, a.kind === 'max' ? 'max' : 'sum').y;
      return Int8Array.from(acc, (v) => requant(v, f32(qi.scale / (qo.scale * k)), qo.zeroPoint, -128, 127));
    }
    case 'resize': {
      const a = node.attrs, [N, H, W, C] = xs, per = H * W * C, out = a.size[0] * a.size[1] * C;
      const y = new Int8Array(N * out);
      for (let b = 0; b < N; b++) {
        const xb = x.subarray(b * per, (b + 1) * per);
        y.set(a.mode === 'linear'
          ? qs8ResizeLinearRef(xb, [H, W, C], a.size, a.scales, a.coord, qi, qo)
          : Int8Array.from(resizeRef(xb, [H, W, C], [a.size[0], a.size[1], C], [a.scales[0], a.scales[1], 1], 'nearest', a.coord, a.nearest),
            (v) => (qi.scale === qo.scale && qi.zeroPoint === qo.zeroPoint ? v : requant(v - qi.zeroPoint, f32(qi.scale / qo.scale), qo.zeroPoint, -128, 127))), b * out);
      }
      return y;
    }
    default:
      throw new Error(`ir-eval: ${node.op} has no int8 form`);
  }
}

/** Integer convolution on zero-point-corrected inputs; exact in doubles. */
/**
 * ONNX ConvTranspose (NHWC, weights [O][KH][KW][C/groups]), by its definition: every input
 * pixel scatters x * w into output (iy*s - pad + ky*d, ix*s - pad + kx*d); sums in doubles.
 */
function convTranspose(x: ArrayLike<number>, xs: number[], w: ArrayLike<number>, b: ArrayLike<number> | undefined,
  a: Window & { outputPadding: [number, number]; groups?: number }, outC: number): [Float64Array, number[]] {
  const [N, H, W, C] = xs;
  const [KH, KW] = a.kernel, [SH, SW] = a.strides, [DH, DW] = a.dilations;
  const OH = (H - 1) * SH - a.pads[0] - a.pads[2] + DH * (KH - 1) + 1 + a.outputPadding[0];
  const OW = (W - 1) * SW - a.pads[1] - a.pads[3] + DW * (KW - 1) + 1 + a.outputPadding[1];
  const G = a.groups ?? 1, cg = C / G, og = outC / G;
  const y = new Float64Array(N * OH * OW * outC);
  for (let n = 0; n < N; n++) for (let oy = 0; oy < OH; oy++) for (let ox = 0; ox < OW; ox++) for (let o = 0; o < outC; o++) {
    y[((n * OH + oy) * OW + ox) * outC + o] = b ? b[o] : 0;
  }
  for (let n = 0; n < N; n++) for (let iy = 0; iy < H; iy++) for (let ix = 0; ix < W; ix++) for (let o = 0; o < outC; o++) {
    const g0 = Math.floor(o / og) * cg;
    for (let ky = 0; ky < KH; ky++) {
      const oy = iy * SH - a.pads[0] + ky * DH;
      if (oy < 0 || oy >= OH) continue;
      for (let kx = 0; kx < KW; kx++) {
        const ox = ix * SW - a.pads[1] + kx * DW;
        if (ox < 0 || ox >= OW) continue;
        let acc = 0;
        for (let c = 0; c < cg; c++) acc += x[((n * H + iy) * W + ix) * C + g0 + c] * w[((o * KH + ky) * KW + kx) * cg + c];
        y[((n * OH + oy) * OW + ox) * outC + o] += acc;
      }
    }
  }
  return [y, [N, OH, OW, outC]];
}

function convI(x: Float32Array, xs: number[], w: Float32Array, b: Int32Array | undefined, win: Window, outC: number, depthwise: number, groups = 1): [Float64Array, number[]] {
  const [N, H, W, C] = xs;
  const [KH, KW] = win.kernel;
  const OH = windowOut(H, KH, win.strides[0], win.dilations[0], win.pads[0], win.pads[2], false);
  const OW = windowOut(W, KW, win.strides[1], win.dilations[1], win.pads[1], win.pads[3], false);
  const y = new Float64Array(N * OH * OW * outC);
  for (let n = 0; n < N; n++) for (let oh = 0; oh < OH; oh++) for (let ow = 0; ow < OW; ow++) for (let o = 0; o < outC; o++) {
    let acc = b ? b[o] : 0;
    for (let kh = 0; kh < KH; kh++) {
      const ih = oh * win.strides[0] - win.pads[0] + kh * win.dilations[0];
      if (ih < 0 || ih >= H) continue;
      for (let kw = 0; kw < KW; kw++) {
        const iw = ow * win.strides[1] - win.pads[1] + kw * win.dilations[1];
        if (iw < 0 || iw >= W) continue;
        const base = ((n * H + ih) * W + iw) * C;
        if (depthwise) acc += x[base + Math.floor(o / depthwise)] * w[(kh * KW + kw) * outC + o];
        else {
          // ONNX Conv's group: output o reads the C/groups input channels of group floor(o / (outC/groups)).
          const cg = C / groups, g0 = Math.floor(o / (outC / groups)) * cg;
          for (let i = 0; i < cg; i++) acc += x[base + g0 + i] * w[((o * KH + kh) * KW + kw) * cg + i];
        }
      }
    }
    y[((n * OH + oh) * OW + ow) * outC + o] = acc;
  }
  return [y, [N, OH, OW, outC]];
}
