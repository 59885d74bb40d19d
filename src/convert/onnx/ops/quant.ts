// QuantizeLinear, DequantizeLinear <-> quantize, dequantize, requantize (the QDQ form; qdq.ts
// lowers QLinearConv & co. to it before translation and folds it into int8 ops after), and
// the Cast that quantized exports bring (a cast of a tensor to its own type): an alias. (Pad,
// zeros included, is ./move.ts.)
import { ONNX } from '../onnx-proto.js';
import { activationQuant, foldQdqConst, LOWERED } from '../qdq.js';
import { sameQuant } from '../../../ir/ops/quant-params.js';
import { where } from '../context.js';
import type { ExportFn, ImportFn, OnnxFamily, OnnxOp } from './family.js';
import { foldCast } from './constant.js';

const T = ONNX.TensorProto.DataType;

const qdq: ImportFn = (ctx, n, a, out) => {
  const op = n.opType;
  if (a.has('block_size') && a.int('block_size', 0) !== 0) ctx.unsupported(n, 'attribute block_size (blocked quantization)', 'quantize weights per channel or per tensor');
  const scale = ctx.constIn(n, 1, 'the scale');
  const zp = ctx.optConst(n, 2, 'the zero point');
  const type = (): 'u8' | 'i8' => ctx.q.zpType(where(n), n.input?.[2] ?? '', ctx.inputName(n, 2));
  if (ctx.isConst(n, 0)) {
    // DequantizeLinear of a constant needs no type (q - zp fits or not); QuantizeLinear does.
    const ty = op === 'QuantizeLinear' ? type() : 'i8';
    ctx.consts.set(out, foldQdqConst(ctx.q, where(n), op!, out, ctx.constIn(n, 0, 'the input'), scale, zp, a.int('axis', 1), ty));
    return;
  }
  const ty = type();
  const x = ctx.valueIn(n, 0);
  if (x.layout === 'hwc-flat') throw new Error('internal: hwc-flat read by a Q/DQ node');
  const quant = activationQuant(where(n), scale, zp, ty);
  const t = ctx.tensorByName.get(x.ir)!;
  if (op === 'QuantizeLinear') {
    if (t.dtype !== 'f32') ctx.unsupported(n, 'input is already quantized', 'the model is malformed');
    ctx.emit('quantize', n.name ?? '', [x.ir], out, {});
    Object.assign(ctx.tensorByName.get(out)!, { dtype: 'i8', quant });
    ctx.q.qtype.set(out, ty);
  } else {
    if (t.dtype !== 'i8') ctx.unsupported(n, 'input is not a quantized tensor', 'DequantizeLinear must read the output of a QuantizeLinear');
    if (!sameQuant(t.quant, quant) || ctx.q.qtype.get(x.ir) !== ty) {
      ctx.unsupported(n, `scale / zero point (${quant.scale}, ${quant.zeroPoint}) differ from the QuantizeLinear's that made '${ctx.inputName(n, 0)}'`,
        'use the same quantization parameters on both sides of a quantized tensor');
    }
    ctx.emit('dequantize', n.name ?? '', [x.ir], out, {});
  }
  ctx.define(out, { ir: out, shape: x.shape.slice(), layout: x.layout, chw: x.chw });
};

/** torch casts its quantized tensors to their own type (uint8 -> uint8), floats to float: an alias. */
const cast: ImportFn = (ctx, n, a, out) => {
  const x = ctx.valueIn(n, 0);
  const to = a.int('to', 0);
  const t = ctx.tensorByName.get(x.ir)!;
  const same = t.dtype === 'f32' ? to === T.FLOAT : to === (ctx.q.qtype.get(x.ir) === 'u8' ? T.UINT8 : T.INT8);
  if (!same) ctx.unsupported(n, `Cast of a computed tensor to ${T[to]}`, 'branchy casts only constants; remove the cast before export');
  ctx.same(out, x);
};

/** quantize and requantize: QuantizeLinear of the (dequantized) input. */
const quantizeOut: ExportFn = (ex, node, where, y) => {
  ex.quantizeInto(ex.float(node.inputs[0], where), y, where, ex.b.fresh(node.name));
  return y;
};

const FLOAT_THEN_INT8 = 'import the float model and quantize with `branchy convert --quant int8`';

export const quantFamily: OnnxFamily = {
  import: {
    QuantizeLinear: { min: 2, import: qdq },
    DequantizeLinear: { min: 2, import: qdq },
    ...Object.fromEntries(Object.entries(LOWERED).map(([op, min]): [string, OnnxOp] => [op, { min }])),
    Cast: { import: cast, fold: foldCast },
    DynamicQuantizeLinear: { advice: `quantize statically (QDQ) or ${FLOAT_THEN_INT8}` },
    QLinearMul: { advice: FLOAT_THEN_INT8 },
  },
  export: {
    quantize: quantizeOut,
    requantize: quantizeOut,
    dequantize(ex, node, where, y) {
      const x = ex.t(node.inputs[0]);
      const q = ex.quantOf(x, where);
      ex.b.node('DequantizeLinear', [ex.value.get(x.name)!, ex.scale(q.scale), ex.zp(q.zeroPoint)], [ex.outName(y)], {}, ex.b.fresh(node.name));
      return y;
    },
  },
};
