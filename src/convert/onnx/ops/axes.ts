// ONNX axes and IR axes of a value (its layout, context.ts Value): an NCHW image lives in the
// IR as NHWC, so ONNX axis 1 (C) is IR axis 3; a plain value keeps ONNX's order. And the two
// conversions the movement ops need: a value in ONNX's own order (an IR transpose of an image)
// and a rank-4 plain value as an image (the transpose back), each one IR transpose.
import type { onnx } from 'onnx-proto';
import type { ImportContext, Value } from '../context.js';
import { nhwc } from '../context.js';

/** IR axis of each ONNX axis of an NCHW image. */
export const NCHW_TO_IR = [0, 3, 1, 2];
/** ONNX axis of each IR axis of an NCHW image. */
export const IR_TO_NCHW = [0, 2, 3, 1];

/** The IR axis of ONNX axis `a` of value `v` (a >= 0). */
export function irAxis(v: Value, a: number): number {
  return v.layout === 'nchw' ? NCHW_TO_IR[a] : a;
}

/** A possibly negative ONNX axis of a rank-r value, or a typed error. */
export function onnxAxis(ctx: ImportContext, n: onnx.INodeProto, axis: number, r: number, what = 'axis'): number {
  if (!Number.isInteger(axis) || axis < -r || axis >= r) ctx.unsupported(n, `${what} ${axis} outside a rank-${r} tensor`, 'the model is malformed');
  return axis < 0 ? axis + r : axis;
}

/** `v` in ONNX's own order: itself when plain, else a transpose of its NHWC bytes to NCHW (a new IR tensor). */
export function inOnnxOrder(ctx: ImportContext, n: onnx.INodeProto, v: Value): Value {
  if (v.layout === 'plain') return v;
  if (v.layout === 'hwc-flat') ctx.unsupported(n, `input [${v.shape.join(', ')}] is a flattened image read in H,W,C order`, 'read it only with Gemm / MatMul');
  const ir = ctx.fresh(`${v.ir}_nchw`);
  ctx.emit('transpose', `${n.name || ir}_nchw`, [v.ir], ir, { perm: NCHW_TO_IR.slice() });
  return { ir, shape: v.shape.slice(), layout: 'plain', sole: true };
}

/** A rank-4 value as an NCHW image (IR NHWC): itself when it is one, else a transpose of its NCHW bytes. */
export function asImage(ctx: ImportContext, n: onnx.INodeProto, v: Value): Value {
  if (v.layout === 'nchw') return v;
  if (v.shape.length !== 4) ctx.unsupported(n, `input of shape [${v.shape.join(', ')}] is not an NCHW image`, 'branchy runs this op on rank-4 NCHW tensors');
  const plain = inOnnxOrder(ctx, n, v);
  const ir = ctx.fresh(`${plain.ir}_nhwc`);
  ctx.emit('transpose', `${n.name || ir}_nhwc`, [plain.ir], ir, { perm: IR_TO_NCHW.slice() });
  return { ir, shape: v.shape.slice(), layout: 'nchw', sole: true };
}

/** The IR shape an ONNX shape has in a layout. */
export const irShapeOf = (shape: number[], layout: Value['layout']): number[] => (layout === 'nchw' ? nhwc(shape) : shape.slice());

// ---- 1-D windows (Conv, ConvTranspose, pools on [N, C, W]) as 2-D ones over [N, C, 1, W] ------

const LIFT: Record<string, (v: number[]) => number[]> = {
  kernel_shape: (v) => [1, ...v], strides: (v) => [1, ...v], dilations: (v) => [1, ...v],
  pads: (v) => [0, v[0], 0, v[1]], output_padding: (v) => [0, ...v], output_shape: (v) => [1, ...v],
};

/** A 1-D window node's attributes in their 2-D form (H = 1: kernel 1, stride 1, no padding). */
export function lift1d(n: onnx.INodeProto): onnx.INodeProto {
  const attribute = (n.attribute ?? []).map((a) => {
    const key = a.name ?? '';
    return Object.hasOwn(LIFT, key) && a.ints ? { ...a, ints: LIFT[key](a.ints.map(Number)) } : a;
  });
  return { ...n, attribute };
}

/** A plain [N, C, W] value as the image [N, C, 1, W] (IR [N, 1, W, C]): one transpose. */
export function ncwAsImage(ctx: ImportContext, n: onnx.INodeProto, v: Value): Value {
  if (v.layout !== 'plain' || v.shape.length !== 3) ctx.unsupported(n, `input of shape [${v.shape.join(', ')}] is not an [N, C, W] sequence`, 'the model is malformed');
  const [N, C, W] = v.shape, ir = ctx.fresh(`${v.ir}_nwc`);
  ctx.emit('transpose', `${n.name || ir}_nwc`, [v.ir], ir, { perm: [0, 2, 1], shape: [N, 1, W, C] });
  return { ir, shape: [N, C, 1, W], layout: 'nchw', sole: true };
}

/** ONNX value `out` = the image `img` [N, C, 1, W] as the plain [N, C, W] (one transpose; the passes cancel it against the next op's ncwAsImage). */
export function imageAsNcw(ctx: ImportContext, n: onnx.INodeProto, img: string, out: string): void {
  const [N, , W, C] = ctx.tensorByName.get(img)!.shape;
  ctx.emit('transpose', `${n.name || out}_ncw`, [img], out, { view: [N, W, C], perm: [0, 2, 1] });
  ctx.define(out, { ir: out, shape: [N, C, W], layout: 'plain' });
}

/** Runs a 2-D window import (`op2d`, writing an image into its last argument) on a 1-D node over [N, C, W]. */
export function windowed1d(ctx: ImportContext, n: onnx.INodeProto, out: string, op2d: (m: onnx.INodeProto, x: Value, out: string) => void): void {
  const mid = ctx.fresh(`${out}_2d`);
  op2d(lift1d(n), ncwAsImage(ctx, n, ctx.valueIn(n, 0)), mid);
  imageAsNcw(ctx, n, mid, out);
}

/** An NCHW constant's values in NHWC order. */
export function nchwToNhwc(d: Float32Array, [N, C, H, W]: readonly number[]): Float32Array {
  const out = new Float32Array(d.length);
  for (let b = 0; b < N; b++) for (let c = 0; c < C; c++) for (let h = 0; h < H; h++) for (let w = 0; w < W; w++) {
    out[((b * H + h) * W + w) * C + c] = d[((b * C + c) * H + h) * W + w];
  }
  return out;
}
