// branchy inspect FILE: the graph, per-layer dtype, quantization, sizes and MACs, and the
// early exits (each stage's, head's and predictor's MACs, calibrated thresholds, measured times).
import { parse } from '../args.js';
import { readModelFile } from '../model-file.js';
import type { Graph, TensorInfo } from '../../ir/types.js';
import { nodeMacs } from '../../ir/macs.js';
import { storageOf } from '../../ir/graph.js';
import { findExits, isMultiExit } from '../../ir/exits.js';
import { BranchyInputError } from '../../errors.js';

const USAGE = 'branchy inspect MODEL.(branchy|onnx)';

const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);

function quantText(t: TensorInfo): string {
  const q = t.quant;
  if (!q) return '';
  if (q.kind === 'tensor') return ` s=${q.scale.toPrecision(4)} zp=${q.zeroPoint}`;
  const lo = Math.min(...q.scales), hi = Math.max(...q.scales);
  return ` per-channel s∈[${lo.toPrecision(3)}, ${hi.toPrecision(3)}]`;
}

export function describe(graph: Graph, fileBytes: number, metadata: Record<string, string>, source = 'onnx'): string {
  const tensors = new Map(graph.tensors.map((x) => [x.name, x]));
  const t = (n: string) => tensors.get(n)!;
  const lines: string[] = [];
  let macs = 0, params = 0;
  lines.push(`format ${metadata['branchy.format'] ?? `(${source}, converted in memory)`}, ${fileBytes} bytes`);
  const int = (name: string) => (t(name).sourceDtype ? ` (${t(name).sourceDtype === 'u8' ? 'uint8' : 'int8'} in the model: ${graph.inputs.includes(name) ? 'takes' : 'returns'} its integers)` : '');
  for (const name of graph.inputs) lines.push(`input  ${name} ${t(name).dtype} [${t(name).shape.join(', ')}]${t(name).sourceLayout === 'NCHW' ? ' (NHWC inside; fed NCHW)' : ''}${int(name)}`);
  if (graph.normalize) lines.push(`normalize (x/${graph.normalize.scale} - [${graph.normalize.mean}]) / [${graph.normalize.std}]`);
  lines.push('');
  lines.push('node'.padEnd(28) + 'op'.padEnd(14) + 'dtype'.padEnd(6) + 'output'.padEnd(18) + 'MACs'.padStart(12) + 'weights'.padStart(10) + '  quantization');
  for (const n of graph.nodes) {
    const y = t(n.outputs[0]);
    const m = nodeMacs(graph, n, tensors);
    const wBytes = n.inputs.slice(1).filter((i) => t(i)?.constant).reduce((a, i) => a + numel(storageOf(t(i)).shape) * (t(i).dtype === 'f32' || t(i).dtype === 'i32' ? 4 : 1), 0);
    macs += m;
    params += wBytes;
    const w = n.inputs[1] && t(n.inputs[1])?.constant ? t(n.inputs[1]) : undefined;
    const q = quantText(y) + (w?.quant ? ` w:${quantText(w)}` : '');
    const op = n.op + (n.act && n.act.kind !== 'none' ? `+${n.act.kind}` : '');
    lines.push(n.name.slice(0, 27).padEnd(28) + op.padEnd(14) + t(n.inputs[0]).dtype.padEnd(6) + `[${y.shape.slice(1).join('×')}]`.padEnd(18) + String(m).padStart(12) + String(wBytes).padStart(10) + ' ' + q);
  }
  lines.push('');
  for (const name of graph.outputs) lines.push(`output ${name} ${t(name).dtype} [${t(name).shape.join(', ')}]${int(name)}`);
  lines.push(`total: ${graph.nodes.length} nodes, ${macs} MACs per sample, ${params} bytes of weights`);
  const plan = graph.exits ?? (isMultiExit(graph) ? findExits(graph) : undefined);
  if (plan) {
    lines.push('');
    lines.push('exit'.padEnd(6) + 'output'.padEnd(10) + 'stage MACs'.padStart(12) + 'head'.padStart(10) + 'predictor'.padStart(11) + '  thresholds (as calibrated)' + '  measured ms (stage/head/predictor)');
    plan.exits.forEach((e, i) => {
      const th = e.thresholds ?? {};
      const thText = (['entropy', 'maxprob', 'predictor'] as const).filter((k) => th[k] !== undefined).map((k) => `${k} ${th[k]!.toPrecision(4)}`).join(', ');
      const ms = e.timeMs ? [e.timeMs.stage, e.timeMs.head, e.timeMs.predictor].map((x) => x.toFixed(4)).join('/') : '';
      lines.push(String(i).padEnd(6) + e.output.padEnd(10) + String(e.macs.stage).padStart(12) + String(e.macs.head).padStart(10) +
        String(e.predictor ? e.macs.predictor : '-').padStart(11) + '  ' + (thText || '(none)').padEnd(27) + '  ' + ms);
    });
  }
  return lines.join('\n');
}

export async function inspect(argv: string[]): Promise<void> {
  const { positionals } = parse(argv, {}, USAGE);
  if (positionals.length !== 1) throw new BranchyInputError(`inspect takes one model file\nusage: ${USAGE}`);
  const f = await readModelFile(positionals[0]);
  console.log(describe(f.graph, f.bytes, f.metadata, positionals[0].endsWith('.tflite') ? 'tflite' : 'onnx'));
}
