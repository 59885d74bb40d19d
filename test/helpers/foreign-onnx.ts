// A model "someone else trained": one of the bundled ONNX models rewritten with another
// framework's input conventions (Keras / tf2onnx style), so that the tests of --scale/--mean/
// --std/--layout and `attach` have an ONNX file that takes what such exports take:
// - NHWC input (`pixels`, [N, H, W, C]) with a Transpose to NCHW inside the graph;
// - raw 0..255 values, the normalisation done by ops inside the graph (a rescaling Mul by 1/255,
//   then Sub mean / Div std per channel), and no `branchy.normalize` metadata;
// - optionally the rescaling before the transpose (Keras' Rescaling layer first), which the
//   importer cannot tell from an NCHW input without `inputLayout: 'NHWC'` (CLI --layout NHWC);
// - only the output `keep`, renamed `logits` (others and the nodes only they need are dropped).
import type { onnx } from 'onnx-proto';
import { ONNX } from '../../src/convert/onnx/onnx-proto.js';
import { tensorProto } from '../convert/helpers.js';

export interface ForeignOptions {
  /** The output to keep (default: the first). */
  keep?: string;
  /** The Mul by 1/255 before the Transpose (NHWC), instead of after it. */
  rescaleFirst?: boolean;
  /** A final Softmax after the kept output (probabilities out, as Keras models often end). */
  softmax?: boolean;
}

export function foreignOnnx(bytes: Uint8Array, opts: ForeignOptions = {}): Uint8Array {
  const m = ONNX.ModelProto.decode(bytes);
  const g = m.graph!;
  const norm = JSON.parse(m.metadataProps!.find((p) => p.key === 'branchy.normalize')!.value!) as { mean: number[]; std: number[]; scale: number };
  const input = g.input![0];
  const dims = input.type!.tensorType!.shape!.dim!;
  const [n, c, h, w] = dims;
  const keep = opts.keep ?? g.output![0].name!;
  // Drop what `keep` does not need.
  const made = new Map<string, onnx.INodeProto>();
  for (const node of g.node!) for (const o of node.output ?? []) made.set(o, node);
  const need = new Set<onnx.INodeProto>();
  const stack = [keep];
  while (stack.length) {
    const node = made.get(stack.pop()!);
    if (!node || need.has(node)) continue;
    need.add(node);
    stack.push(...(node.input ?? []));
  }
  const body = g.node!.filter((x) => need.has(x));
  const used = new Set(body.flatMap((x) => x.input ?? []));
  const C = norm.mean.length;
  const inits = [
    tensorProto('rescale', [], [1 / norm.scale]),
    tensorProto('mean_c', [1, C, 1, 1], norm.mean),
    tensorProto('std_c', [1, C, 1, 1], norm.std),
  ];
  const pre: onnx.INodeProto[] = opts.rescaleFirst
    ? [
      { opType: 'Mul', input: ['pixels', 'rescale'], output: ['rescaled'], name: 'rescaling' },
      { opType: 'Transpose', input: ['rescaled'], output: ['nchw'], name: 'to_nchw', attribute: [{ name: 'perm', type: ONNX.AttributeProto.AttributeType.INTS, ints: [0, 3, 1, 2] }] },
      { opType: 'Sub', input: ['nchw', 'mean_c'], output: ['centred'], name: 'sub_mean' },
    ]
    : [
      { opType: 'Transpose', input: ['pixels'], output: ['nchw'], name: 'to_nchw', attribute: [{ name: 'perm', type: ONNX.AttributeProto.AttributeType.INTS, ints: [0, 3, 1, 2] }] },
      { opType: 'Mul', input: ['nchw', 'rescale'], output: ['rescaled'], name: 'rescaling' },
      { opType: 'Sub', input: ['rescaled', 'mean_c'], output: ['centred'], name: 'sub_mean' },
    ];
  pre.push({ opType: 'Div', input: ['centred', 'std_c'], output: [input.name!], name: 'div_std' });
  // The kept output is renamed `logits` (or feeds the softmax `probs`).
  for (const node of body) node.output = node.output!.map((o) => (o === keep ? 'logits' : o));
  const post: onnx.INodeProto[] = opts.softmax ? [{ opType: 'Softmax', input: ['logits'], output: ['probs'], name: 'softmax', attribute: [{ name: 'axis', type: ONNX.AttributeProto.AttributeType.INT, i: 1 }] }] : [];
  const out = ONNX.ModelProto.create({
    ...m,
    metadataProps: [],
    graph: {
      ...g,
      node: [...pre, ...body, ...post],
      input: [{ name: 'pixels', type: { tensorType: { elemType: 1, shape: { dim: [n, h, w, c] } } } }],
      output: [{ ...g.output!.find((o) => o.name === keep)!, name: opts.softmax ? 'probs' : 'logits' }],
      initializer: [...g.initializer!.filter((t) => used.has(t.name!)), ...inits],
    },
  });
  return ONNX.ModelProto.encode(out).finish();
}
