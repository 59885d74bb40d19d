// The ONNX op table: every ONNX op branchy reads (or refuses with advice), once, in its family
// file; every IR op the exporter writes, once, beside it. The importer's supported list, the
// inputs each op requires and the advice for refused ops all derive from this table.
import type { onnx } from 'onnx-proto';
import type { ExportFn, ImportFn, OnnxFamily, OnnxOp } from './family.js';
import { convFamily } from './conv.js';
import { normalizationFamily } from './normalization.js';
import { activationFamily } from './activation.js';
import { poolFamily } from './pool.js';
import { elementwiseFamily } from './elementwise.js';
import { shapeFamily } from './shape.js';
import { gemmFamily } from './gemm.js';
import { softmaxFamily } from './softmax.js';
import { constantFamily } from './constant.js';
import { quantFamily } from './quant.js';
import { binaryFamily } from './binary.js';
import { moveFamily } from './move.js';
import { reduceFamily } from './reduce.js';
import { resizeFamily } from './resize.js';

const FAMILIES: readonly OnnxFamily[] = [
  convFamily, normalizationFamily, activationFamily, poolFamily, elementwiseFamily, shapeFamily, gemmFamily, softmaxFamily,
  constantFamily, quantFamily, binaryFamily, moveFamily, reduceFamily, resizeFamily,
];

function merge<T>(parts: (Record<string, T> | undefined)[]): Readonly<Record<string, T>> {
  const out: Record<string, T> = Object.create(null) as Record<string, T>;
  for (const p of parts) {
    for (const [k, v] of Object.entries(p ?? {})) {
      if (k in out) throw new Error(`internal: ONNX op table lists '${k}' twice`);
      out[k] = v;
    }
  }
  return out;
}

/** ONNX op type -> how branchy imports it. */
export const ONNX_IMPORTS: Readonly<Record<string, OnnxOp>> = merge(FAMILIES.map((f) =>
  Object.fromEntries(Object.entries(f.import).map(([k, v]): [string, OnnxOp] => [k, typeof v === 'function' ? { import: v as ImportFn } : v]))));

/** IR op -> how the exporter writes it. */
export const ONNX_EXPORTS: Readonly<Record<string, ExportFn>> = merge(FAMILIES.map((f) => f.export));

/** The standard ONNX ops branchy imports, in table order (the error for any other lists them). */
export const SUPPORTED: readonly string[] = Object.keys(ONNX_IMPORTS).filter((k) => !ONNX_IMPORTS[k].advice && !ONNX_IMPORTS[k].domains);

/** Inputs an op requires (the spec's; default 1): the importer reads them unchecked. */
export const minInputs = (opType: string): number => ONNX_IMPORTS[opType]?.min ?? 1;

/** The table entry for a node (QONNX quantizers only in their domains), or undefined. */
export function onnxOp(n: onnx.INodeProto): OnnxOp | undefined {
  const e = ONNX_IMPORTS[n.opType ?? ''];
  if (!e) return undefined;
  const foreign = !!n.domain && n.domain !== 'ai.onnx';
  return (e.domains ? foreign && e.domains.has(n.domain!) : !foreign) ? e : undefined;
}
