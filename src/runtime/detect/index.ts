// Detection decoding in the host (browser-safe): a detector's outputs -> boxes in input
// pixels, with class-aware non-maximum suppression. Definitions: src/ir/detect.ts and
// docs/detection.md. Model.detect and the worker call decodeDetections.
import { BranchyInputError, BranchyUnsupportedError } from '../../errors.js';
import type { DetectSpec } from '../../ir/detect.js';
import { Candidates } from './candidates.js';
import { decodeYoloV2, decodeYoloV8Decoded, decodeYoloV8Level, type Grid } from './decode.js';
import { nms } from './nms.js';

export interface Detection {
  /** Left edge, in input pixels. */
  x: number;
  /** Top edge, in input pixels. */
  y: number;
  w: number;
  h: number;
  /** YOLOv2: sigmoid(objectness) × softmax(classes)[label]; YOLOv8: sigmoid(class logit) (or the exported score). */
  score: number;
  /** Index into the model's classes (model.info.detect.classes). */
  label: number;
}

export interface DetectOptions {
  /** Keep boxes whose score is above this (default 0.25). */
  scoreThreshold?: number;
  /** A box is suppressed by a better one of the same label overlapping it by IoU above this (default 0.45). */
  iouThreshold?: number;
  /** At most this many boxes, best first (default 100). */
  maxDetections?: number;
}

export const DETECT_DEFAULTS: Required<DetectOptions> = { scoreThreshold: 0.25, iouThreshold: 0.45, maxDetections: 100 };

/** The options with their defaults, range-checked (BranchyInputError names the bad one). */
export function detectOptions(o: DetectOptions = {}): Required<DetectOptions> {
  if (typeof o !== 'object' || o === null) throw new BranchyInputError(`detect options must be an object, got ${String(o)}`);
  const r = { ...DETECT_DEFAULTS };
  for (const k of ['scoreThreshold', 'iouThreshold'] as const) {
    const v = o[k];
    if (v === undefined) continue;
    if (typeof v !== 'number' || !(v >= 0 && v <= 1)) throw new BranchyInputError(`${k} must be a number in [0, 1], got ${String(v)}`);
    r[k] = v;
  }
  const m = o.maxDetections;
  if (m !== undefined) {
    if (typeof m !== 'number' || !Number.isInteger(m) || m < 0) throw new BranchyInputError(`maxDetections must be a non-negative integer, got ${String(m)}`);
    r.maxDetections = m;
  }
  return r;
}

/**
 * Boxes of one sample. `outputs`: the detector's outputs named as in the spec, each one
 * sample's values in the source layout (NCHW) with its dims (batch first, 1);
 * `input`: the model input's height and width in pixels.
 */
export function decodeDetections(
  spec: DetectSpec,
  outputs: Record<string, { data: Float32Array; dims: number[]; strides?: [number, number] }>,
  input: { h: number; w: number },
  options: DetectOptions = {},
): Detection[] {
  const o = detectOptions(options);
  const grid = (name: string): Grid => {
    const t = outputs[name];
    if (!t) throw new BranchyInputError(`detect: output '${name}' is missing`);
    if (!(t.data instanceof Float32Array)) throw new BranchyUnsupportedError(`detect: output '${name}' is not f32; decode dequantized values`);
    const dims = t.dims.slice(1);
    if (t.dims[0] !== 1 || t.data.length !== dims.reduce((a, b) => a * b, 1)) {
      throw new BranchyInputError(`detect: output '${name}' [${t.dims.join(', ')}] is not one sample`);
    }
    if (!t.strides) return { data: t.data, dims };
    // Strides (YOLOv2 grids): the source layout's or NHWC's, nothing else.
    const [c, h, w] = dims;
    const [cs, ps] = t.strides;
    if (dims.length !== 3 || !((cs === h * w && ps === 1) || (cs === 1 && ps === c))) {
      throw new BranchyInputError(`detect: output '${name}' strides [${t.strides.join(', ')}] are neither [H*W, 1] nor [1, C] for [${t.dims.join(', ')}]`);
    }
    return { data: t.data, dims, strides: [cs, ps] };
  };
  const cand = new Candidates(input.w, input.h);
  const thr = o.scoreThreshold;
  if (spec.format === 'yolov2') decodeYoloV2(spec, grid(spec.output), input, thr, cand);
  else if (spec.layout === 'decoded') decodeYoloV8Decoded(spec, grid(spec.output), thr, cand);
  else {
    for (const l of spec.levels) {
      decodeYoloV8Level(spec.regMax, spec.classes.length, l.stride, grid(l.box), l.cls ? grid(l.cls) : null, thr, cand);
    }
  }
  const c = cand.corners;
  return nms(cand, o.iouThreshold, o.maxDetections).map((i) => ({
    x: c[4 * i], y: c[4 * i + 1], w: c[4 * i + 2] - c[4 * i], h: c[4 * i + 3] - c[4 * i + 1], score: cand.scores[i], label: cand.labels[i],
  }));
}

/** The graph outputs a spec reads. */
export function detectOutputs(spec: DetectSpec): string[] {
  if (spec.format === 'yolov2' || spec.layout === 'decoded') return [spec.output];
  return [...new Set(spec.levels.flatMap((l) => (l.cls ? [l.box, l.cls] : [l.box])))];
}
