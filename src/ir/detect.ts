// How a detector's outputs become boxes: the `detect` field of a graph (docs/detection.md).
// The file stores it (`branchy convert --detect ...`); the runtime decodes with it
// (src/runtime/detect). checkDetect trusts nothing: every field and number is range-checked
// against the graph, and every failure names the field.
import { BranchyFormatError } from '../errors.js';
import type { Graph, TensorInfo } from './types.js';

/**
 * YOLOv2 region layer (darknet's `[region]`): one output [N, A*(5+C), H, W] (NCHW, as ONNX),
 * per anchor a block of 5 + C channels: tx, ty, tw, th, objectness, C class logits.
 * cx = (col + sigmoid(tx)) * inputW / W, w = anchor.w * exp(tw) * inputW / W (the same along y),
 * score = sigmoid(objectness) * softmax(classes)[label], label = the best class.
 */
export interface YoloV2Spec {
  format: 'yolov2';
  /** Class names, in the order of the class channels. */
  classes: string[];
  /** The graph output that holds the region layer. */
  output: string;
  /** Anchor (prior) sizes [w, h] in grid cells, darknet's convention. */
  anchors: [number, number][];
}

/**
 * One level of a YOLOv8 (ultralytics) anchor-free head. `box`: [N, 4*regMax, H, W], the
 * distances left, top, right, bottom from the cell centre, each as regMax bins (DFL: softmax,
 * then the expectation over 0..regMax-1; regMax 1: the distance itself), in strides. `cls`:
 * [N, C, H, W] class logits (score = sigmoid). Without `cls`, `box` holds both:
 * [N, 4*regMax + C, H, W], box channels first (ultralytics' Detect concatenates them so).
 */
export interface YoloV8Level {
  box: string;
  cls?: string;
  /** Input pixels per cell: inputH / H and inputW / W. */
  stride: number;
}

/**
 * YOLOv8 (ultralytics). `raw`: the head's per-level outputs (`levels`), decoded here.
 * `decoded`: ultralytics' exported end output [N, 4 + C, P] (`output`): cx, cy, w, h in input
 * pixels, then C class scores in [0, 1] (already sigmoid); label = the best class.
 */
export type YoloV8Spec =
  | { format: 'yolov8'; classes: string[]; layout: 'raw'; regMax: number; levels: YoloV8Level[] }
  | { format: 'yolov8'; classes: string[]; layout: 'decoded'; output: string };

export type DetectSpec = YoloV2Spec | YoloV8Spec;

export const DETECT_FORMATS = ['yolov2', 'yolov8'] as const;

/** Limits on the numbers a file may hold (far above any real detector). */
export const DETECT_LIMITS = { classes: 4096, className: 256, anchors: 64, anchorSize: 1e4, levels: 16, regMax: 64, stride: 4096 } as const;

type Fail = new (message: string) => Error;

/**
 * Checks an untrusted `detect` value against the graph and returns it typed. Errors are
 * BranchyFormatError (or `Err`) naming the field under `.detect`.
 */
export function checkDetect(v: unknown, graph: Graph, Err: Fail = BranchyFormatError): DetectSpec {
  const bad = (path: string, msg: string): never => {
    throw new Err(`detect${path}: ${msg}`);
  };
  const o = object(v, '', bad);
  const format = o.format;
  if (!(DETECT_FORMATS as readonly unknown[]).includes(format)) bad('.format', `expected one of ${DETECT_FORMATS.join(', ')}, got ${JSON.stringify(format)}`);
  const classes = classNames(o.classes, bad);
  const input = imageInput(graph, bad);
  const output = (name: unknown, path: string): TensorInfo => {
    if (typeof name !== 'string') bad(path, 'expected the name of a graph output');
    if (!graph.outputs.includes(name as string)) bad(path, `'${String(name)}' is not a graph output (outputs: ${graph.outputs.join(', ')})`);
    return graph.tensors.find((t) => t.name === name)!;
  };

  if (format === 'yolov2') {
    known(o, ['format', 'classes', 'output', 'anchors'], bad);
    const t = output(o.output, '.output');
    const anchors = list(o.anchors, '.anchors', 1, DETECT_LIMITS.anchors, bad).map((a, i) => {
      const p = list(a, `.anchors[${i}]`, 2, 2, bad);
      return p.map((x, k) => positive(x, `.anchors[${i}][${k}]`, DETECT_LIMITS.anchorSize, bad)) as [number, number];
    });
    const g = grid(t, '.output', bad);
    const want = anchors.length * (5 + classes.length);
    if (g.c !== want) bad('.output', `'${t.name}' has ${g.c} channels; ${anchors.length} anchors × (5 + ${classes.length} classes) need ${want}`);
    return { format: 'yolov2', classes, output: t.name, anchors };
  }

  const layout = o.layout;
  if (layout === 'decoded') {
    known(o, ['format', 'classes', 'layout', 'output'], bad);
    const t = output(o.output, '.output');
    const s = sourceShape(t);
    if (s.length !== 3 || s[1] !== 4 + classes.length) {
      bad('.output', `'${t.name}' has shape [${s.join(', ')}]; the decoded layout is [N, 4 + ${classes.length} classes, P]`);
    }
    return { format: 'yolov8', classes, layout, output: t.name };
  }
  if (layout !== 'raw') bad('.layout', `expected 'raw' or 'decoded', got ${JSON.stringify(layout)}`);
  known(o, ['format', 'classes', 'layout', 'regMax', 'levels'], bad);
  const regMax = o.regMax;
  if (typeof regMax !== 'number' || !Number.isInteger(regMax) || regMax < 1 || regMax > DETECT_LIMITS.regMax) {
    bad('.regMax', `expected an integer in [1, ${DETECT_LIMITS.regMax}] (16 in ultralytics; 1: plain distances), got ${JSON.stringify(regMax)}`);
  }
  const levels = list(o.levels, '.levels', 1, DETECT_LIMITS.levels, bad).map((lv, i): YoloV8Level => {
    const p = `.levels[${i}]`;
    const l = object(lv, p, bad);
    known(l, ['box', 'cls', 'stride'], bad, p);
    const box = output(l.box, `${p}.box`);
    const stride = l.stride;
    if (typeof stride !== 'number' || !Number.isInteger(stride) || stride < 1 || stride > DETECT_LIMITS.stride) {
      bad(`${p}.stride`, `expected an integer in [1, ${DETECT_LIMITS.stride}], got ${JSON.stringify(stride)}`);
    }
    const gb = grid(box, `${p}.box`, bad);
    if (gb.h * (stride as number) !== input.h || gb.w * (stride as number) !== input.w) {
      bad(`${p}.stride`, `${String(stride)} does not map '${box.name}' (${gb.h}×${gb.w} cells) onto the ${input.h}×${input.w} input`);
    }
    const boxCh = 4 * (regMax as number);
    if (l.cls === undefined) {
      if (gb.c !== boxCh + classes.length) bad(`${p}.box`, `'${box.name}' has ${gb.c} channels; 4 × regMax ${String(regMax)} + ${classes.length} classes need ${boxCh + classes.length}`);
      return { box: box.name, stride: stride as number };
    }
    const cls = output(l.cls, `${p}.cls`);
    const gc = grid(cls, `${p}.cls`, bad);
    if (gb.c !== boxCh) bad(`${p}.box`, `'${box.name}' has ${gb.c} channels; 4 × regMax ${String(regMax)} need ${boxCh}`);
    if (gc.c !== classes.length) bad(`${p}.cls`, `'${cls.name}' has ${gc.c} channels for ${classes.length} classes`);
    if (gc.h !== gb.h || gc.w !== gb.w) bad(`${p}.cls`, `'${cls.name}' is ${gc.h}×${gc.w} cells, its box tensor ${gb.h}×${gb.w}`);
    return { box: box.name, cls: cls.name, stride: stride as number };
  });
  return { format: 'yolov8', classes, layout: 'raw', regMax: regMax as number, levels };
}

