// A small ONNX -> TensorFlow.js builder for the float models the peer benchmark runs: it
// reads the ONNX graph and its initializers and runs the network with tfjs-core ops (NHWC,
// tfjs's own layout): Conv (group 1 or depthwise), Gemm / MatMul, Relu / Clip (fused into
// the producing conv or matmul where it is the only reader, as tfjs's converter does),
// MaxPool, AveragePool, GlobalAveragePool, Flatten, Add, Identity / Dropout. Weights move to
// tfjs layouts once: OIHW -> HWIO, depthwise [C,1,KH,KW] -> [KH,KW,C,1], and the columns of
// a Gemm that reads a flattened map to NHWC order. Anything else throws, naming the node.
import type * as TF from '@tensorflow/tfjs-core';
import type { onnx } from 'onnx-proto';
import { ONNX } from '../../src/convert/onnx/onnx-proto.js';
import { Attrs, decodeTensor } from '../../src/convert/onnx/proto.js';

type Tf = typeof TF;
type Act = 'linear' | 'relu' | 'relu6';

interface Value {
  tensor: TF.Tensor;
  /** A flattened NHWC map [N, H*W*C] that ONNX saw as [N, C*H*W]: readers permute their weights. */
  hwc?: [number, number, number];
}

export interface TfjsModel {
  inputName: string;
  outputNames: string[];
  /** Runs on one NHWC image batch; returns the requested outputs (default: all). */
  run(x: TF.Tensor4D, outputs?: string[]): TF.Tensor[];
  dispose(): void;
}

