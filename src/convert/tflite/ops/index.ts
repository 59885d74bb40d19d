// The TFLite op table: every TFLite builtin branchy reads, once, in its family file; every IR
// op the exporter writes, once, beside it. The importer's supported list derives from it.
import type { TfliteExportFn, TfliteFamily, TfliteImportFn } from './family.js';
import { convFamily } from './conv.js';
import { gemmFamily } from './gemm.js';
import { elementwiseFamily } from './elementwise.js';
import { poolFamily } from './pool.js';
import { shapeFamily } from './shape.js';
import { softmaxFamily } from './softmax.js';
import { quantFamily } from './quant.js';
import { activationFamily } from './activation.js';
import { resizeFamily } from './resize.js';
import { transposeConvFamily } from './transpose-conv.js';
import { reduceFamily } from './reduce.js';

const FAMILIES: readonly TfliteFamily[] = [convFamily, gemmFamily, elementwiseFamily, poolFamily, shapeFamily, softmaxFamily, quantFamily, activationFamily,
  resizeFamily, transposeConvFamily,
  reduceFamily];

function merge<T>(parts: (Record<string, T> | undefined)[]): Readonly<Record<string, T>> {
  const out: Record<string, T> = Object.create(null) as Record<string, T>;
  for (const p of parts) {
    for (const [k, v] of Object.entries(p ?? {})) {
      if (k in out) throw new Error(`internal: TFLite op table lists '${k}' twice`);
      out[k] = v;
    }
  }
  return out;
}

/** TFLite builtin name -> how branchy imports it. */
export const TFLITE_IMPORTS: Readonly<Record<string, TfliteImportFn>> = merge(FAMILIES.map((f) => f.import));

/** IR op -> how the exporter writes it. */
export const TFLITE_EXPORTS: Readonly<Record<string, TfliteExportFn>> = merge(FAMILIES.map((f) => f.export));

/** The TFLite builtins branchy imports, in table order. */
export const TFLITE_SUPPORTED: readonly string[] = Object.keys(TFLITE_IMPORTS);
