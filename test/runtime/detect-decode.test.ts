// Detection decoding and NMS (src/runtime/detect) against the reference written from the
// definitions (test/reference/detect.ts), on crafted outputs: random grids, boxes at the
// borders, score ties, many overlapping boxes, empty results, maxDetections.
import { describe, expect, it } from 'vitest';
import { decodeDetections, detectOptions, type Detection } from '../../src/runtime/detect/index.js';
import type { DetectSpec, YoloV2Spec } from '../../src/ir/detect.js';
import { BranchyInputError } from '../../src/errors.js';
import { refNms, refYoloV2, refYoloV8Decoded, refYoloV8Level, type RefBox } from '../reference/detect.js';
import { Rng } from '../helpers/rng.js';

const logit = (p: number) => Math.log(p / (1 - p));

function expectSame(got: Detection[], want: RefBox[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => {
    const w = want[i];
    expect(g.label, `box ${i} label`).toBe(w.label);
    for (const k of ['x', 'y', 'w', 'h', 'score'] as const) expect(Math.abs(g[k] - w[k]), `box ${i} ${k}: ${g[k]} vs ${w[k]}`).toBeLessThan(1e-9 * Math.max(1, Math.abs(w[k])));
  });
}

function v2Spec(anchors: [number, number][], nc: number): YoloV2Spec {
  return { format: 'yolov2', classes: Array.from({ length: nc }, (_, i) => `c${i}`), output: 'out', anchors };
}