/** The detector's input: the graph's only input, an image [N, C, H, W] (source layout). */
export function imageInput(graph: Graph, bad: (path: string, msg: string) => never = (p, m) => { throw new BranchyFormatError(`detect${p}: ${m}`); }): { c: number; h: number; w: number } {
  if (graph.inputs.length !== 1) bad('', `a detector has one image input; this graph has ${graph.inputs.length}`);
  const t = graph.tensors.find((x) => x.name === graph.inputs[0]);
  if (!t || t.shape.length !== 4) bad('', `the input '${graph.inputs[0]}' is not an image [N, C, H, W]`);
  const [, h, w, c] = t!.shape;
  return { c, h, w };
}

/** A tensor's shape as the source model saw it (NHWC -> NCHW for image tensors). */
function sourceShape(t: TensorInfo): number[] {
  const s = t.shape;
  return t.sourceLayout === 'NCHW' && s.length === 4 ? [s[0], s[3], s[1], s[2]] : s.slice();
}

/** A rank-4 output's channels and grid size (the IR keeps it NHWC). */
function grid(t: TensorInfo, path: string, bad: (path: string, msg: string) => never): { c: number; h: number; w: number } {
  if (t.shape.length !== 4 || t.sourceLayout !== 'NCHW') bad(path, `'${t.name}' is [${sourceShape(t).join(', ')}]; expected a grid [N, C, H, W]`);
  if (t.dtype !== 'f32' && t.dtype !== 'i8') bad(path, `'${t.name}' is ${t.dtype}; expected f32 or i8`);
  const [, h, w, c] = t.shape;
  return { c, h, w };
}

function object(v: unknown, path: string, bad: (path: string, msg: string) => never): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) bad(path, 'expected an object');
  return v as Record<string, unknown>;
}

function known(o: Record<string, unknown>, keys: string[], bad: (path: string, msg: string) => never, path = ''): void {
  for (const k of Object.keys(o)) if (!keys.includes(k)) bad(`${path}.${k}`, `unknown field (expected ${keys.join(', ')})`);
}

function list(v: unknown, path: string, min: number, max: number, bad: (path: string, msg: string) => never): unknown[] {
  if (!Array.isArray(v)) bad(path, 'expected an array');
  const a = v as unknown[];
  if (a.length < min || a.length > max) bad(path, `expected ${min === max ? min : `${min} to ${max}`} entries, got ${a.length}`);
  return a;
}

function positive(x: unknown, path: string, max: number, bad: (path: string, msg: string) => never): number {
  if (typeof x !== 'number' || !Number.isFinite(x) || !(x > 0) || x > max) bad(path, `expected a number in (0, ${max}], got ${JSON.stringify(x)}`);
  return x as number;
}

function classNames(v: unknown, bad: (path: string, msg: string) => never): string[] {
  return list(v, '.classes', 1, DETECT_LIMITS.classes, bad).map((c, i) => {
    if (typeof c !== 'string' || c.length === 0 || c.length > DETECT_LIMITS.className) {
      bad(`.classes[${i}]`, `expected a name of 1 to ${DETECT_LIMITS.className} characters`);
    }
    return c as string;
  });
}
