// What a family file of the TFLite op table holds (docs/tflite.md): for each TFLite builtin it
// imports, a small function that translates the operator (options with their defaults filled
// in by the reader) into IR ops; for each IR op it writes back, the TFLite operator it becomes.
import type { Node } from '../../../ir/types.js';
import type { TfliteImportContext } from '../context.js';
import type { TfliteOpView } from '../view.js';
import type { TfliteExporter } from '../export.js';

/** Translates TFLite operator `op` into IR nodes; its outputs' values are recorded in the context. */
export type TfliteImportFn = (ctx: TfliteImportContext, op: TfliteOpView) => void;

/** Writes IR node `node` as TFLite operator(s). */
export type TfliteExportFn = (ex: TfliteExporter, node: Node) => void;

export interface TfliteFamily {
  import: Record<string, TfliteImportFn>;
  export?: Record<string, TfliteExportFn>;
}
