// What an IR op is, in one place (docs/architecture.md, "How to add an op"): each op is an
// OpDef in its own file under src/ir/ops/, listed once in ./index.ts. The graph checks
// (src/ir/graph.ts), the MAC count, the int8 converter and the executor all read the op's
// definition from the registry instead of restating it.
import { BranchyFormatError, BranchyLimitError } from '../../errors.js';
import type { LinearMemory } from '../../runtime/memory.js';
import type { Build } from '../../runtime/features.js';
import type { Activation, Graph, Node, TensorData, TensorInfo, Weights, Window } from '../types.js';
import { asClamp, type Clamp } from '../numerics.js';
import { windowOut } from '../window.js';
import type { BinaryRole } from './binary.js';

/** A node as an op's own file sees it: its attributes typed. */
export interface OpNode<A> {
  name: string;
  op: string;
  inputs: string[];
  outputs: string[];
  attrs: A;
  act?: Activation;
}

/**
 * How int8 flows through the op:
 * - `requantize`: an int8 kernel reads each input at its scale and writes the output at its own
 * - `passthrough`: values move unchanged; the output keeps the input's scale and zero point
 * - `shared`: every int8 input and the output share one quantization (bytes are copied)
 * - `float`: no int8 form; the op runs in f32 between a dequantize and a quantize
 * - `convert`: the op converts between f32 and int8 (quantize, dequantize, requantize)
 */
export type Int8Flow = 'requantize' | 'passthrough' | 'shared' | 'float' | 'convert';

/**
 * When `branchy convert --quant int8` runs the op in int8: `weights` (always, its weights
 * becoming int8), `any-input` (when one computed input is int8), `first-input` (when its data
 * input is int8). Absent: the converter leaves it in f32.
 */
export type Int8When = 'weights' | 'any-input' | 'first-input';

/** A planned buffer of the arena; `ptr` is set once the planner has placed every buffer. */
export interface Buf {
  ptr: number;
  readonly bytes: number;
}

/** A graph input whose only reader is this quantize step (see src/runtime/input.ts). */
export interface InputQuantize {
  readonly output: string;
  readonly quantize: () => void;
  prequantized: boolean;
  /**
   * Set by the executor where the input's writer quantizes every sample itself, straight into the
   * int8 tensor (src/runtime/input.ts): the float input then has no slot of its own in the arena,
   * only a staging buffer of `chunk` values (0: none, the writer quantizes in JS), and this step
   * never runs its kernel.
   */
  staged?: { chunk: number };
}

/** What an op's runtime step gets from the executor (src/runtime/executor.ts). */
export interface StepContext {
  readonly mem: LinearMemory;
  readonly build: Build;
  /** Whether a 3x3 stride-1 conv may run on the Winograd kernel (CompileOptions.winograd). */
  readonly winograd: boolean;
  /**
   * Says the step's kernel may write its output over its first input (the same pointer: it reads
   * every input byte before it writes over it); the planner then lets the two share the arena
   * where that input dies at this step (as OpDef.inPlace does for a whole op).
   */
  allowInPlace(): void;
  readonly graph: Graph;
  readonly weights: Weights;
  info(name: string): TensorInfo;
  /** The node's constant input i as a `kind` array, null when the input is absent; a typed error otherwise. */
  constant<T extends TensorData>(node: Node, i: number, kind: new (n: number) => T): T | null;
  /** Planned buffers of the node's computed inputs (constants skipped) and of its outputs. */
  readonly x: readonly Buf[];
  readonly y: readonly Buf[];
  /** A scratch buffer for this step, planned with the activations. */
  scratch(bytes: number): Buf;
  /** The reader this node took into its own kernel (fuse), whose output `y` is. */
  readonly absorbed?: Node;
  /** The fused activation as a clamp (`none` when there is none or when it runs as a separate f32 pass). */
  readonly clamp: Clamp;
  /** How many nodes read a tensor. */
  readers(name: string): number;
  /** A quantize step that a graph input's writer may do itself (src/runtime/input.ts). */
  quantizesInput(input: string, q: InputQuantize): void;
}

