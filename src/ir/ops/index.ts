// The op registry: every IR op, once. Adding an op = its file in this folder + one line here
// (docs/architecture.md). OpType, OpAttrs and the graph checks derive from this table.
import { conv2d } from './conv2d.js';
import { convtranspose2d } from './convtranspose2d.js';
import { dwconv2d } from './dwconv2d.js';
import { gemm } from './gemm.js';
import { maxpool } from './maxpool.js';
import { avgpool } from './avgpool.js';
import { globalavgpool } from './globalavgpool.js';
import { add } from './add.js';
import { mul } from './mul.js';
import { sub } from './sub.js';
import { div } from './div.js';
import { max } from './max.js';
import { min } from './min.js';
import { prelu } from './prelu.js';
import { concat } from './concat.js';
import { reshape } from './reshape.js';
import { flatten } from './flatten.js';
import { softmax } from './softmax.js';
import { activation } from './activation.js';
import { quantize } from './quantize.js';
import { dequantize } from './dequantize.js';
import { requantize } from './requantize.js';
import { bitpack } from './bitpack.js';
import { transpose } from './transpose.js';
import { slice } from './slice.js';
import { pad } from './pad.js';
import { reduce } from './reduce.js';
import { resize } from './resize.js';
import type { OpDef } from './def.js';

export const OPS = {
  conv2d, dwconv2d, gemm, maxpool, avgpool, globalavgpool, add, mul, sub, div, max, min, concat, reshape, flatten, softmax,
  activation, prelu, quantize, dequantize, requantize, bitpack, convtranspose2d, transpose, slice, pad, reduce, resize,
} as const;

/** Every op's name, in the registry's order. */
export const OP_TYPES = Object.keys(OPS) as (keyof typeof OPS)[];

/** Ops that may carry a fused activation (`act`); `activation` itself requires one. */
export const FUSES_ACTIVATION: ReadonlySet<string> = new Set<string>(OP_TYPES.filter((k) => OPS[k].fusesActivation));

/** The definition of an op, or undefined for a name the registry does not have. */
export function opDef(op: string): OpDef<unknown> | undefined {
  return Object.prototype.hasOwnProperty.call(OPS, op) ? (OPS[op as keyof typeof OPS] as OpDef<unknown>) : undefined;
}
