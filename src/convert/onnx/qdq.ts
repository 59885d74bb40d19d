// Quantized ONNX -> branchy int8 IR (docs/ir.md, "int8"). Three steps:
//   1. lowerQuantizedOps (ONNX -> ONNX, before import): QLinearConv, QLinearMatMul, static
//      ConvInteger / MatMulInteger (+ their Cast and Mul), and ORT's com.microsoft QLinearAdd,
//      QLinearAveragePool, QLinearGlobalAveragePool, QLinearConcat become the QDQ form
//      DequantizeLinear -> float op -> QuantizeLinear, so one path imports everything.
//   2. The importer turns QuantizeLinear / DequantizeLinear on computed tensors into the IR's
//      `quantize` / `dequantize` (i8 tensors; u8 becomes i8 with zero point - 128) and folds
//      DequantizeLinear of constants into float constants, remembering their scales here.
//   3. foldQdq (IR -> IR, after import): dequantize -> op -> quantize becomes the int8 op;
//      reshape / flatten / maxpool / concat move below a dequantize (they commute with it);
//      quantize(dequantize(x)) becomes x or a requantize. What does not fold stays f32 between
//      a dequantize and a quantize, which is always correct.
import type { onnx } from 'onnx-proto';
import { ONNX } from './onnx-proto.js';
import { BranchyUnsupportedError } from '../../errors.js';
import { consumers, producers, topoSort } from '../../ir/graph.js';
import type { Graph, Node, Quant, TensorInfo, Weights } from '../../ir/types.js';
import { Attrs, decodeTensor } from './proto.js';
import type { Const } from './proto.js';
import { biasToInt32, symmetricPerChannel } from '../quantize.js';
import { isClampAct, roundHalfEven } from '../../ir/numerics.js';
import { opDef } from '../../ir/ops/index.js';
import { sameQuant } from '../../ir/ops/quant-params.js';

const T = ONNX.TensorProto.DataType;
const AT = ONNX.AttributeProto.AttributeType;

/** Per-channel scales of a weight that the ONNX model gave as DequantizeLinear(int const). */
export interface WeightScales {
  scales: number[];
  /** Every (q - zero point) fits int8: the weight is exactly an int8 symmetric one. */
  exact: boolean;
  why?: string;
}

type TensorType = 'u8' | 'i8';

/** What the importer needs to know about a model's quantization, gathered once. */
export class QdqState {
  /** ONNX element type of every constant (initializers, Constant nodes). */
  readonly elemType = new Map<string, number>();
  /** IR name (the DequantizeLinear output) -> the scales of a dequantized constant weight. */
  readonly weightScales = new Map<string, WeightScales>();
  /** ONNX element type (u8 / i8) of each quantized computed tensor, by IR name. */
  readonly qtype = new Map<string, TensorType>();
  readonly warnings: string[] = [];

  constructor(model: onnx.IModelProto) {
    const g = model.graph;
    if (!g) return;
    for (const t of g.initializer ?? []) this.elemType.set(t.name ?? '', t.dataType ?? 0);
    for (const n of g.node ?? []) {
      if (n.opType === 'Constant') {
        const v = (n.attribute ?? []).find((a) => a.name === 'value')?.t;
        if (v) this.elemType.set(n.output?.[0] ?? '', v.dataType ?? 0);
      }
    }
    lowerQuantizedOps(model, this);
  }

  /** The zero point's element type; an absent zero point means uint8 (ONNX default). */
  zpType(where: string, zpName: string, resolved: string): TensorType {
    if (!zpName) return 'u8';
    const t = this.elemType.get(resolved) ?? this.elemType.get(zpName);
    if (t === T.UINT8) return 'u8';
    if (t === T.INT8) return 'i8';
    throw new BranchyUnsupportedError(
      `${where}: zero point '${zpName}' has type ${t === undefined ? 'unknown (computed)' : T[t]}; branchy reads int8 and uint8 activations ` +
        '(16-bit and float8 quantization are not supported): quantize activations to int8/uint8',
    );
  }
}

