// Reference evaluator of the IR in f32, NHWC, written from the ONNX operator definitions
// (Conv, MaxPool, AveragePool, Gemm, Softmax...), not from any kernel. Slow and plain on
// purpose: it is the oracle the importer and the executor are checked against.
import type { Activation, Graph, Node, TensorInfo, Weights, Window } from '../../src/ir/types.js';

export type Values = Map<string, Float32Array>;

const f32 = Math.fround;

export function applyAct(x: number, a: Activation | undefined): number {
  if (!a) return x;
  switch (a.kind) {
    case 'none': return x;
    case 'relu': return Math.max(0, x);
    case 'relu6': return Math.min(6, Math.max(0, x));
    case 'clip': return Math.min(a.max!, Math.max(a.min!, x));
    case 'leakyrelu': return x < 0 ? f32(a.alpha! * x) : x;
    case 'hardsigmoid': return Math.max(0, Math.min(1, f32(a.alpha! * x + a.beta!)));
    case 'hardswish': return f32(x * Math.max(0, Math.min(1, x / 6 + 0.5)));
    case 'sigmoid': return f32(1 / (1 + Math.exp(-x)));
  }
}

/** One spatial window op: calls visit(ih, iw) for every in-bounds tap, counts padded taps. */
function windowOut(size: number, k: number, s: number, d: number, p0: number, p1: number, ceil: boolean): number {
  const span = size + p0 + p1 - d * (k - 1) - 1;
  let o = (ceil ? Math.ceil(span / s) : Math.floor(span / s)) + 1;
  if (ceil && (o - 1) * s >= size + p0) o--;
  return o;
}

function conv(x: Float32Array, xs: number[], w: Float32Array, b: Float32Array | undefined, win: Window,
  outC: number, depthwise: number /* 0: full; m: multiplier */): [Float32Array, number[]] {
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
        else for (let i = 0; i < C; i++) acc += x[base + i] * w[((o * KH + kh) * KW + kw) * C + i];
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
    case 'conv2d': return conv(x, xs, ins[1], ins[2], node.attrs, shapes[1][0], 0);
    case 'dwconv2d': return conv(x, xs, ins[1], ins[2], node.attrs, shapes[1][2], node.attrs.multiplier);
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
    case 'mul': {
      const b = ins[1], C = xs[xs.length - 1];
      const pick = (i: number): number => (b.length === x.length ? b[i] : b.length === 1 ? b[0] : b[i % C]);
      return [x.map((v, i) => (node.op === 'add' ? v + pick(i) : v * pick(i))), xs.slice()];
    }
    case 'concat': {
      const outer = x.length / xs[xs.length - 1];
      const cs = shapes.map((s) => s[s.length - 1]);
      const C = cs.reduce((a, b) => a + b, 0);
      const y = new Float32Array(outer * C);
      for (let o = 0; o < outer; o++) {
        let off = 0;
        ins.forEach((t, k) => {
          y.set(t.subarray(o * cs[k], (o + 1) * cs[k]), o * C + off);
          off += cs[k];
        });
      }
      return [y, [...xs.slice(0, -1), C]];
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
    case 'softmax': {
      const C = xs[xs.length - 1];
      const y = new Float32Array(x.length);
      for (let o = 0; o < x.length; o += C) {
        let m = -Infinity;
        for (let c = 0; c < C; c++) m = Math.max(m, x[o + c]);
        let s = 0;
        for (let c = 0; c < C; c++) s += (y[o + c] = Math.exp(x[o + c] - m));
        for (let c = 0; c < C; c++) y[o + c] /= s;
      }
      return [y, xs.slice()];
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