export interface OpDef<A> {
  /** Inputs: at least `min`, at most `max` (optional ones last); one output. */
  readonly inputs: readonly [min: number, max: number];
  /** Whether a fused activation (`act`) may ride on the op's output. */
  readonly fusesActivation?: boolean;
  readonly int8: Int8Flow;
  readonly int8When?: Int8When;
  /** Why the converter keeps this node in f32 although int8When holds, if it must. */
  int8Refusal?(node: OpNode<A>, isConst: (tensor: string) => boolean, info: (tensor: string) => TensorInfo): string | undefined;
  /** How the op may read or write binary (b1) values (src/ir/ops/binary.ts); absent: never. */
  readonly binary?: BinaryRole;
  /** Checks the attributes' types and ranges (untrusted files reach this); throws via fail(). */
  check(node: OpNode<A>): void;
  /** Output shapes from the input tensors; throws via fail() on a mismatch. */
  infer(node: OpNode<A>, ins: TensorInfo[]): number[][];
  /** dtype rules beyond "computed tensors keep the first input's dtype" (the default). */
  dtypes?(node: OpNode<A>, ins: TensorInfo[], outs: TensorInfo[]): void;
  /** Multiply-accumulates of one sample (default 0: data movement). */
  macs?(node: OpNode<A>, ins: TensorInfo[], outs: TensorInfo[]): number;
  /**
   * Work of one sample beyond its MACs and the elements it reads and writes (the default
   * count), e.g. a pool's window taps; what `workCap` bounds (src/ir/shapes.ts workOf).
   */
  work?(node: OpNode<A>, ins: TensorInfo[], outs: TensorInfo[]): number;
  /** The reader this node can take into its own kernel in this build, if any (a conv's max pool). */
  absorbs?(node: OpNode<A>, ctx: AbsorbContext): Node | null;
  /**
   * The step's kernels (every build) stream forward and write at most as many bytes per element
   * as they read, so the output may start at the first input's first byte: the executor lets
   * the two share the arena where that input dies at this step (the planner's aliases).
   */
  readonly inPlace?: boolean;
  /** Prepare the step at load (pack weights, write params); returns the call made per sample. */
  create(ctx: StepContext, node: OpNode<A>): () => void;
}

export interface AbsorbContext {
  readonly graph: Graph;
  readonly build: Build;
  info(name: string): TensorInfo;
  /** The nodes that read a tensor. */
  readersOf(name: string): Node[];
  /** Whether a tensor is computed (or a graph input) before `node` runs, in the execution order. */
  computedBefore(name: string, node: Node): boolean;
  /** Whether a conv may take the residual add it feeds (the executor's fuseResidualAdd option). */
  residualAdd: boolean;
  /** Whether a 3x3 stride-1 conv may run on the Winograd kernel (the executor's winograd option): its kernel decides what it can fuse. */
  winograd: boolean;
}

// ---- checks shared by the op files ----------------------------------------------------------

/** The largest value an int32 kernel parameter may take. */
export const I32_MAX = 2 ** 31 - 1;

export function where(node: { name?: unknown; op?: unknown }): string {
  return `node '${String(node.name)}' (${String(node.op)})`;
}

export function fail(node: { name?: unknown; op?: unknown }, msg: string): never {
  throw new BranchyFormatError(`${where(node)}: ${msg}`);
}

/** A short, safe rendering of an untrusted value for an error message. */
export function show(v: unknown): string {
  if (Array.isArray(v)) return `[${v.slice(0, 8).map((x) => (typeof x === 'number' ? String(x) : typeof x)).join(', ')}${v.length > 8 ? ', …' : ''}]`;
  return typeof v === 'number' || typeof v === 'boolean' ? String(v) : typeof v === 'string' ? JSON.stringify(v.slice(0, 40)) : typeof v;
}

export const isInt = (v: unknown, min: number, max = I32_MAX): v is number =>
  typeof v === 'number' && Number.isInteger(v) && v >= min && v <= max;

export function intTuple(node: OpNode<unknown>, attrs: Record<string, unknown>, key: string, n: number, min: number, max = I32_MAX): void {
  const v = attrs[key];
  if (!Array.isArray(v) || v.length !== n || !v.every((x) => isInt(x, min, max))) {
    fail(node, `attrs.${key} must be ${n} integers >= ${min} and <= ${max}, got ${show(v)}`);
  }
}

