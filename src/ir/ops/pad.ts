// pad: [x] -> x padded, ONNX Pad: pads = [begin_0, ..., begin_{r-1}, end_0, ..., end_{r-1}]
// per axis (negative pads crop); mode 'constant' (with `value`), 'reflect' (mirror without
// repeating the edge; pads below the axis size) or 'edge'. One fill and strided copies: the
// interior from x, then reflect / edge borders from y itself, axis by axis (negative strides
// mirror). int8 values pass through; the constant is the value quantized with the input's scale
// and zero point (saturating).
import { padCopies, prepareCopy, runCopy, type PadMode } from '../../runtime/ops/copy.js';
import { quantizeValue } from '../numerics.js';
import { fail, fmt, where, type OpDef } from './def.js';
import { sameDTypes } from './dense.js';
import { elOf, intList, perSample, sampleOf } from './move.js';
import { tensorQuant } from './quant-params.js';

export interface PadAttrs {
  pads: number[];
  mode: PadMode;
  value: number;
}

const MODES: readonly PadMode[] = ['constant', 'reflect', 'edge'];

export const pad: OpDef<PadAttrs> = {
  inputs: [1, 1],
  int8: 'passthrough',
  int8When: 'first-input',
  check(node) {
    const a = node.attrs;
    intList(node, a.pads, 'pads');
    if (!MODES.includes(a.mode)) fail(node, `attrs.mode must be one of ${MODES.join(', ')}`);
    if (typeof a.value !== 'number' || !Number.isFinite(a.value)) fail(node, 'attrs.value must be a finite number');
  },
  infer(node, [x]) {
    const a = node.attrs, r = x.shape.length;
    if (a.pads.length !== 2 * r) fail(node, `${a.pads.length} pads for input ${fmt(x.shape)}: want ${2 * r} (begins, then ends)`);
    return [x.shape.map((d, i) => {
      const b = a.pads[i], e = a.pads[i + r], core = d - Math.max(0, -b) - Math.max(0, -e);
      if (core < 1) fail(node, `pads ${fmt(a.pads)} crop axis ${i} of ${fmt(x.shape)} to nothing`);
      if (a.mode === 'reflect' && Math.max(b, e) >= core) fail(node, `reflect pads ${fmt(a.pads)} must be smaller than axis ${i} (${core})`);
      return core + Math.max(0, b) + Math.max(0, e);
    })];
  },
  dtypes: sameDTypes,
  create(ctx, node) {
    const x = ctx.info(node.inputs[0]), y = ctx.info(node.outputs[0]);
    const a = node.attrs, r = x.shape.length;
    const keeps = a.pads[0] === 0 && a.pads[r] === 0;
    perSample(node, x, y, keeps);
    const el = elOf(x), mem = ctx.mem;
    const { out, copies } = padCopies(keeps ? sampleOf(x.shape) : x.shape, a.pads.slice(0, r), a.pads.slice(r), a.mode);
    const layers = copies.map((c) => ({ ...c, layer: prepareCopy(mem, ctx.build, c.loops, el, where(node)) }));
    // Constant mode with any positive pad: every output element starts as the value.
    let fill = (_y: number): void => {};
    if (a.mode === 'constant' && a.pads.some((p) => p > 0)) {
      const q = x.dtype === 'i8' ? tensorQuant(x, node) : null;
      const src = mem.put(q ? Int8Array.of(quantizeValue(a.value, q.scale, q.zeroPoint)) : Float32Array.of(a.value));
      const layer = prepareCopy(mem, ctx.build, [{ n: out.reduce((p, d) => p * d, 1), xs: 0, ys: 1 }], el, where(node));
      fill = (yp) => runCopy(mem, layer, src, yp);
    }
    const [X, Y] = [ctx.x[0], ctx.y[0]];
    return () => {
      fill(Y.ptr);
      for (const c of layers) runCopy(mem, c.layer, (c.from === 'x' ? X.ptr : Y.ptr) + c.xOff * el, Y.ptr + c.yOff * el);
    };
  },
};
