// Shape inference for every IR op, and the well-formedness of each op's attributes.
// Both run on graphs from the importer and on graphs read from untrusted files, so every
// check throws BranchyFormatError naming the node, never a raw TypeError.
import { BranchyFormatError } from '../errors.js';
import type { Activation, Node, OpType, TensorInfo, Window } from './types.js';
import { FUSES_ACTIVATION, OP_TYPES } from './types.js';

const ACT_KINDS = new Set([
  'none', 'relu', 'relu6', 'clip', 'leakyrelu', 'hardsigmoid', 'hardswish', 'sigmoid',
]);

function where(node: { name?: unknown; op?: unknown }): string {
  return `node '${String(node.name)}' (${String(node.op)})`;
}

function fail(node: { name?: unknown; op?: unknown }, msg: string): never {
  throw new BranchyFormatError(`${where(node)}: ${msg}`);
}

const isInt = (v: unknown, min: number): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min;

function intTuple(node: Node, attrs: Record<string, unknown>, key: string, n: number, min: number): void {
  const v = attrs[key];
  if (!Array.isArray(v) || v.length !== n || !v.every((x) => isInt(x, min))) {
    fail(node, `attrs.${key} must be ${n} integers >= ${min}, got ${JSON.stringify(v)}`);
  }
}

function checkWindow(node: Node, attrs: Record<string, unknown>): void {
  intTuple(node, attrs, 'kernel', 2, 1);
  intTuple(node, attrs, 'strides', 2, 1);
  intTuple(node, attrs, 'dilations', 2, 1);
  intTuple(node, attrs, 'pads', 4, 0);
}

function checkBool(node: Node, attrs: Record<string, unknown>, key: string): void {
  if (typeof attrs[key] !== 'boolean') fail(node, `attrs.${key} must be a boolean`);
}

function checkActivation(node: Node, act: unknown): void {
  if (act === undefined) {
    if (node.op === 'activation') fail(node, 'a standalone activation needs `act`');
    return;
  }
  if (!FUSES_ACTIVATION.has(node.op)) fail(node, 'this op cannot carry a fused activation');
  if (typeof act !== 'object' || act === null) fail(node, '`act` must be an object');
  const a = act as Record<string, unknown>;
  if (typeof a.kind !== 'string' || !ACT_KINDS.has(a.kind)) fail(node, `unknown activation kind ${JSON.stringify(a.kind)}`);
  for (const k of ['min', 'max', 'alpha', 'beta']) {
    if (a[k] !== undefined && typeof a[k] !== 'number') fail(node, `act.${k} must be a number`);
  }
  if (a.kind === 'clip' && (typeof a.min !== 'number' || typeof a.max !== 'number')) fail(node, 'clip needs act.min and act.max');
  if (a.kind === 'clip' && !((a.min as number) <= (a.max as number))) fail(node, `clip range [${a.min}, ${a.max}] is empty`);
  if ((a.kind === 'leakyrelu' || a.kind === 'hardsigmoid') && typeof a.alpha !== 'number') fail(node, `${a.kind} needs act.alpha`);
  if (a.kind === 'hardsigmoid' && typeof a.beta !== 'number') fail(node, 'hardsigmoid needs act.beta');
}

/** Checks a node's op, attribute types and ranges, and fused activation. */
export function checkNode(node: Node): void {
  if (!OP_TYPES.includes(node.op)) fail(node, `unknown op ${JSON.stringify(node.op)}`);
  if (typeof node.attrs !== 'object' || node.attrs === null || Array.isArray(node.attrs)) fail(node, '`attrs` must be an object');
  const a = node.attrs as unknown as Record<string, unknown>;
  if ((node.op === 'conv2d' || node.op === 'gemm') && a.sparse !== undefined) {
    const sp = a.sparse as { block?: unknown } | null;
    if (typeof sp !== 'object' || sp === null) fail(node, 'attrs.sparse must be an object {block: [channels, k]}');
    intTuple(node, sp as Record<string, unknown>, 'block', 2, 1);
  }
  switch (node.op) {
    case 'conv2d':
      checkWindow(node, a);
      break;
    case 'dwconv2d':
      checkWindow(node, a);
      if (!isInt(a.multiplier, 1)) fail(node, 'attrs.multiplier must be an integer >= 1');
      break;
    case 'maxpool':
      checkWindow(node, a);
      checkBool(node, a, 'ceilMode');
      break;
    case 'avgpool':
      checkWindow(node, a);
      checkBool(node, a, 'ceilMode');
      checkBool(node, a, 'countIncludePad');
      break;
    case 'reshape':
      if (!Array.isArray(a.shape) || !a.shape.every((d) => isInt(d, 1))) fail(node, 'attrs.shape must be positive integers');
      break;
    case 'flatten':
      if (a.order !== 'nhwc' && a.order !== 'nchw') fail(node, "attrs.order must be 'nhwc' or 'nchw'");
      break;
    default:
      break;
  }
  checkActivation(node, node.act as unknown as Activation | undefined);
}