export function checkBool(node: OpNode<unknown>, attrs: Record<string, unknown>, key: string): void {
  if (typeof attrs[key] !== 'boolean') fail(node, `attrs.${key} must be a boolean`);
}

/**
 * The largest window attribute, and padded input extent, a window op may have: 2^24. Every
 * position a kernel computes from them (oy * stride - pad + ky * dilation, ...) then fits an int32.
 */
export const WINDOW_MAX = 2 ** 24;

export function checkWindow(node: OpNode<Window>): void {
  const a = node.attrs as unknown as Record<string, unknown>;
  intTuple(node, a, 'kernel', 2, 1, WINDOW_MAX);
  intTuple(node, a, 'strides', 2, 1, WINDOW_MAX);
  intTuple(node, a, 'dilations', 2, 1, WINDOW_MAX);
  intTuple(node, a, 'pads', 4, 0, WINDOW_MAX);
}

/** A pool's padding is smaller than its (dilated) window, as ONNX Runtime requires: else whole windows would read only padding. */
export function checkPoolPads(node: OpNode<Window>): void {
  const w = node.attrs;
  for (let i = 0; i < 4; i++) {
    const axis = i % 2;
    const extent = w.dilations[axis] * (w.kernel[axis] - 1) + 1;
    if (w.pads[i] >= extent) fail(node, `pads ${fmt(w.pads)}: pad ${w.pads[i]} is not smaller than the window (${extent} along ${axis ? 'width' : 'height'}); a pool's padding must be smaller than its window`);
  }
}

export const numel = (s: readonly number[]): number => s.reduce((p, d) => p * d, 1);
export const same = (a: readonly number[], b: readonly number[]): boolean =>
  a.length === b.length && a.every((d, i) => d === b[i]);
export const fmt = (s: readonly number[]): string => `[${s.join(', ')}]`;

export function rank(node: OpNode<unknown>, t: TensorInfo, r: number, what: string): void {
  if (t.shape.length !== r) fail(node, `${what} '${t.name}' must have rank ${r}, has shape ${fmt(t.shape)}`);
}

/** Output height and width of a window op over an NHWC input; fails when the window does not fit. */
export function spatial(node: OpNode<Window>, x: readonly number[], ceil: boolean): [number, number] {
  const w = node.attrs;
  for (const [i, size, p0, p1] of [[0, x[1], w.pads[0], w.pads[2]], [1, x[2], w.pads[1], w.pads[3]]] as const) {
    if (size + p0 + p1 > WINDOW_MAX || w.dilations[i] * (w.kernel[i] - 1) + 1 > WINDOW_MAX) {
      throw new BranchyLimitError(`${where(node)}: window ${fmt(w.kernel)} (dilations ${fmt(w.dilations)}, pads ${fmt(w.pads)}) over input ${fmt(x)} spans more than ${WINDOW_MAX} positions, the most branchy's kernels address`);
    }
  }
  const oh = windowOut(x[1], w.kernel[0], w.strides[0], w.dilations[0], w.pads[0], w.pads[2], ceil);
  const ow = windowOut(x[2], w.kernel[1], w.strides[1], w.dilations[1], w.pads[1], w.pads[3], ceil);
  if (oh < 1 || ow < 1) fail(node, `window ${fmt(w.kernel)} does not fit input ${fmt(x)} (output ${oh}x${ow})`);
  return [oh, ow];
}

/** A node's optional bias input (index 2) must have shape [n]. */
export function checkBias(node: OpNode<unknown>, ins: TensorInfo[], n: number): void {
  const b = ins[2];
  if (node.inputs.length > 2 && (!b || !same(b.shape, [n]))) fail(node, `bias must have shape [${n}], has ${b ? fmt(b.shape) : 'none'}`);
}

/** dtype check helper: t's dtype must be one of `ok`. */
export function want(node: OpNode<unknown>, t: TensorInfo | undefined, ok: readonly string[], what: string): void {
  if (t && !ok.includes(t.dtype)) fail(node, `${what} '${t.name}' is ${t.dtype}, expected ${ok.join(' or ')}`);
}

/** The clamp of a node's fused activation, `none` when it has none or when it is not a clamp. */
export const clampOf = (node: { act?: Activation }): Clamp => asClamp(node.act) ?? { kind: 'none' };
