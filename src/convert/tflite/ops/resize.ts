// RESIZE_BILINEAR, RESIZE_NEAREST_NEIGHBOR <-> resize (NHWC, height and width). TFLite's two
// flags are ONNX coordinate modes of the IR's resize (scales = output size / input size):
//   bilinear: align_corners -> align_corners; half_pixel_centers -> half_pixel (TFLite clamps
//             the neighbours into the input, ONNX the coordinate: the same values); neither ->
//             asymmetric.
//   nearest:  align_corners -> align_corners, rounding halves up (TFLite's round of a
//             coordinate >= 0); half_pixel_centers -> tf_half_pixel_for_nearest, floor;
//             neither -> asymmetric, floor.
// Both flags at once have no IR form (TFLite refuses it for bilinear): refused.
import type { ResizeOptions } from '../model.js';
import { sameQuant } from '../../../ir/ops/quant-params.js';
import type { TfliteImportContext } from '../context.js';
import type { TfliteOpView } from '../view.js';
import type { TfliteFamily } from './family.js';
import type { NodeOf } from '../../../ir/types.js';
import type { ResizeAttrs } from '../../../ir/ops/resize.js';
import type { TfliteExporter } from '../export.js';

/** The IR coordinate (and nearest) mode of TFLite's flags. */
function modes(nearest: boolean, o: ResizeOptions): Pick<ResizeAttrs, 'coord' | 'nearest'> {
  if (o.alignCorners) return nearest ? { coord: 'align_corners', nearest: 'round_prefer_ceil' } : { coord: 'align_corners' };
  if (o.halfPixelCenters) return nearest ? { coord: 'tf_half_pixel_for_nearest', nearest: 'floor' } : { coord: 'half_pixel' };
  return nearest ? { coord: 'asymmetric', nearest: 'floor' } : { coord: 'asymmetric' };
}

function resize(ctx: TfliteImportContext, op: TfliteOpView): void {
  const o = (op.options ?? { alignCorners: false, halfPixelCenters: false }) as ResizeOptions;
  const nearest = op.op === 'RESIZE_NEAREST_NEIGHBOR';
  const x = ctx.value(op, 0);
  const xt = ctx.byName.get(x)!;
  const out = op.outputs[0]!;
  const yq = ctx.activationOf(op, out);
  const size = Array.from(ctx.constant(op, 1, 'size').data as Int32Array);
  if (o.alignCorners && o.halfPixelCenters) ctx.unsupported(op, 'align_corners and half_pixel_centers both set', 'TFLite refuses the pair for bilinear resizes and branchy\'s resize has no such coordinate mode; set one of them');
  if (xt.shape.length !== 4 || size.length !== 2) ctx.unsupported(op, `size [${size.join(', ')}] for input [${xt.shape.join(', ')}]`, 'branchy resizes NHWC tensors along height and width');
  if (xt.dtype !== yq.dtype) ctx.unsupported(op, `input is ${xt.dtype} and output "${out.name}" ${yq.dtype}`, 'the model is malformed');
  const [h, w] = size;
  ctx.emit(op, 'resize', [x], { mode: nearest ? 'nearest' : 'linear', ...modes(nearest, o), scales: [h / xt.shape[1], w / xt.shape[2]], size: [h, w] }, { ...yq, tflite: out });
}

/** resize as RESIZE_*: the coordinate modes above and scales of output / input size, else refused. */
function exportResize(ex: TfliteExporter, node: NodeOf<'resize'>): void {
  const a = node.attrs;
  const [x, y] = [ex.info(node.inputs[0]), ex.info(node.outputs[0])];
  const nearest = a.mode === 'nearest';
  const flags = ([[false, false], [true, false], [false, true]] as const).find(([alignCorners, halfPixelCenters]) => {
    const m = modes(nearest, { type: 'ResizeBilinearOptions', alignCorners, halfPixelCenters });
    return m.coord === a.coord && (!nearest || m.nearest === (a.nearest ?? 'round_prefer_floor'));
  });
  const exact = a.scales[0] === y.shape[1] / x.shape[1] && a.scales[1] === y.shape[2] / x.shape[2];
  if (!flags || !exact) {
    ex.unsupported(node, `${a.mode} resize with coordinates ${a.coord}${nearest ? ` / ${a.nearest ?? 'round_prefer_floor'}` : ''}, scales [${a.scales.join(', ')}]`,
      'TFLite resizes by the output size with asymmetric, align_corners or half-pixel coordinates (nearest: floor, or rounding with align_corners)');
  }
  const [alignCorners, halfPixelCenters] = flags;
  const op = nearest ? 'RESIZE_NEAREST_NEIGHBOR' : 'RESIZE_BILINEAR';
  // TFLite's integer resizes keep the input's quantization (the kernels ignore the output's): where
  // branchy's output has its own, resize at the input's and requantize with QUANTIZE (nearest: the
  // same values as branchy's kernel; bilinear: two roundings where branchy has one).
  const requant = (y.dtype === 'i8' || y.dtype === 'u8') && !sameQuant(x.quant, y.quant);
  const tensors = ex.model.subgraphs[0].tensors;
  const out = requant ? ex.intermediate(node.outputs[0], y.shape, 'resized') : ex.tensor(node.outputs[0]);
  if (requant) tensors[out].quantization = tensors[ex.tensor(node.inputs[0])].quantization;
  ex.op(op, [ex.tensor(node.inputs[0]), ex.constant(`${node.name}/size`, Int32Array.from(a.size))], [out],
    { type: nearest ? 'ResizeNearestNeighborOptions' : 'ResizeBilinearOptions', alignCorners, halfPixelCenters }, halfPixelCenters ? 3 : 1);
  if (requant) ex.op('QUANTIZE', [out], [ex.tensor(node.outputs[0])]);
}

export const resizeFamily: TfliteFamily = {
  import: { RESIZE_BILINEAR: resize, RESIZE_NEAREST_NEIGHBOR: resize },
  export: { resize: (ex, n) => exportResize(ex, n as NodeOf<'resize'>) },
};
