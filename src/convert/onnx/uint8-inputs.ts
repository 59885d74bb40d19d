// uint8 and int8 graph inputs (quantized models that take pixels): an input of type UINT8 or
// INT8 read only by DequantizeLinear (or QLinearConv / QLinearMatMul / ...) nodes with one
// constant scale s and zero point zp becomes a float input holding the dequantized value,
// quantized at once with (s, zp), and the model's pixel normalisation (value - zp) · s: uint8
// pixels passed as a Uint8Array land, through the input's quantize table, on exactly the int8
// values u - 128 (zero point zp - 128), as ONNX Runtime reads them; an Int8Array's values q are
// read as the pixels q + 128 (the normalisation's mean is then zp + 128), which land on q; a
// Float32Array passes the dequantized values. Other integer inputs are left for the importer to
// refuse.
import type { onnx } from 'onnx-proto';
import { BranchyUnsupportedError } from '../../errors.js';
import { ONNX } from './onnx-proto.js';
import { decodeTensor } from './proto.js';

const T = ONNX.TensorProto.DataType;

/**
 * Rewrites uint8 and int8 graph inputs as above, in place (the model's other inputs are
 * untouched); returns each one's type by name, for the IR inputs' `sourceDtype`.
 */
export function uint8Inputs(model: onnx.ModelProto): Map<string, 'u8' | 'i8'> {
  const types = new Map<string, 'u8' | 'i8'>();
  const g = model.graph;
  if (!g) return types;
  const inits = new Map((g.initializer ?? []).map((t) => [t.name ?? '', t]));
  const params: { s: number; mean: number }[] = [];
  for (const vi of g.input ?? []) {
    const tt = vi.type?.tensorType;
    if (!tt || (tt.elemType !== T.UINT8 && tt.elemType !== T.INT8) || inits.has(vi.name ?? '')) continue;
    const name = vi.name ?? '';
    const type = tt.elemType === T.UINT8 ? 'UINT8' : 'INT8';
    const readers = (g.node ?? []).filter((n) => n.input?.includes(name));
    // Dynamic quantization (ConvInteger / MatMulInteger on the raw input): the lowering in qdq.ts says what to do.
    if (readers.some((n) => n.opType === 'ConvInteger' || n.opType === 'MatMulInteger')) continue;
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
      // Name the first reader at fault: another op, or a scale / zero point that is computed or per axis.
      const k = Math.max(0, qs.findIndex(([s, z]) => !(s?.length === 1 && z?.length === 1)));
      const why = readers.length === 0 ? 'is read by nothing'
        : at(readers[k]) < 0 ? `is read by ${readers[k].opType} node '${readers[k].name || '(unnamed)'}'`
        : qs[k][0]?.length === 1 && qs[k][1]?.length === 1 ? 'is read with different scales or zero points'
        : `is read by ${readers[k].opType} node '${readers[k].name || '(unnamed)'}' with ${qs[k][0] && qs[k][1] ? `${qs[k][0]!.length} scales (per axis)` : 'a computed scale or zero point'}`;
      throw new BranchyUnsupportedError(`graph input '${name}' has type ${type} and ${why}; ` +
        `branchy takes ${type === 'UINT8' ? 'a uint8' : 'an int8'} input that only DequantizeLinear (or QLinear) nodes read, with one constant per-tensor scale and zero point: quantize the input per tensor`);
    }
    const [s, zp] = [qs[0][0]![0], qs[0][1]![0]];
    if (!(s > 0) || !Number.isFinite(s)) throw new BranchyUnsupportedError(`graph input '${name}': DequantizeLinear scale ${s} must be positive and finite`);
    // The pixel that stands for a value: u itself, or q + 128 (an Int8Array, read as bytes + 128).
    params.push({ s, mean: type === 'UINT8' ? zp : zp + 128 });
    types.set(name, type === 'UINT8' ? 'u8' : 'i8');
    // x (float, dequantized) -> QuantizeLinear(s, zp) -> the integer value the readers dequantize.
    const used = new Set((g.node ?? []).flatMap((n) => [...(n.input ?? []), ...(n.output ?? [])]));
    let q = `${name}__${type.toLowerCase()}`;
    while (used.has(q)) q += '_';
    const i0 = at(readers[0]);
    const [sName, zName] = [readers[0].input![i0 + 1], readers[0].input![i0 + 2] ?? ''];
    for (const n of readers) n.input = n.input!.map((v) => (v === name ? q : v));
    const zpName = zName || `${name}__zero_point`;
    if (!zName) g.initializer = [...(g.initializer ?? []), { name: zpName, dims: [], dataType: tt.elemType, int32Data: [0] }];
    g.node = [{ opType: 'QuantizeLinear', name: `${name}/quantize`, input: [name, sName, zpName], output: [q] }, ...(g.node ?? [])];
    tt.elemType = T.FLOAT;
  }
  if (params.length === 0) return types;
  if (params.some((p) => p.s !== params[0].s || p.mean !== params[0].mean)) {
    throw new BranchyUnsupportedError('integer graph inputs with different scales or zero points; branchy has one pixel normalisation per model: give them the same quantization');
  }
  if ((model.metadataProps ?? []).some((m) => m.key === 'branchy.normalize')) {
    throw new BranchyUnsupportedError("an integer graph input and metadata_props 'branchy.normalize'; the input's DequantizeLinear is its normalisation: drop the metadata");
  }
  const { s, mean } = params[0];
  model.metadataProps = [...(model.metadataProps ?? []), { key: 'branchy.normalize', value: JSON.stringify({ mean: [mean], std: [1 / s], scale: 1 }) }];
  return types;
}
