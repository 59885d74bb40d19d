// What a family file of the ONNX op table holds (docs/architecture.md, "How to add an op"):
// for each ONNX op it imports, a small function that maps the node's attributes (with the
// spec's defaults) onto IR ops, and for each IR op it writes back, the ONNX it becomes.
import type { onnx } from 'onnx-proto';
import type { Node } from '../../../ir/types.js';
import type { Attrs } from '../proto.js';
import type { ImportContext } from '../context.js';
import type { Exporter } from '../../onnx-export/export.js';

/** Translates ONNX node `n` (attributes `a`, first output `out`) into IR nodes and values. */
export type ImportFn = (ctx: ImportContext, n: onnx.INodeProto, a: Attrs, out: string) => void;

export interface OnnxOp {
  /** Translation; absent for the ops qdq.ts lowers to the QDQ form before translation. */
  import?: ImportFn;
  /** Inputs the spec requires (default 1): fewer means a malformed model. */
  min?: number;
  /** For an op branchy refuses (or imports only in a special form): the way out the error gives. */
  advice?: string;
  /** With every input constant: computes the output constant instead (shape arithmetic, ./constant.ts). */
  fold?: ImportFn;
  /** The output is the input (Identity, Dropout): resolved before translation. */
  alias?: true;
  /** Read only in these (non-default) domains: the QONNX quantizers. */
  domains?: ReadonlySet<string>;
}

/**
 * Writes IR node `node` as float ONNX into value `y` (node names it `name`) and returns the
 * value holding the result; the exporter wraps it in DequantizeLinear / QuantizeLinear when
 * it is int8. Ops whose int8 flow is `convert` (quantize, dequantize, requantize) write the IR
 * output `y` themselves.
 */
export type ExportFn = (ex: Exporter, node: Node, where: string, y: string, name: string) => string;

export interface OnnxFamily {
  import: Record<string, OnnxOp | ImportFn>;
  export?: Record<string, ExportFn>;
}