/** Output size of one spatial axis of a window op (ONNX / PyTorch rule, ceil mode included). */
export function windowOut(
  size: number, k: number, stride: number, dilation: number, padBegin: number, padEnd: number, ceil: boolean,
): number {
  const span = size + padBegin + padEnd - dilation * (k - 1) - 1;
  if (span < 0) return 0;
  let out = (ceil ? Math.ceil(span / stride) : Math.floor(span / stride)) + 1;
  // The last window must start inside the input or the leading padding (PyTorch, ONNX >= 1.16).
  if (ceil && (out - 1) * stride >= size + padBegin) out--;
  return out;
}

const numel = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);
const same = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);
const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

/** The shape a per-channel or scalar operand may have for an output of shape `out`. */
function isChannelConst(b: TensorInfo, out: readonly number[]): boolean {
  return b.constant === true && b.shape.length === 1 && (b.shape[0] === 1 || b.shape[0] === out[out.length - 1]);
}

/** Output shapes of `node` from its input tensors. Throws BranchyFormatError on a mismatch. */
export function inferNode(node: Node, ins: (TensorInfo | undefined)[]): number[][] {
  const need = (i: number): TensorInfo => ins[i] ?? fail(node, `input ${i} is missing`);
  const rank = (t: TensorInfo, r: number, what: string): void => {
    if (t.shape.length !== r) fail(node, `${what} '${t.name}' must have rank ${r}, has shape ${fmt(t.shape)}`);
  };
  const arity = (min: number, max: number): void => {
    if (node.inputs.length < min || node.inputs.length > max) fail(node, `takes ${min}..${max} inputs, has ${node.inputs.length}`);
    if (node.outputs.length !== 1) fail(node, `has ${node.outputs.length} outputs, expected 1`);
  };
  const spatial = (w: Window, x: number[], ceil: boolean): [number, number] => {
    const oh = windowOut(x[1], w.kernel[0], w.strides[0], w.dilations[0], w.pads[0], w.pads[2], ceil);
    const ow = windowOut(x[2], w.kernel[1], w.strides[1], w.dilations[1], w.pads[1], w.pads[3], ceil);
    if (oh < 1 || ow < 1) fail(node, `window ${fmt(w.kernel)} does not fit input ${fmt(x)} (output ${oh}x${ow})`);
    return [oh, ow];
  };
  const bias = (n: number): void => {
    const b = ins[2];
    if (node.inputs.length > 2 && (!b || !same(b.shape, [n]))) fail(node, `bias must have shape [${n}], has ${b ? fmt(b.shape) : 'none'}`);
  };

  switch (node.op) {
    case 'conv2d': {
      arity(2, 3);
      const x = need(0), w = need(1);
      rank(x, 4, 'input'); rank(w, 4, 'weights');
      const [O, KH, KW, I] = w.shape;
      if (KH !== node.attrs.kernel[0] || KW !== node.attrs.kernel[1]) fail(node, `weights ${fmt(w.shape)} disagree with kernel ${fmt(node.attrs.kernel)}`);
      if (I !== x.shape[3]) fail(node, `weights expect ${I} input channels, input has ${x.shape[3]}`);
      bias(O);
      const [oh, ow] = spatial(node.attrs, x.shape, false);
      return [[x.shape[0], oh, ow, O]];
    }
    case 'dwconv2d': {
      arity(2, 3);
      const x = need(0), w = need(1);
      rank(x, 4, 'input'); rank(w, 3, 'weights');
      const C = x.shape[3] * node.attrs.multiplier;
      if (!same(w.shape, [node.attrs.kernel[0], node.attrs.kernel[1], C])) fail(node, `weights must have shape [${node.attrs.kernel.join(', ')}, ${C}], have ${fmt(w.shape)}`);
      bias(C);
      const [oh, ow] = spatial(node.attrs, x.shape, false);
      return [[x.shape[0], oh, ow, C]];
    }
    case 'gemm': {
      arity(2, 3);
      const x = need(0), w = need(1);
      rank(x, 2, 'input'); rank(w, 2, 'weights');
      if (w.shape[1] !== x.shape[1]) fail(node, `weights ${fmt(w.shape)} expect K = ${w.shape[1]}, input has ${x.shape[1]}`);
      bias(w.shape[0]);
      return [[x.shape[0], w.shape[0]]];
    }
    case 'maxpool':
    case 'avgpool': {
      arity(1, 1);
      const x = need(0);
      rank(x, 4, 'input');
      const [oh, ow] = spatial(node.attrs, x.shape, node.attrs.ceilMode);
      return [[x.shape[0], oh, ow, x.shape[3]]];
    }
    case 'globalavgpool': {
      arity(1, 1);
      const x = need(0);
      rank(x, 4, 'input');
      return [[x.shape[0], 1, 1, x.shape[3]]];
    }
    case 'add':
    case 'mul': {
      arity(2, 2);
      const a = need(0), b = need(1);
      const ok = isChannelConst(b, a.shape) || (node.op === 'add' && same(a.shape, b.shape));
      if (!ok) fail(node, `operand '${b.name}' ${fmt(b.shape)} must be ${node.op === 'add' ? `of shape ${fmt(a.shape)} or ` : ''}a constant of shape [${a.shape[a.shape.length - 1]}] or [1]`);
      return [a.shape.slice()];
    }
    case 'concat': {
      arity(1, Infinity);
      const first = need(0);
      let c = 0;
      node.inputs.forEach((_, i) => {
        const t = need(i);
        const r = first.shape.length;
        if (t.shape.length !== r || !same(t.shape.slice(0, r - 1), first.shape.slice(0, r - 1))) {
          fail(node, `input '${t.name}' ${fmt(t.shape)} cannot join ${fmt(first.shape)} along the last axis`);
        }
        c += t.shape[r - 1];
      });
      return [[...first.shape.slice(0, -1), c]];
    }
    case 'reshape': {
      arity(1, 1);
      const x = need(0);
      if (numel(x.shape) !== numel(node.attrs.shape)) fail(node, `cannot reshape ${fmt(x.shape)} to ${fmt(node.attrs.shape)}`);
      return [node.attrs.shape.slice()];
    }
    case 'flatten': {
      arity(1, 1);
      const x = need(0);
      if (x.shape.length < 2) fail(node, `input must have rank >= 2, has ${fmt(x.shape)}`);
      return [[x.shape[0], numel(x.shape.slice(1))]];
    }
    case 'softmax':
    case 'activation':
    case 'quantize':
    case 'dequantize':
    case 'requantize':
    case 'bitpack': {
      arity(1, 1);
      return [need(0).shape.slice()];
    }
  }
}