const num = (c: Const, i: number): number => Number((c.data as ArrayLike<number>)[c.data.length === 1 ? 0 : i]);

/**
 * The per-tensor activation quantization of a Q/DQ node, in branchy's int8 domain
 * (u8: the same scale, zero point - 128).
 */
export function activationQuant(where: string, scale: Const, zp: Const | undefined, type: TensorType): Quant & { kind: 'tensor' } {
  if (scale.data.length !== 1 || (zp && zp.data.length !== 1)) {
    throw new BranchyUnsupportedError(
      `${where}: per-channel quantization of an activation (scale of ${scale.data.length} values); branchy quantizes activations per tensor: ` +
        'use per-tensor activation scales (per_channel applies to weights only)',
    );
  }
  const s = num(scale, 0);
  if (!(s > 0) || !Number.isFinite(s)) throw new BranchyUnsupportedError(`${where}: scale ${s} is not positive and finite; the model is malformed`);
  const z = zp ? num(zp, 0) : 0;
  return { kind: 'tensor', scale: Math.fround(s), zeroPoint: type === 'u8' ? z - 128 : z };
}

/**
 * DequantizeLinear / QuantizeLinear of a constant, folded. DequantizeLinear gives float
 * values (and records the scales when the constant is a weight); QuantizeLinear (fake-quant
 * weights) gives the integers.
 */
export function foldQdqConst(
  st: QdqState, where: string, op: string, out: string, x: Const, scale: Const, zp: Const | undefined,
  axisAttr: number, zpType: TensorType,
): Const {
  const r = x.dims.length;
  const axis = axisAttr < 0 ? axisAttr + r : axisAttr;
  const per = scale.data.length;
  if (per !== 1 && (axis < 0 || axis >= r || x.dims[axis] !== per)) {
    throw new BranchyUnsupportedError(`${where}: ${per} scales do not match axis ${axisAttr} of [${x.dims.join(', ')}]; the model is malformed`);
  }
  const inner = x.dims.slice(axis + 1).reduce((p, d) => p * d, 1);
  const chan = (i: number): number => (per === 1 ? 0 : Math.floor(i / inner) % per);
  const xd = x.data as ArrayLike<number>;
  const n = xd.length;
  if (op === 'DequantizeLinear') {
    const y = new Float32Array(n);
    let exact = true, why: string | undefined;
    for (let i = 0; i < n; i++) {
      const c = chan(i);
      const q = xd[i] - (zp ? num(zp, c) : 0);
      if (exact && (q < -128 || q > 127)) {
        exact = false;
        why = `value ${xd[i]} minus zero point ${zp ? num(zp, c) : 0} does not fit int8`;
      }
      y[i] = q * num(scale, c);
    }
    st.weightScales.set(out, { scales: Array.from({ length: per }, (_, c) => Math.fround(num(scale, c))), exact, why });
    return { dims: x.dims.slice(), float: true, data: y };
  }
  const [lo, hi] = zpType === 'u8' ? [0, 255] : [-128, 127];
  const data = Array.from({ length: n }, (_, i) => {
    const c = chan(i);
    const v = roundHalfEven(Math.fround(Math.fround(xd[i]) / Math.fround(num(scale, c)))) + (zp ? num(zp, c) : 0);
    return Math.min(hi, Math.max(lo, v));
  });
  return { dims: x.dims.slice(), float: false, data };
}

// ---- 1. lowering of QLinear* / *Integer ops to QDQ ------------------------------------------

/** The ops lowerQuantizedOps rewrites to the QDQ form, with the inputs each requires (the op table lists them). */
export const LOWERED: Readonly<Record<string, number>> = {
  QLinearConv: 8, QLinearMatMul: 8, ConvInteger: 2, MatMulInteger: 2, QLinearAdd: 7, QLinearAveragePool: 4,
  QLinearGlobalAveragePool: 4, QLinearConcat: 5,
};
const lowered = (op: string): boolean => Object.prototype.hasOwnProperty.call(LOWERED, op) || op === 'DynamicQuantizeLinear';