describe('YOLOv2 region decoding', () => {
  it('one cell decodes to the box its definition gives (hand-computed)', () => {
    // grid 2x4 on a 64x32 input: a cell is 16x16 pixels; one anchor (2, 1) cells, 2 classes.
    const gh = 2, gw = 4, hw = gh * gw;
    const d = new Float32Array(7 * hw).fill(-20); // objectness sigmoid(-20) ~ 2e-9
    const p = 1 * gw + 2; // row 1, col 2
    d[0 * hw + p] = 0; // sigmoid 0.5 -> cx = 2.5 cells = 40 px
    d[1 * hw + p] = 0; // cy = 1.5 cells = 24 px
    d[2 * hw + p] = Math.log(1.5); // w = 2 * 1.5 cells = 48 px
    d[3 * hw + p] = 0; // h = 1 cell = 16 px
    d[4 * hw + p] = logit(0.8);
    d[5 * hw + p] = Math.log(3); // softmax [3/4, 1/4]
    d[6 * hw + p] = 0;
    const boxes = decodeDetections(v2Spec([[2, 1]], 2), { out: { data: d, dims: [1, 7, gh, gw] } }, { h: 32, w: 64 });
    expect(boxes).toHaveLength(1);
    const b = boxes[0];
    expect(b.label).toBe(0);
    expect(b.score).toBeCloseTo(0.8 * 0.75, 6);
    expect(b.x).toBeCloseTo(40 - 24, 4);
    expect(b.y).toBeCloseTo(24 - 8, 4);
    expect(b.w).toBeCloseTo(48, 4);
    expect(b.h).toBeCloseTo(16, 4);
  });

  it('random grids equal the reference (thresholds, IoU, maxDetections)', () => {
    const rng = new Rng(20);
    for (let t = 0; t < 60; t++) {
      const gh = rng.int(1, 9), gw = rng.int(1, 16), na = rng.int(1, 5), nc = rng.int(1, 4);
      const anchors = Array.from({ length: na }, () => [0.3 + 5 * rng.next(), 0.3 + 3 * rng.next()] as [number, number]);
      const data = rng.f32(na * (5 + nc) * gh * gw, -4, 4);
      const H = gh * rng.int(4, 32), W = gw * rng.int(4, 32);
      const o = { scoreThreshold: rng.pick([0, 0.05, 0.2, 0.5]), iouThreshold: rng.pick([0, 0.3, 0.45, 0.7, 1]), maxDetections: rng.pick([0, 1, 3, 10, 1000]) };
      const got = decodeDetections(v2Spec(anchors, nc), { out: { data, dims: [1, na * (5 + nc), gh, gw] } }, { h: H, w: W }, o);
      const want = refNms(refYoloV2(data, gh, gw, anchors, nc, W, H, o.scoreThreshold), o.iouThreshold, o.maxDetections);
      expectSame(got, want);
    }
  });

  it('an NHWC grid with strides [1, C] (what Model.detect reads from the runtime) gives the NCHW grid\'s boxes; other strides are refused', () => {
    const rng = new Rng(21);
    for (let t = 0; t < 30; t++) {
      const gh = rng.int(1, 9), gw = rng.int(1, 16), na = rng.int(1, 5), nc = rng.int(1, 4), c = na * (5 + nc), hw = gh * gw;
      const anchors = Array.from({ length: na }, () => [0.3 + 5 * rng.next(), 0.3 + 3 * rng.next()] as [number, number]);
      const data = rng.f32(c * hw, -4, 4);
      const nhwc = new Float32Array(c * hw);
      for (let ch = 0; ch < c; ch++) for (let p = 0; p < hw; p++) nhwc[p * c + ch] = data[ch * hw + p];
      const o = { scoreThreshold: rng.pick([0, 0.05, 0.2, 0.5]), iouThreshold: rng.pick([0.3, 0.45]), maxDetections: rng.pick([3, 1000]) };
      const input = { h: gh * 8, w: gw * 8 };
      const want = refNms(refYoloV2(data, gh, gw, anchors, nc, input.w, input.h, o.scoreThreshold), o.iouThreshold, o.maxDetections);
      expectSame(decodeDetections(v2Spec(anchors, nc), { out: { data: nhwc, dims: [1, c, gh, gw], strides: [1, c] } }, input, o), want);
      expectSame(decodeDetections(v2Spec(anchors, nc), { out: { data, dims: [1, c, gh, gw], strides: [hw, 1] } }, input, o), want);
    }
    const d = new Float32Array(7 * 6);
    expect(() => decodeDetections(v2Spec([[1, 1]], 2), { out: { data: d, dims: [1, 7, 2, 3], strides: [2, 7] } }, { h: 8, w: 12 }))
      .toThrow(/strides \[2, 7\] are neither \[H\*W, 1\] nor \[1, C\]/);
  });

  it('objectness at the threshold: logits on the f32 values around logit(threshold) keep exactly the reference boxes', () => {
    // decode skips a cell on its raw logit (no exp) only well below logit(threshold); the
    // cells within a few ulps of it still take the exact test sigmoid(x) > threshold. One
    // class, so the score is the objectness itself.
    const gh = 3, gw = 8, hw = gh * gw, nc = 1;
    for (const thr of [0.05, 0.25, 0.6, 0.9, 0.25 * (1 + 2 ** -40), 1 - 2 ** -30, 2 ** -30]) {
      const d = new Float32Array((5 + nc) * hw);
      const f = new Float32Array(1), u = new Int32Array(f.buffer);
      f[0] = logit(thr);
      const g = new Float32Array(1), gu = new Int32Array(g.buffer);
      for (let p = 0; p < hw; p++) {
        gu[0] = u[0] + (p - (hw >> 1)) * (p % 2 ? 1 : 3); // f32 neighbours of logit(thr), both sides
        d[4 * hw + p] = g[0];
      }
      const got = decodeDetections(v2Spec([[1, 1]], nc), { out: { data: d, dims: [1, 5 + nc, gh, gw] } }, { h: 24, w: 64 }, { scoreThreshold: thr, iouThreshold: 1 });
      const want = refNms(refYoloV2(d, gh, gw, [[1, 1]], nc, 64, 24, thr), 1, 100);
      expect(want.length).toBeGreaterThan(0);
      expect(want.length).toBeLessThan(hw);
      expectSame(got, want);
    }
  });

  it('boxes past the borders are clipped to the image', () => {
    const gh = 1, gw = 2, hw = 2;
    const d = new Float32Array(2 * 6 * hw).fill(0);
    // anchor 0 at col 0: huge box (exp(3) * 4 cells wide, exp(2) cells high) -> the whole image
    d[2 * hw + 0] = 3;
    d[3 * hw + 0] = 2;
    d[4 * hw + 0] = 5;
    // anchor 1 at col 1: the centre at the right edge, 8 px wide -> its right half is cut
    const a1 = 6 * hw;
    d[a1 + 0 * hw + 1] = 30; // sigmoid ~1: cx = 2 cells = 32 px
    d[a1 + 2 * hw + 1] = Math.log(0.5); // 0.5 cell = 8 px
    d[a1 + 4 * hw + 1] = 4;
    const spec = v2Spec([[4, 1], [1, 1]], 1);
    const boxes = decodeDetections(spec, { out: { data: d, dims: [1, 12, gh, gw] } }, { h: 16, w: 32 }, { scoreThreshold: 0.5 });
    expect(boxes).toHaveLength(2);
    expect([boxes[0].x, boxes[0].y, boxes[0].w, boxes[0].h]).toEqual([0, 0, 32, 16]);
    expect(boxes[1].x + boxes[1].w).toBe(32);
    expect(boxes[1].w).toBeCloseTo(4, 6);
    expectSame(boxes, refNms(refYoloV2(d, gh, gw, spec.anchors, 1, 32, 16, 0.5), 0.45, 100));
  });

  it('empty results: nothing above the threshold, threshold 1, maxDetections 0', () => {
    const d = new Float32Array(2 * 7 * 6).fill(-8);
    const spec = v2Spec([[1, 1], [2, 2]], 2);
    const out = { out: { data: d, dims: [1, 14, 2, 3] } };
    expect(decodeDetections(spec, out, { h: 20, w: 30 })).toEqual([]);
    d.fill(9);
    expect(decodeDetections(spec, out, { h: 20, w: 30 }, { scoreThreshold: 1 })).toEqual([]);
    expect(decodeDetections(spec, out, { h: 20, w: 30 }, { maxDetections: 0 })).toEqual([]);
    expect(decodeDetections(spec, out, { h: 20, w: 30 }).length).toBeGreaterThan(0);
  });
});