/** Ops that read or write binary (b1) activations. */
const B1_OPS: ReadonlySet<OpType> = new Set<OpType>(['conv2d', 'gemm', 'bitpack', 'reshape', 'flatten']);

/** The b1 rules of docs/ir.md ("Binary layers"); true when the node is binary and checked. */
function checkBinary(node: Node, ins: TensorInfo[], outs: TensorInfo[]): boolean {
  const x = ins[0], y = outs[0], w = ins[1];
  const computed = [...ins.filter((t) => !t.constant), ...outs];
  const binW = (node.op === 'conv2d' || node.op === 'dwconv2d' || node.op === 'gemm') && w?.dtype === 'b1';
  if (!binW && !computed.some((t) => t.dtype === 'b1')) return false;
  const want = (t: TensorInfo | undefined, ok: readonly string[], what: string): void => {
    if (t && !ok.includes(t.dtype)) fail(node, `${what} '${t.name}' is ${t.dtype}, expected ${ok.join(' or ')}`);
  };
  if (!B1_OPS.has(node.op)) {
    const b = computed.find((t) => t.dtype === 'b1');
    fail(node, `binary tensor '${b?.name ?? w.name}': binary values are read only by conv2d / gemm with binary weights, reshape and flatten; ` +
      'move the sign (bitpack) after this op, or keep it in int8 / f32');
  }
  switch (node.op) {
    case 'bitpack':
      want(x, ['f32', 'i8'], 'input');
      want(y, ['b1'], 'output');
      return true;
    case 'reshape':
    case 'flatten': {
      want(x, ['b1'], 'input');
      want(y, ['b1'], 'output');
      // b1 rows are packed along the last axis, padded to 32: the bytes stay put only when the
      // last axis keeps its size, or both last axes are multiples of 32.
      const a = x.shape.at(-1)!, b = y.shape.at(-1)!;
      const spatial = x.shape.length === 4 ? x.shape[1] * x.shape[2] : 1;
      const sameBytes = a === b || (a % 32 === 0 && b % 32 === 0);
      if (!sameBytes || (node.op === 'flatten' && node.attrs.order === 'nchw' && spatial !== 1)) {
        fail(node, `binary tensor [${x.shape.join(', ')}] cannot become [${y.shape.join(', ')}] without repacking its bits; ` +
          'give the binary layer before it a multiple of 32 channels, or flatten in int8 / f32');
      }
      return true;
    }
    default: {
      if (!binW) fail(node, `binary input '${x.name}' needs binary (b1) weights, '${w.name}' is ${w.dtype}`);
      want(x, ['b1', 'i8', 'f32'], 'input');
      want(ins[2], ['f32'], 'bias');
      want(y, x.dtype === 'b1' ? ['b1', 'i8', 'f32'] : [x.dtype], 'output');
      const q = w.quant;
      if (q?.kind !== 'channel' || q.axis !== 0) {
        fail(node, `binary weights '${w.name}' need per-output-channel scales (quant {kind: 'channel', axis: 0}, the XNOR-Net alpha)`);
      }
      if (y.dtype === 'b1' && node.act && node.act.kind !== 'none') fail(node, `a binary output cannot carry a fused ${node.act.kind}`);
      return true;
    }
  }
}