function lowerQuantizedOps(model: onnx.IModelProto, st: QdqState): void {
  const g = model.graph!;
  const nodes = g.node ?? [];
  if (!nodes.some((n) => lowered(n.opType ?? ''))) return;
  const inits = new Map<string, onnx.ITensorProto>();
  for (const t of g.initializer ?? []) inits.set(t.name ?? '', t);
  const constNodes = new Map<string, onnx.ITensorProto>();
  for (const n of nodes) {
    const v = n.opType === 'Constant' ? (n.attribute ?? []).find((a) => a.name === 'value')?.t : undefined;
    if (v) constNodes.set(n.output?.[0] ?? '', v);
  }
  const names = new Set<string>([...inits.keys(), ...(g.input ?? []).map((i) => i.name ?? '')]);
  for (const n of nodes) for (const o of n.output ?? []) names.add(o);
  const fresh = (base: string): string => {
    let s = base, k = 1;
    while (names.has(s)) s = `${base}_${k++}`;
    names.add(s);
    return s;
  };
  const producer = new Map<string, onnx.INodeProto>();
  const readers = new Map<string, onnx.INodeProto[]>();
  for (const n of nodes) {
    for (const o of n.output ?? []) producer.set(o, n);
    for (const i of n.input ?? []) {
      const l = readers.get(i);
      if (l) l.push(n);
      else readers.set(i, [n]);
    }
  }
  const where = (n: onnx.INodeProto): string => `${n.opType} node '${n.name || '(unnamed)'}'`;
  const constOf = (n: onnx.INodeProto, name: string, what: string): Const => {
    const t = inits.get(name) ?? constNodes.get(name);
    if (!t) throw new BranchyUnsupportedError(`${where(n)}: ${what} ('${name}') must be a constant; export with constant quantization parameters`);
    return decodeTensor(t, where(n));
  };
  const addInit = (base: string, dims: number[], data: Float32Array): string => {
    const name = fresh(base);
    const t: onnx.ITensorProto = { name, dims, dataType: T.FLOAT, rawData: new Uint8Array(data.buffer.slice(0)) };
    g.initializer = [...(g.initializer ?? []), t as onnx.TensorProto];
    inits.set(name, t);
    st.elemType.set(name, T.FLOAT);
    return name;
  };
  const mk = (op: string, name: string, inputs: string[], outputs: string[], attribute: onnx.IAttributeProto[] = []): onnx.INodeProto =>
    ({ opType: op, name, input: inputs, output: outputs, attribute, domain: '' });
  const axisAttr = (axis: number): onnx.IAttributeProto[] => [{ name: 'axis', type: AT.INT, i: axis }];
  const dq = (n: onnx.INodeProto, x: string, s: string, zp: string | undefined, tag: string, axis?: number): [onnx.INodeProto, string] => {
    const out = fresh(`${x}_dq`);
    return [mk('DequantizeLinear', `${n.name || n.output![0]}/${tag}`, zp ? [x, s, zp] : [x, s], [out], axis === undefined ? [] : axisAttr(axis)), out];
  };
  const q = (n: onnx.INodeProto, yf: string, s: string, zp: string | undefined, y: string): onnx.INodeProto =>
    mk('QuantizeLinear', `${n.name || y}/quantize`, zp ? [yf, s, zp] : [yf, s], [y]);
  const dropped = new Set<onnx.INodeProto>();
  const out: onnx.INodeProto[] = [];

  for (const n of nodes) {
    if (dropped.has(n)) continue;
    const ins = n.input ?? [];
    const y = n.output?.[0] ?? '';
    const keepAttrs = (skip: string[] = []): onnx.IAttributeProto[] => (n.attribute ?? []).filter((a) => !skip.includes(a.name ?? ''));
    switch (n.opType) {
      case 'QLinearConv': {
        const [x, xs, xzp, w, ws, wzp, ys, yzp, b] = ins;
        const [d0, xf] = dq(n, x, xs, xzp, 'dq_x');
        const [d1, wf] = dq(n, w, ws, wzp, 'dq_w', 0);
        const convIns = [xf, wf];
        if (b) {
          const bc = constOf(n, b, 'the bias');
          const sx = constOf(n, xs, 'x_scale'), sw = constOf(n, ws, 'w_scale');
          const bf = Float32Array.from(bc.data as ArrayLike<number>, (v, c) => v * Math.fround(num(sx, 0) * num(sw, c)));
          convIns.push(addInit(`${b}_dq`, bc.dims, bf));
        }
        const yf = fresh(`${y}_f`);
        out.push(d0, d1, mk('Conv', n.name ?? '', convIns, [yf], keepAttrs()), q(n, yf, ys, yzp, y));
        break;
      }
      case 'QLinearMatMul': {
        const [a, as, azp, b, bs, bzp, ys, yzp] = ins;
        const [d0, af] = dq(n, a, as, azp, 'dq_a');
        const perCol = constOf(n, bs, 'b_scale').data.length > 1;
        const [d1, bf] = dq(n, b, bs, bzp, 'dq_b', perCol ? 1 : undefined);
        const yf = fresh(`${y}_f`);
        out.push(d0, d1, mk('MatMul', n.name ?? '', [af, bf], [yf]), q(n, yf, ys, yzp, y));
        break;
      }
      case 'ConvInteger':
      case 'MatMulInteger': {
        // Static only: QuantizeLinear(x; s_x, zp) -> ConvInteger(x, w, zp, w_zp) -> Cast(float) -> Mul(m).
        // The float equivalent: DequantizeLinear(x) -> Conv(DequantizeLinear(w; m / s_x)).
        const conv = n.opType === 'ConvInteger';
        const [x, w, xzp, wzp] = ins;
        const fix = 'branchy runs static int8 only (dynamic quantization computes activation scales at run time): ' +
          'quantize statically (onnxruntime.quantization.quantize_static, QDQ format) or import the float model and use --quant int8';
        const qx = producer.get(x);
        const cast = readers.get(y)?.length === 1 ? readers.get(y)![0] : undefined;
        const castTo = cast?.opType === 'Cast' ? new Attrs(cast, where(cast)).int('to', 0) : -1;
        const mul = castTo === T.FLOAT && readers.get(cast!.output![0])?.length === 1 ? readers.get(cast!.output![0])![0] : undefined;
        if (!qx || qx.opType !== 'QuantizeLinear' || !mul || mul.opType !== 'Mul') {
          throw new BranchyUnsupportedError(
            `${where(n)}: expected QuantizeLinear -> ${n.opType} -> Cast(to=float) -> Mul(constant scale), found ${qx?.opType ?? 'a graph input'} -> ${n.opType}` +
              ` -> ${cast?.opType ?? 'nothing'}${mul ? ` -> ${mul.opType}` : ''}; ${fix}`,
          );
        }
        const mName = mul.input![0] === cast!.output![0] ? mul.input![1] : mul.input![0];
        const m = constOf(mul, mName, 'the scale');
        const sx = constOf(qx, qx.input![1], 'the input scale');
        const qzp = qx.input?.[2] ?? '';
        const zx = qzp ? num(constOf(qx, qzp, 'the zero point'), 0) : 0;
        const zc = xzp ? num(constOf(n, xzp, 'x_zero_point'), 0) : 0;
        if (zx !== zc) throw new BranchyUnsupportedError(`${where(n)}: x_zero_point ${zc} differs from the QuantizeLinear's ${zx}; the model is malformed`);
        const wc = constOf(n, w, 'the weight');
        const outC = conv ? wc.dims[0] : wc.dims[wc.dims.length - 1];
        const mv = m.data.length;
        if (mv !== 1 && mv !== outC) throw new BranchyUnsupportedError(`${where(mul)}: scale of ${mv} values for ${outC} output channels; ${fix}`);
        const ws = addInit(`${w}_scale`, mv === 1 ? [] : [mv], Float32Array.from({ length: mv }, (_, c) => num(m, c) / num(sx, 0)));
        if (mv !== 1) st.elemType.set(ws, T.FLOAT);
        const [d0, xf] = dq(n, x, qx.input![1], qzp || undefined, 'dq_x');
        const [d1, wf] = dq(n, w, ws, wzp || undefined, 'dq_w', conv ? 0 : 1);
        dropped.add(cast!);
        dropped.add(mul);
        out.push(d0, d1, mk(conv ? 'Conv' : 'MatMul', n.name ?? '', [xf, wf], [mul.output![0]], conv ? keepAttrs() : []));
        break;
      }
      case 'QLinearAdd': {
        const [a, as, azp, b, bs, bzp, ys, yzp] = ins;
        const [d0, af] = dq(n, a, as, azp, 'dq_a');
        const [d1, bf] = dq(n, b, bs, bzp, 'dq_b');
        const yf = fresh(`${y}_f`);
        out.push(d0, d1, mk('Add', n.name ?? '', [af, bf], [yf]), q(n, yf, ys, yzp, y));
        break;
      }
      case 'QLinearAveragePool':
      case 'QLinearGlobalAveragePool': {
        if (new Attrs(n, where(n)).int('channels_last', 0) !== 0) {
          throw new BranchyUnsupportedError(`${where(n)}: attribute channels_last=1; export with channels_last=0 (NCHW)`);
        }
        const [x, xs, xzp, ys, yzp] = ins;
        const [d0, xf] = dq(n, x, xs, xzp, 'dq_x');
        const yf = fresh(`${y}_f`);
        const op = n.opType === 'QLinearAveragePool' ? 'AveragePool' : 'GlobalAveragePool';
        out.push(d0, mk(op, n.name ?? '', [xf], [yf], keepAttrs(['channels_last'])), q(n, yf, ys, yzp, y));
        break;
      }
      case 'QLinearConcat': {
        const [ys, yzp, ...rest] = ins;
        const parts: string[] = [];
        for (let i = 0; i + 2 < rest.length; i += 3) {
          const [d, xf] = dq(n, rest[i], rest[i + 1], rest[i + 2], `dq_${i / 3}`);
          out.push(d);
          parts.push(xf);
        }
        const yf = fresh(`${y}_f`);
        out.push(mk('Concat', n.name ?? '', parts, [yf], keepAttrs()), q(n, yf, ys, yzp, y));
        break;
      }
      case 'DynamicQuantizeLinear':
        throw new BranchyUnsupportedError(
          `${where(n)}: dynamic quantization computes activation scales at run time; branchy runs static int8: ` +
            'quantize statically (onnxruntime.quantization.quantize_static, QDQ format) or import the float model and use --quant int8',
        );
      default:
        out.push(n);
    }
  }
  g.node = out.filter((n) => !dropped.has(n)) as onnx.NodeProto[];
}