describe('NMS', () => {
  // Boxes placed directly through the decoded YOLOv8 layout [4 + C, P]: cx, cy, w, h, scores.
  function decoded(boxes: { cx: number; cy: number; w: number; h: number; scores: number[] }[], nc: number) {
    const p = boxes.length;
    const d = new Float32Array((4 + nc) * p);
    boxes.forEach((b, i) => {
      d[i] = b.cx; d[p + i] = b.cy; d[2 * p + i] = b.w; d[3 * p + i] = b.h;
      b.scores.forEach((s, c) => (d[(4 + c) * p + i] = s));
    });
    const spec: DetectSpec = { format: 'yolov8', layout: 'decoded', output: 'o', classes: Array.from({ length: nc }, (_, i) => `c${i}`) };
    return { spec, outputs: { o: { data: d, dims: [1, 4 + nc, p] } }, d, p };
  }

  it('ties: equal scores keep the earlier box; identical boxes of different classes both stay', () => {
    const { spec, outputs } = decoded([
      { cx: 50, cy: 50, w: 20, h: 20, scores: [0.5, 0] },
      { cx: 51, cy: 50, w: 20, h: 20, scores: [0.5, 0] }, // same score, overlaps the first: suppressed
      { cx: 50, cy: 50, w: 20, h: 20, scores: [0, 0.5] }, // other class: kept
      { cx: 90, cy: 90, w: 10, h: 10, scores: [0.5, 0] }, // same score, apart: kept
    ], 2);
    const boxes = decodeDetections(spec, outputs, { h: 100, w: 100 }, { scoreThreshold: 0.1 });
    expect(boxes.map((b) => [b.label, b.x])).toEqual([[0, 40], [1, 40], [0, 85]]);
  });

  it('a box wholly outside the image, or empty, is dropped', () => {
    const { spec, outputs } = decoded([
      { cx: -30, cy: 10, w: 20, h: 20, scores: [0.9] }, // left of the image
      { cx: 10, cy: 10, w: 0, h: 20, scores: [0.9] }, // no width
      { cx: 10, cy: 10, w: 8, h: 8, scores: [0.5] },
    ], 1);
    const boxes = decodeDetections(spec, outputs, { h: 40, w: 40 });
    expect(boxes.map((b) => [b.x, b.y, b.w, b.h])).toEqual([[6, 6, 8, 8]]);
  });

  it('IoU exactly at the threshold is kept (suppression is strictly above)', () => {
    // two 10x10 boxes overlapping 5x10: IoU = 50 / 150 = 1/3
    const { spec, outputs } = decoded([
      { cx: 10, cy: 10, w: 10, h: 10, scores: [0.9] },
      { cx: 15, cy: 10, w: 10, h: 10, scores: [0.8] },
    ], 1);
    expect(decodeDetections(spec, outputs, { h: 40, w: 40 }, { iouThreshold: 1 / 3 })).toHaveLength(2);
    expect(decodeDetections(spec, outputs, { h: 40, w: 40 }, { iouThreshold: 1 / 3 - 1e-6 })).toHaveLength(1);
  });

  it('many overlapping boxes (a chain of shifts) equal the reference, all thresholds', () => {
    const rng = new Rng(7);
    const boxes = Array.from({ length: 300 }, (_, i) => ({
      cx: 60 + rng.next() * 30 + (i % 7), cy: 60 + rng.next() * 30, w: 10 + rng.next() * 40, h: 10 + rng.next() * 40,
      scores: [rng.next(), rng.next(), i % 11 === 0 ? 0.5 : rng.next()], // some exact ties
    }));
    const { spec, outputs, d, p } = decoded(boxes, 3);
    for (const iou of [0, 0.2, 0.45, 0.8, 1]) {
      for (const maxDetections of [1, 7, 50, 300]) {
        const o = { scoreThreshold: 0.3, iouThreshold: iou, maxDetections };
        const got = decodeDetections(spec, outputs, { h: 144, w: 160 }, o);
        expectSame(got, refNms(refYoloV8Decoded(d, p, 3, 160, 144, 0.3), iou, maxDetections));
        expect(got.length).toBeLessThanOrEqual(maxDetections);
      }
    }
  });

  it('maxDetections keeps the best boxes over all classes', () => {
    const { spec, outputs } = decoded([
      { cx: 10, cy: 10, w: 5, h: 5, scores: [0.3, 0] },
      { cx: 30, cy: 10, w: 5, h: 5, scores: [0, 0.9] },
      { cx: 50, cy: 10, w: 5, h: 5, scores: [0.6, 0] },
      { cx: 70, cy: 10, w: 5, h: 5, scores: [0, 0.4] },
    ], 2);
    const boxes = decodeDetections(spec, outputs, { h: 20, w: 80 }, { scoreThreshold: 0.1, maxDetections: 2 });
    expect(boxes.map((b) => b.score)).toEqual([expect.closeTo(0.9, 6), expect.closeTo(0.6, 6)]);
  });
});