/**
 * The dtype rules of docs/ir.md for computed tensors: an f32 op reads and writes f32, an
 * int8 op i8 (its weights i8, its bias i32), data movement keeps its input's dtype,
 * quantize is f32 -> i8/u8, dequantize i8/u8/i32 -> f32; binary layers (b1 weights or
 * b1 activations) follow checkBinary.
 */
export function checkDTypes(node: Node, ins: TensorInfo[], outs: TensorInfo[]): void {
  if (checkBinary(node, ins, outs)) return;
  const x = ins[0], y = outs[0];
  const want = (t: TensorInfo | undefined, ok: readonly string[], what: string): void => {
    if (t && !ok.includes(t.dtype)) fail(node, `${what} '${t.name}' is ${t.dtype}, expected ${ok.join(' or ')}`);
  };
  const computed = ins.filter((t) => !t.constant);
  switch (node.op) {
    case 'conv2d':
    case 'dwconv2d':
    case 'gemm':
      if (x.dtype === 'f32') {
        want(y, ['f32'], 'output');
        want(ins[1], ['f32'], 'weights');
        want(ins[2], ['f32'], 'bias');
      } else if (x.dtype === 'i8') {
        want(y, ['i8'], 'output');
        want(ins[1], ['i8'], 'weights');
        want(ins[2], ['i32'], 'bias');
      }
      return;
    case 'softmax':
    case 'activation':
      want(x, ['f32'], 'input');
      want(y, ['f32'], 'output');
      return;
    case 'quantize':
      want(x, ['f32'], 'input');
      want(y, ['i8', 'u8'], 'output');
      return;
    case 'dequantize':
      want(x, ['i8', 'u8', 'i32'], 'input');
      want(y, ['f32'], 'output');
      return;
    case 'requantize':
      want(x, ['i8'], 'input');
      want(y, ['i8'], 'output');
      return;
    case 'add':
    case 'mul':
      if (ins[1]?.constant) want(ins[1], ['f32'], 'constant operand');
      for (const t of [...computed, y]) want(t, [x.dtype], 'operand');
      return;
    case 'maxpool':
    case 'avgpool':
    case 'globalavgpool':
    case 'concat':
    case 'reshape':
    case 'flatten':
      for (const t of [...computed, y]) want(t, [x.dtype], 'tensor');
      return;
    default:
      return;
  }
}