// ---- 3. folding dequantize -> op -> quantize into int8 ops ---------------------------------------

/** How int8 flows through an op (the op registry's `int8`): 'passthrough' ops commute with dequantization. */
const flow = (op: string) => opDef(op)!.int8;

/**
 * Folds the QDQ form into int8 ops in place (see the file comment). `weightScales` gives the
 * scales of weights that came from DequantizeLinear, so their int8 values are recovered exactly.
 */
export function foldQdq(graph: Graph, weights: Weights, weightScales: Map<string, WeightScales>, warnings: string[] = []): void {
  const names = new Set(graph.tensors.map((t) => t.name));
  const nodeNames = new Set(graph.nodes.map((n) => n.name));
  const uniq = (set: Set<string>, base: string): string => {
    let s = base, k = 1;
    while (set.has(s)) s = `${base}_${k++}`;
    set.add(s);
    return s;
  };
  const isOutput = new Set(graph.outputs);

  for (let changed = true; changed;) {
    changed = false;
    const tm = new Map(graph.tensors.map((t) => [t.name, t]));
    const prod = producers(graph);
    const cons = consumers(graph);
    /** The i8 tensor that a dequantize turned into `name`, if any. */
    const dqSource = (name: string): TensorInfo | undefined => {
      const p = prod.get(name);
      if (p?.op !== 'dequantize') return undefined;
      const s = tm.get(p.inputs[0]);
      return s && s.dtype === 'i8' && s.quant?.kind === 'tensor' ? s : undefined;
    };
    const newTensor = (base: string, like: TensorInfo, quant: Quant): TensorInfo => {
      const t: TensorInfo = { name: uniq(names, base), shape: like.shape.slice(), dtype: 'i8', quant: { ...quant } as Quant };
      graph.tensors.push(t);
      return t;
    };
    const insertAfter = (ref: Node, n: Node): void => void graph.nodes.splice(graph.nodes.indexOf(ref) + 1, 0, n);
    const insertBefore = (ref: Node, n: Node): void => void graph.nodes.splice(graph.nodes.indexOf(ref), 0, n);
    const remove = (n: Node): void => void graph.nodes.splice(graph.nodes.indexOf(n), 1);

    for (const node of graph.nodes) {
      // Ops that commute with dequantization run on the int8 values; a dequantize follows.
      if (flow(node.op) === 'passthrough' || flow(node.op) === 'shared') {
        const srcs = node.inputs.map(dqSource);
        const s0 = srcs[0];
        if (!s0 || !srcs.every((s) => s && sameQuant(s.quant, s0.quant))) continue;
        const out = tm.get(node.outputs[0])!;
        const t = newTensor(`${out.name}_q`, out, s0.quant!);
        node.inputs = srcs.map((s) => s!.name);
        node.outputs = [t.name];
        insertAfter(node, { name: uniq(nodeNames, `${node.name}_dequantize`), op: 'dequantize', inputs: [t.name], outputs: [out.name], attrs: {} });
        changed = true;
        break;
      }
      if (node.op === 'quantize' && foldQuantize(node)) {
        changed = true;
        break;
      }
    }

    function foldQuantize(qn: Node): boolean {
      const x = qn.inputs[0], y = tm.get(qn.outputs[0])!;
      const qy = y.quant!;
      const p = prod.get(x);
      if (!p) return false;
      if (p.op === 'dequantize') {
        const s = dqSource(x);
        if (!s) return false;
        if (sameQuant(s.quant, qy) && !isOutput.has(y.name)) {
          for (const r of cons.get(y.name) ?? []) r.inputs = r.inputs.map((i) => (i === y.name ? s.name : i));
          remove(qn);
        } else {
          qn.op = 'requantize';
          qn.inputs = [s.name];
        }
        return true;
      }
      // The float tensor must be read by this quantize only.
      if ((cons.get(x) ?? []).length !== 1 || isOutput.has(x)) return false;
      if (flow(p.op) === 'passthrough') {
        // quantize(reshape(t)) = reshape(quantize(t)) (and maxpool, monotone): move the quantize up
        // so that it can fold into t's producer.
        const t = tm.get(p.inputs[0])!;
        if (t.dtype !== 'f32' || (cons.get(t.name) ?? []).length !== 1 || isOutput.has(t.name) || t.constant) return false;
        const tq = newTensor(`${t.name}_q`, t, qy);
        remove(qn);
        insertBefore(p, qn);
        qn.inputs = [t.name];
        qn.outputs = [tq.name];
        p.inputs = [tq.name];
        p.outputs = [y.name];
        return true;
      }
      // What the op registry says of p's int8 form decides how it folds.
      const def = opDef(p.op)!;
      if (def.int8When === 'weights') {
        const s = dqSource(p.inputs[0]);
        if (!s || !isClampAct(p.act)) return false;
        const w = tm.get(p.inputs[1])!, b = p.inputs[2] ? tm.get(p.inputs[2]) : undefined;
        if (!w.constant || w.dtype !== 'f32' || (b && (!b.constant || b.dtype !== 'f32'))) return false;
        const wf = weights.get(w.name) as Float32Array;
        const O = p.op === 'dwconv2d' ? w.shape[2] : w.shape[0];
        const chanOf = p.op === 'dwconv2d' ? (i: number) => i % O : (i: number) => Math.floor(i / (wf.length / O));
        const known = weightScales.get(w.name);
        const where = `node '${p.name}' (${p.op}), weights '${w.name}'`;
        if (known && !known.exact) {
          throw new BranchyUnsupportedError(
            `${where}: ${known.why}; branchy runs symmetric int8 weights (zero point 0, or 128 for uint8): ` +
              'quantize weights symmetrically (e.g. onnxruntime quantize_static(..., extra_options={"WeightSymmetric": True}))',
          );
      }
      const r = symmetricPerChannel(wf, O, chanOf, known?.scales);
      if (known && !r.exact) warnings.push(`${where}: the weights no longer match their DequantizeLinear scales (folded with another op?); re-quantized per channel`);
      if (r.clamped) warnings.push(`${where}: ${r.clamped} weight(s) of -128 read as -127 (branchy's int8 weights are symmetric, in [-127, 127])`);
      const wq: TensorInfo = {
        name: uniq(names, `${w.name}_i8`), shape: w.shape.slice(), dtype: 'i8', constant: true,
        quant: { kind: 'channel', axis: p.op === 'dwconv2d' ? 2 : 0, scales: r.scales },
      };
      graph.tensors.push(wq);
      weights.set(wq.name, r.q);
      const ins = [s.name, wq.name];
      if (b) {
        const sIn = (s.quant as { scale: number }).scale;
        const bq: TensorInfo = {
          name: uniq(names, `${b.name}_i32`), shape: b.shape.slice(), dtype: 'i32', constant: true,
          quant: { kind: 'channel', axis: 0, scales: r.scales.map((sw) => sIn * sw) },
        };
        graph.tensors.push(bq);
        weights.set(bq.name, biasToInt32(weights.get(b.name) as Float32Array, sIn, r.scales, `node '${p.name}' bias '${b.name}'`));
        ins.push(bq.name);
      }
      p.inputs = ins;
      p.outputs = [y.name];
      remove(qn);
      return true;
      }
      if (def.int8 === 'shared') {
        const srcs = p.inputs.map(dqSource);
        if (!srcs.every((s) => s)) return false;
        p.inputs = srcs.map((s) => {
          if (sameQuant(s!.quant, qy)) return s!.name;
          const t = newTensor(`${s!.name}_rq`, s!, qy);
          insertBefore(p, { name: uniq(nodeNames, `${p.name}_requantize_${s!.name}`), op: 'requantize', inputs: [s!.name], outputs: [t.name], attrs: {} });
          return t.name;
        });
        p.outputs = [y.name];
        remove(qn);
        return true;
      }
      if (def.int8 !== 'requantize' || !def.int8When) return false;
      // Pools, add: every input int8 behind a dequantize, each read at its own scale.
      const srcs = p.inputs.map(dqSource);
      if (!srcs.every((s) => s) || !isClampAct(p.act)) return false;
      p.inputs = srcs.map((s) => s!.name);
      p.outputs = [y.name];
      remove(qn);
      return true;
    }
  }

  // Dead nodes (dequantizes nobody reads any more), then unused tensors and weights.
  for (let again = true; again;) {
    again = false;
    const read = new Set([...graph.outputs, ...graph.nodes.flatMap((n) => n.inputs)]);
    const before = graph.nodes.length;
    graph.nodes = graph.nodes.filter((n) => n.outputs.some((o) => read.has(o)));
    again = graph.nodes.length !== before;
  }
  const used = new Set([...graph.inputs, ...graph.outputs, ...graph.nodes.flatMap((n) => [...n.inputs, ...n.outputs])]);
  graph.tensors = graph.tensors.filter((t) => used.has(t.name));
  for (const k of [...weights.keys()]) if (!used.has(k)) weights.delete(k);
  graph.nodes = topoSort(graph);
}
