// Decoders from a detector's output tensors (one sample, NCHW as the source model wrote them)
// to candidate boxes in input pixels. The definitions are the ones in src/ir/detect.ts and
// docs/detection.md; a candidate is kept when its score is above `threshold`.
import type { YoloV2Spec, YoloV8Spec } from '../../ir/detect.js';
import { Candidates, logitFloor, sigmoid } from './candidates.js';

/** One sample of an output tensor: values in the source layout, and its dims without the batch. */
export interface Grid {
  data: Float32Array;
  /** [C, H, W] for grids, [C, P] for the decoded YOLOv8 layout. */
  dims: number[];
  /**
   * YOLOv2 grids: the element strides of a channel and of a grid position, default the source
   * layout's [H*W, 1]; [1, C] reads the runtime's NHWC tensor where the kernels left it.
   */
  strides?: [number, number];
}

/** YOLOv2 region layer; candidates in the order row, column, anchor. */
export function decodeYoloV2(spec: YoloV2Spec, out: Grid, input: { h: number; w: number }, threshold: number, into: Candidates): void {
  const [, gh, gw] = out.dims;
  const nc = spec.classes.length, na = spec.anchors.length, d = out.data;
  const [hw, ps] = out.strides ?? [gh * gw, 1]; // hw: a channel's stride
  const sx = input.w / gw, sy = input.h / gh;
  const floor = logitFloor(threshold);
  for (let row = 0; row < gh; row++) {
    for (let col = 0; col < gw; col++) {
      const p = (row * gw + col) * ps;
      for (let a = 0; a < na; a++) {
        const base = a * (5 + nc) * hw + p;
        if (d[base + 4 * hw] < floor) continue; // sigmoid(objectness) <= threshold: no exp needed
        const obj = sigmoid(d[base + 4 * hw]);
        if (!(obj > threshold)) continue; // the score is at most the objectness
        let best = 0, max = -Infinity;
        for (let c = 0; c < nc; c++) {
          const v = d[base + (5 + c) * hw];
          if (v > max) { max = v; best = c; }
        }
        let sum = 0;
        for (let c = 0; c < nc; c++) sum += Math.exp(d[base + (5 + c) * hw] - max);
        const score = obj / sum; // obj * softmax(classes)[best]
        if (!(score > threshold)) continue;
        const cx = (col + sigmoid(d[base])) * sx, cy = (row + sigmoid(d[base + hw])) * sy;
        const w = spec.anchors[a][0] * Math.exp(d[base + 2 * hw]) * sx;
        const h = spec.anchors[a][1] * Math.exp(d[base + 3 * hw]) * sy;
        into.push(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, score, best);
      }
    }
  }
}

/** The best class of position p in a [C, ...] block starting at `base` with plane size `plane`. */
function bestClass(d: Float32Array, base: number, plane: number, nc: number): { label: number; value: number } {
  let label = 0, value = -Infinity;
  for (let c = 0; c < nc; c++) {
    const v = d[base + c * plane];
    if (v > value) { value = v; label = c; }
  }
  return { label, value };
}

/**
 * YOLOv8 raw head, one level: box [4*regMax, H, W] (DFL bins for left, top, right, bottom) and
 * class logits [C, H, W] (cls, or the channels after the box's in `box`). Candidates in the
 * order row, column.
 */
export function decodeYoloV8Level(
  regMax: number, nc: number, stride: number, box: Grid, cls: Grid | null, threshold: number, into: Candidates,
): void {
  const [, gh, gw] = box.dims;
  const hw = gh * gw, b = box.data;
  const c = cls ? cls.data : box.data;
  const cBase = cls ? 0 : 4 * regMax * hw;
  const dist = [0, 0, 0, 0];
  const floor = logitFloor(threshold);
  for (let row = 0; row < gh; row++) {
    for (let col = 0; col < gw; col++) {
      const p = row * gw + col;
      const { label, value } = bestClass(c, cBase + p, hw, nc);
      if (value < floor) continue; // sigmoid(value) <= threshold
      const score = sigmoid(value);
      if (!(score > threshold)) continue;
      for (let side = 0; side < 4; side++) {
        const off = side * regMax * hw + p;
        if (regMax === 1) { dist[side] = b[off]; continue; }
        let max = -Infinity;
        for (let k = 0; k < regMax; k++) max = Math.max(max, b[off + k * hw]);
        let sum = 0, acc = 0;
        for (let k = 0; k < regMax; k++) {
          const e = Math.exp(b[off + k * hw] - max);
          sum += e;
          acc += k * e;
        }
        dist[side] = acc / sum;
      }
      const ax = col + 0.5, ay = row + 0.5;
      into.push((ax - dist[0]) * stride, (ay - dist[1]) * stride, (ax + dist[2]) * stride, (ay + dist[3]) * stride, score, label);
    }
  }
}

/** ultralytics' exported output [4 + C, P]: cx, cy, w, h (pixels), class scores. Order: p. */
export function decodeYoloV8Decoded(spec: Extract<YoloV8Spec, { layout: 'decoded' }>, out: Grid, threshold: number, into: Candidates): void {
  const [, n] = out.dims;
  const nc = spec.classes.length, d = out.data;
  for (let p = 0; p < n; p++) {
    const { label, value } = bestClass(d, 4 * n + p, n, nc);
    if (!(value > threshold)) continue;
    const cx = d[p], cy = d[n + p], w = d[2 * n + p], h = d[3 * n + p];
    into.push(cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2, value, label);
  }
}
