// uint8 graph inputs (quantized models that take pixels): an input of type UINT8 read only by
// DequantizeLinear (or QLinearConv / QLinearMatMul / ...) nodes with one constant scale s and
// zero point zp becomes a float input
// holding the dequantized value, quantized at once with (s, zp), and the model's pixel
// normalisation (value - zp) · s: uint8 pixels passed as a Uint8Array land, through the input's
// quantize table, on exactly the int8 values u - 128 (zero point zp - 128), as ONNX Runtime reads
// them; a Float32Array passes the dequantized values. Other integer inputs are left for the
// importer to refuse.
import type { onnx } from 'onnx-proto';
import { BranchyUnsupportedError } from '../../errors.js';
import { ONNX } from './onnx-proto.js';
import { decodeTensor } from './proto.js';

const T = ONNX.TensorProto.DataType;

/** Rewrites uint8 graph inputs as above, in place; the model's other inputs are untouched. */
export function uint8Inputs(model: onnx.ModelProto): void {
  const g = model.graph;
  if (!g) return;
  const inits = new Map((g.initializer ?? []).map((t) => [t.name ?? '', t]));
  const params: { s: number; zp: number }[] = [];
  for (const vi of g.input ?? []) {
    const tt = vi.type?.tensorType;
    if (!tt || tt.elemType !== T.UINT8 || inits.has(vi.name ?? '')) continue;
    const name = vi.name ?? '';
    const readers = (g.node ?? []).filter((n) => n.input?.includes(name));
    const value = (n: onnx.INodeProto, i: number): number[] | undefined => {
      const t = inits.get(n.input?.[i] ?? '');
      return t ? Array.from(decodeTensor(t, `initializer '${t.name}'`).data as ArrayLike<number>) : undefined;
    };
    // The scale and zero point beside the input: DequantizeLinear's, or a QLinear op's (x / a / A
    // at 0 or b / B at 3, each followed by its scale and zero point).
    const at = (n: onnx.INodeProto): number => {
      const i = n.input!.indexOf(name);
      const ok = n.input!.lastIndexOf(name) === i && (n.opType === 'DequantizeLinear' ? i === 0 : n.opType!.startsWith('QLinear') && n.opType !== 'QLinearConcat' && (i === 0 || i === 3));
      return ok ? i : -1;
    };
    const qs = readers.map((n) => (at(n) < 0 ? [] : [value(n, at(n) + 1), n.input?.[at(n) + 2] ? value(n, at(n) + 2) : [0]]));
    const ok = readers.length > 0 && qs.every(([s, z]) => s?.length === 1 && z?.length === 1) && qs.every(([s, z]) => s![0] === qs[0][0]![0] && z![0] === qs[0][1]![0]);
    if (!ok) {
      throw new BranchyUnsupportedError(`graph input '${name}' has type UINT8 and is read by ${readers.map((n) => n.opType).join(', ') || 'nothing'}; ` +
        'branchy takes a uint8 input that only DequantizeLinear (or QLinear) nodes read, with one constant per-tensor scale and zero point');
    }
    const [s, zp] = [qs[0][0]![0], qs[0][1]![0]];
    if (!(s > 0) || !Number.isFinite(s)) throw new BranchyUnsupportedError(`graph input '${name}': DequantizeLinear scale ${s} must be positive and finite`);
    params.push({ s, zp });
    // x (float, dequantized) -> QuantizeLinear(s, zp) -> the uint8 value the readers dequantize.
    const q = `${name}__uint8`;
    const i0 = at(readers[0]);
    const [sName, zName] = [readers[0].input![i0 + 1], readers[0].input![i0 + 2] ?? ''];
    for (const n of readers) n.input = n.input!.map((v) => (v === name ? q : v));
    const zpName = zName || `${name}__zero_point`;
    if (!zName) g.initializer = [...(g.initializer ?? []), { name: zpName, dims: [], dataType: T.UINT8, int32Data: [0] }];
    g.node = [{ opType: 'QuantizeLinear', name: `${name}/quantize`, input: [name, sName, zpName], output: [q] }, ...(g.node ?? [])];
    tt.elemType = T.FLOAT;
  }
  if (params.length === 0) return;
  if (params.some((p) => p.s !== params[0].s || p.zp !== params[0].zp)) {
    throw new BranchyUnsupportedError('uint8 graph inputs with different scales or zero points; branchy has one pixel normalisation per model: give them the same quantization');
  }
  if ((model.metadataProps ?? []).some((m) => m.key === 'branchy.normalize')) {
    throw new BranchyUnsupportedError("a uint8 graph input and metadata_props 'branchy.normalize'; the input's DequantizeLinear is its normalisation: drop the metadata");
  }
  const { s, zp } = params[0];
  model.metadataProps = [...(model.metadataProps ?? []), { key: 'branchy.normalize', value: JSON.stringify({ mean: [zp], std: [1 / s], scale: 1 }) }];
}