describe('YOLOv8 raw (DFL) decoding', () => {
  it('a hand-computed cell: bins one-hot at 2 and 3, regMax 4, stride 8', () => {
    const regMax = 4, gh = 2, gw = 2, hw = 4, nc = 2;
    const box = new Float32Array(4 * regMax * hw).fill(-30);
    const p = 1 * gw + 0; // row 1, col 0: centre (0.5, 1.5) cells
    const sides = [2, 1, 3, 0]; // l, t, r, b in cells
    sides.forEach((k, s) => (box[(s * regMax + k) * hw + p] = 30));
    const cls = new Float32Array(nc * hw).fill(-10);
    cls[1 * hw + p] = logit(0.7);
    const spec: DetectSpec = { format: 'yolov8', layout: 'raw', regMax, classes: ['a', 'b'], levels: [{ box: 'b', cls: 'c', stride: 8 }] };
    const boxes = decodeDetections(spec, { b: { data: box, dims: [1, 16, gh, gw] }, c: { data: cls, dims: [1, 2, gh, gw] } }, { h: 16, w: 16 });
    expect(boxes).toHaveLength(1);
    const b = boxes[0];
    expect(b.label).toBe(1);
    expect(b.score).toBeCloseTo(0.7, 6);
    // x0 = (0.5 - 2) * 8 = -12 -> clipped to 0; x1 = (0.5 + 3) * 8 = 28 -> 16; y0 = (1.5 - 1) * 8 = 4; y1 = 1.5 * 8 = 12
    expect([b.x, b.y, b.w, b.h].map((v) => +v.toFixed(4))).toEqual([0, 4, 16, 8]);
  });

  it('random multi-level heads equal the reference: DFL (regMax 16), direct ltrb (regMax 1), joint and split tensors', () => {
    const rng = new Rng(8);
    for (let t = 0; t < 20; t++) {
      const regMax = rng.pick([1, 4, 16]), nc = rng.int(1, 5), H = 64, W = 96;
      const strides = [8, 16, 32];
      const outputs: Record<string, { data: Float32Array; dims: number[] }> = {};
      const levels = strides.map((stride, i) => {
        const gh = H / stride, gw = W / stride;
        const joint = rng.next() < 0.5;
        const box = rng.f32((4 * regMax + (joint ? nc : 0)) * gh * gw, regMax === 1 ? 0 : -3, 3);
        outputs[`box${i}`] = { data: box, dims: [1, 4 * regMax + (joint ? nc : 0), gh, gw] };
        if (!joint) outputs[`cls${i}`] = { data: rng.f32(nc * gh * gw, -5, 2), dims: [1, nc, gh, gw] };
        return { box: `box${i}`, cls: joint ? undefined : `cls${i}`, stride };
      });
      const spec: DetectSpec = { format: 'yolov8', layout: 'raw', regMax, classes: Array.from({ length: nc }, (_, i) => `c${i}`), levels };
      const o = { scoreThreshold: rng.pick([0.05, 0.3]), iouThreshold: rng.pick([0.45, 0.7]), maxDetections: rng.pick([5, 300]) };
      const got = decodeDetections(spec, outputs, { h: H, w: W }, o);
      const cands: Parameters<typeof refNms>[0] = [];
      levels.forEach((l, i) => {
        const b = outputs[l.box];
        refYoloV8Level(b.data, l.cls ? outputs[l.cls].data : null, b.dims[2], b.dims[3], regMax, nc, l.stride, W, H, o.scoreThreshold, cands);
        void i;
      });
      expectSame(got, refNms(cands, o.iouThreshold, o.maxDetections));
    }
  });
});

describe('detect options', () => {
  it('defaults, and typed errors for values out of range', () => {
    expect(detectOptions()).toEqual({ scoreThreshold: 0.25, iouThreshold: 0.45, maxDetections: 100 });
    expect(() => detectOptions({ scoreThreshold: 1.5 })).toThrow(BranchyInputError);
    expect(() => detectOptions({ iouThreshold: NaN })).toThrow(/iouThreshold/);
    expect(() => detectOptions({ maxDetections: 2.5 })).toThrow(/maxDetections/);
    expect(() => detectOptions({ maxDetections: -1 })).toThrow(BranchyInputError);
  });

  it('an output that is missing or not one sample is a typed error', () => {
    const spec = v2Spec([[1, 1]], 1);
    expect(() => decodeDetections(spec, {}, { h: 8, w: 8 })).toThrow(BranchyInputError);
    expect(() => decodeDetections(spec, { out: { data: new Float32Array(12), dims: [2, 6, 1, 1] } }, { h: 8, w: 8 })).toThrow(/one sample/);
  });
});