/** Builds a runnable model from ONNX bytes; `tf` is tfjs-core with a backend set. */
export function buildTfjsModel(tf: Tf, bytes: Uint8Array): TfjsModel {
  const model = ONNX.ModelProto.decode(bytes);
  const g = model.graph!;
  const consts = new Map<string, { dims: number[]; data: Float32Array }>();
  for (const t of g.initializer ?? []) {
    const c = decodeTensor(t, `initializer ${t.name}`);
    consts.set(t.name!, { dims: c.dims, data: Float32Array.from(c.data as ArrayLike<number>) });
  }
  const nodes = (g.node ?? []).filter((n) => n.opType !== 'Identity' && n.opType !== 'Dropout');
  const alias = new Map<string, string>();
  for (const n of g.node ?? []) if (n.opType === 'Identity' || n.opType === 'Dropout') alias.set(n.output![0], n.input![0]);
  const resolve = (name: string): string => (alias.has(name) ? resolve(alias.get(name)!) : name);
  const readers = new Map<string, onnx.INodeProto[]>();
  for (const n of nodes) for (const i of n.input ?? []) readers.set(resolve(i), [...(readers.get(resolve(i)) ?? []), n]);
  const producer = new Map<string, onnx.INodeProto>();
  for (const n of nodes) producer.set(n.output![0], n);
  const inputName = (g.input ?? []).map((i) => i.name!).find((n) => !consts.has(n))!;
  const outputNames = (g.output ?? []).map((o) => o.name!);
  const sole = (name: string): boolean => (readers.get(name) ?? []).length === 1 && !outputNames.includes(name);

  // Fusions: Relu / Clip(0, 6) into the conv or matmul that is its only input's producer,
  // also across a MaxPool (max commutes with a monotone clamp).
  const fused = new Map<onnx.INodeProto, Act>();
  const skip = new Set<onnx.INodeProto>();
  for (const n of nodes) {
    const act = actOf(n, consts);
    if (!act) continue;
    let src = producer.get(resolve(n.input![0]));
    if (src?.opType === 'MaxPool' && sole(src.output![0])) {
      const conv = producer.get(resolve(src.input![0]));
      if (conv && sole(conv.output![0])) src = conv;
    }
    if (src && (src.opType === 'Conv' || src.opType === 'Gemm') && !fused.has(src) && sole(src.output![0])) {
      fused.set(src, act);
      skip.add(n);
    }
  }

  // Weights in tfjs layouts, created once.
  const keep: TF.Tensor[] = [];
  const prepared = new Map<onnx.INodeProto, { w: TF.Tensor; b?: TF.Tensor; depthwise?: boolean }>();
  // Weights are made on first use, inside a run's tidy: keep them past it.
  const hold = <T extends TF.Tensor>(t: T): T => (keep.push(tf.keep(t)), t);

  const values = new Map<string, Value>();
  const where = (n: onnx.INodeProto) => `${n.opType} node '${n.name}'`;
  const val = (name: string): Value => {
    const v = values.get(resolve(name));
    if (!v) throw new Error(`tfjs builder: value '${name}' is not computed (constant inputs are supported only as weights)`);
    return v;
  };

  const convWeights = (n: onnx.INodeProto) => {
    let p = prepared.get(n);
    if (p) return p;
    const w = consts.get(n.input![1])!;
    const [o, i, kh, kw] = w.dims;
    const group = new Attrs(n, where(n)).int('group', 1);
    const bias = n.input![2] ? hold(tf.tensor1d(consts.get(n.input![2])!.data)) : undefined;
    if (group === 1) {
      const hwio = new Float32Array(w.data.length);
      for (let a = 0; a < o; a++) for (let b = 0; b < i; b++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) {
        hwio[((y * kw + x) * i + b) * o + a] = w.data[((a * i + b) * kh + y) * kw + x];
      }
      p = { w: hold(tf.tensor4d(hwio, [kh, kw, i, o])), b: bias };
    } else if (group === o && i === 1) {
      const hwc1 = new Float32Array(w.data.length);
      for (let c = 0; c < o; c++) for (let y = 0; y < kh; y++) for (let x = 0; x < kw; x++) hwc1[(y * kw + x) * o + c] = w.data[(c * kh + y) * kw + x];
      p = { w: hold(tf.tensor4d(hwc1, [kh, kw, o, 1])), b: bias, depthwise: true };
    } else {
      throw new Error(`tfjs builder: ${where(n)} has group ${group}; only 1 and depthwise are built`);
    }
    prepared.set(n, p);
    return p;
  };

  const gemmWeights = (n: onnx.INodeProto, hwc: [number, number, number] | undefined) => {
    let p = prepared.get(n);
    if (p) return p;
    const a = new Attrs(n, where(n));
    if (a.int('transA', 0) !== 0 || a.float('alpha', 1) !== 1 || a.float('beta', 1) !== 1) throw new Error(`tfjs builder: ${where(n)}: only transA 0, alpha 1, beta 1`);
    const w = consts.get(n.input![1])!;
    const transB = n.opType === 'Gemm' ? a.int('transB', 0) : 0;
    const [k, m] = transB ? [w.dims[1], w.dims[0]] : [w.dims[0], w.dims[1]];
    // As [K, M] with K in the order the input holds it.
    const km = new Float32Array(k * m);
    const row = (r: number): number => {
      if (!hwc) return r;
      const [h, ww, c] = hwc;
      const pix = Math.floor(r / c), ch = r % c; // r indexes NHWC order; ONNX's column is C,H,W
      return ch * h * ww + pix;
    };
    for (let r = 0; r < k; r++) {
      const src = row(r);
      for (let col = 0; col < m; col++) km[r * m + col] = transB ? w.data[col * k + src] : w.data[src * m + col];
    }
    const bias = n.input![2] ? hold(tf.tensor1d(consts.get(n.input![2])!.data)) : undefined;
    p = { w: hold(tf.tensor2d(km, [k, m])), b: bias };
    prepared.set(n, p);
    return p;
  };

  // ONNX pads as tfjs takes them: 'valid', one number when symmetric, else explicit (which
  // tfjs's kernels accept though the fused ops' types do not say so).
  const pads = (n: onnx.INodeProto): 'valid' | number => {
    const a = new Attrs(n, where(n));
    const auto = a.string('auto_pad', 'NOTSET');
    if (auto !== 'NOTSET' && auto !== 'VALID') throw new Error(`tfjs builder: ${where(n)}: auto_pad ${auto}`);
    const p = a.ints('pads', [0, 0, 0, 0])!;
    if (p.every((v) => v === 0)) return 'valid';
    if (p.every((v) => v === p[0])) return p[0];
    return [[0, 0], [p[0], p[2]], [p[1], p[3]], [0, 0]] as unknown as number;
  };
  const pair = (n: onnx.INodeProto, name: string, dflt: number): [number, number] => {
    const v = new Attrs(n, where(n)).ints(name, [dflt, dflt])!;
    return [v[0], v[1]];
  };

  function step(n: onnx.INodeProto): void {
    const out = n.output![0];
    const act = fused.get(n) ?? 'linear';
    const set = (tensor: TF.Tensor, hwc?: [number, number, number]): void => void values.set(out, { tensor, hwc });
    switch (n.opType) {
      case 'Conv': {
        const p = convWeights(n);
        const x = val(n.input![0]).tensor as TF.Tensor4D;
        const args = { x, filter: p.w as TF.Tensor4D, bias: p.b, activation: act, strides: pair(n, 'strides', 1), pad: pads(n), dilations: pair(n, 'dilations', 1) };
        return set(p.depthwise ? tf.fused.depthwiseConv2d(args) : tf.fused.conv2d(args));
      }
      case 'Gemm':
      case 'MatMul': {
        const x = val(n.input![0]);
        if (!consts.has(n.input![1])) throw new Error(`tfjs builder: ${where(n)}: the second input must be a constant`);
        const p = gemmWeights(n, x.hwc);
        return set(tf.fused.matMul({ a: x.tensor as TF.Tensor2D, b: p.w as TF.Tensor2D, bias: p.b, activation: act }));
      }
      case 'Relu':
        return set(tf.relu(val(n.input![0]).tensor));
      case 'Clip': {
        const [lo, hi] = clipBounds(n, consts);
        return set(tf.clipByValue(val(n.input![0]).tensor, lo, hi));
      }
      case 'MaxPool':
      case 'AveragePool': {
        const a = new Attrs(n, where(n));
        if (a.int('ceil_mode', 0) !== 0) throw new Error(`tfjs builder: ${where(n)}: ceil_mode 1`);
        const x = val(n.input![0]).tensor as TF.Tensor4D;
        const k = pair(n, 'kernel_shape', 1), s = pair(n, 'strides', 1), p = pads(n);
        if (p !== 'valid' && n.opType === 'AveragePool') throw new Error(`tfjs builder: ${where(n)}: padded average pool`);
        return set(n.opType === 'MaxPool' ? tf.maxPool(x, k, s, p) : tf.avgPool(x, k, s, 'valid'));
      }
      case 'GlobalAveragePool':
        return set(tf.mean(val(n.input![0]).tensor, [1, 2], true));
      case 'Flatten': {
        const x = val(n.input![0]).tensor;
        const [b, h, w, c] = x.shape;
        if (x.rank !== 4) return set(tf.reshape(x, [b, -1]));
        const spatial = h! * w! > 1;
        if (spatial && !(readers.get(out) ?? []).every((r) => r.opType === 'Gemm' || r.opType === 'MatMul')) {
          throw new Error(`tfjs builder: ${where(n)} flattens a spatial map for a reader other than Gemm/MatMul`);
        }
        return set(tf.reshape(x, [b, h! * w! * c!]), spatial ? [h!, w!, c!] : undefined);
      }
      case 'Add':
        return set(tf.add(val(n.input![0]).tensor, val(n.input![1]).tensor));
      case 'Sign': // a binary network's activations, in float (the weights are already ±α)
        return set(tf.sign(val(n.input![0]).tensor), val(n.input![0]).hwc);
      default:
        throw new Error(`tfjs builder: ${where(n)} is not built (supported: Conv, Gemm, MatMul, Relu, Clip, MaxPool, AveragePool, GlobalAveragePool, Flatten, Add, Sign)`);
    }
  }

  // The nodes each output needs, in graph order.
  const needed = (outs: string[]): onnx.INodeProto[] => {
    const need = new Set<onnx.INodeProto>();
    const stack = outs.map(resolve);
    while (stack.length) {
      const p = producer.get(stack.pop()!);
      if (!p || need.has(p)) continue;
      need.add(p);
      for (const i of p.input ?? []) if (!consts.has(i)) stack.push(resolve(i));
    }
    return nodes.filter((n) => need.has(n));
  };
  const plans = new Map<string, onnx.INodeProto[]>();

  return {
    inputName,
    outputNames,
    run(x, outputs = outputNames) {
      const key = outputs.join(',');
      let plan = plans.get(key);
      if (!plan) plans.set(key, (plan = needed(outputs)));
      return tf.tidy(() => {
        values.clear();
        values.set(inputName, { tensor: x });
        for (const n of plan!) {
          if (skip.has(n)) values.set(n.output![0], val(n.input![0]));
          else step(n);
        }
        const res = outputs.map((o) => val(o).tensor);
        values.clear();
        return res;
      });
    },
    dispose() {
      for (const t of keep) t.dispose();
    },
  };
}

function clipBounds(n: onnx.INodeProto, consts: Map<string, { data: Float32Array }>): [number, number] {
  const a = new Attrs(n, '');
  const at = (i: number, attr: string, dflt: number) => {
    const name = n.input?.[i];
    if (name) return consts.get(name)!.data[0];
    return a.has(attr) ? a.float(attr, dflt) : dflt;
  };
  return [at(1, 'min', -3.4028234663852886e38), at(2, 'max', 3.4028234663852886e38)];
}

function actOf(n: onnx.INodeProto, consts: Map<string, { data: Float32Array }>): Act | undefined {
  if (n.opType === 'Relu') return 'relu';
  if (n.opType === 'Clip') {
    const [lo, hi] = clipBounds(n, consts);
    if (lo === 0 && hi === 6) return 'relu6';
  }
  return undefined;
}
