// mAP (src/runtime/detect/map.ts) against cases computed by hand from the VOC and COCO
// definitions (the arithmetic is in the comments).
import { describe, expect, it } from 'vitest';
import { boxIou, COCO_IOUS, meanAveragePrecision, type Box, type ScoredBox } from '../../src/runtime/detect/map.js';

const box = (x: number, y: number, w: number, h: number, label = 0): Box => ({ x, y, w, h, label });
const det = (x: number, y: number, w: number, h: number, score: number, label = 0): ScoredBox => ({ x, y, w, h, label, score });

describe('mAP', () => {
  it('IoU and the COCO thresholds', () => {
    expect(boxIou(box(0, 0, 10, 10), box(5, 0, 10, 10))).toBeCloseTo(50 / 150, 12);
    expect(boxIou(box(0, 0, 10, 10), box(10, 0, 10, 10))).toBe(0);
    expect(COCO_IOUS.map((t) => +t.toFixed(2))).toEqual([0.5, 0.55, 0.6, 0.65, 0.7, 0.75, 0.8, 0.85, 0.9, 0.95]);
  });

  it('two images, a false positive, a duplicate and a missed box', () => {
    // A: g1 found by d1 (0.9). B: g2, g3; d2 (0.8) overlaps g2 by 30/170 (FP), d3 (0.7) is g2 (TP),
    // d4 (0.6) overlaps g2 by 90/110 but g2 is taken (FP); g3 is missed. npos 3.
    // tp 1 0 1 0 -> recall 1/3 1/3 2/3 2/3, precision 1 1/2 2/3 1/2.
    // VOC: monotone precision 1 1 2/3 2/3 1/2 0 over recall 0 1/3 1/3 2/3 2/3 1: 1/3·1 + 1/3·2/3 = 5/9.
    // COCO: recalls 0..0.33 (34 points) -> 1, 0.34..0.66 (33) -> 2/3, 0.67..1 -> 0: (34 + 22) / 101.
    const r = meanAveragePrecision([
      { truths: [box(0, 0, 10, 10)], detections: [det(0, 0, 10, 10, 0.9)] },
      { truths: [box(0, 0, 10, 10), box(50, 50, 10, 10)], detections: [det(7, 0, 10, 10, 0.8), det(0, 0, 10, 10, 0.7), det(1, 0, 10, 10, 0.6)] },
    ], 1);
    expect(r.classes[0]).toMatchObject({ truths: 3, detections: 4 });
    expect(r.classes[0].ap50Voc).toBeCloseTo(5 / 9, 12);
    expect(r.classes[0].ap50).toBeCloseTo(56 / 101, 12);
    expect(r.classes[0].ap5095).toBeCloseTo(56 / 101, 12); // every true positive is exact
    expect(r.map50Voc).toBeCloseTo(5 / 9, 12);
  });

  it('a box off by IoU 0.818 counts up to the 0.80 threshold: AP@[.5:.95] = 7/10', () => {
    const r = meanAveragePrecision([{ truths: [box(0, 0, 10, 10)], detections: [det(1, 0, 10, 10, 0.9)] }], 1);
    expect(r.classes[0].ap50Voc).toBe(1);
    expect(r.classes[0].ap50).toBe(1);
    expect(r.classes[0].ap5095).toBeCloseTo(0.7, 12);
  });

  it('VOC matches the most-overlapped box even when taken; COCO the best free one', () => {
    // gA (0,0), gB (4,0); d1 = gA; d2 at x 1.5 overlaps gA by 85/115 = 0.739 and gB by 75/125 = 0.6.
    // VOC: d2's best box gA is taken -> FP: recall 1/2 1/2, precision 1 1/2 -> AP 1/2.
    // COCO: d2 takes gB -> TP: AP 1.
    const r = meanAveragePrecision([{ truths: [box(0, 0, 10, 10), box(4, 0, 10, 10)], detections: [det(0, 0, 10, 10, 0.9), det(1.5, 0, 10, 10, 0.8)] }], 1);
    expect(r.classes[0].ap50Voc).toBeCloseTo(0.5, 12);
    expect(r.classes[0].ap50).toBeCloseTo(1, 12);
  });

  it('classes without ground truth are left out of the means; a class never detected scores 0', () => {
    const r = meanAveragePrecision([
      { truths: [box(0, 0, 10, 10, 0), box(20, 20, 5, 5, 1)], detections: [det(0, 0, 10, 10, 0.9, 0), det(40, 40, 5, 5, 0.8, 2)] },
    ], 3);
    expect(r.classes.map((c) => c.ap50Voc)).toEqual([1, 0, NaN]);
    expect(r.classes[2]).toMatchObject({ truths: 0, detections: 1 });
    expect(r.map50Voc).toBe(0.5);
    expect(r.map50).toBe(0.5);
    expect(r.map5095).toBe(0.5);
  });

  it('COCO keeps each image\'s best 100 detections per class; VOC keeps all', () => {
    // 150 false positives above the one true positive: VOC recall reaches 1 at precision 1/151;
    // COCO drops the true positive (rank 151) -> AP 0.
    const fps = Array.from({ length: 150 }, (_, i) => det(100 + i, 100, 5, 5, 0.9 - i * 1e-4));
    const r = meanAveragePrecision([{ truths: [box(0, 0, 10, 10)], detections: [...fps, det(0, 0, 10, 10, 0.5)] }], 1);
    expect(r.classes[0].ap50Voc).toBeCloseTo(1 / 151, 12);
    expect(r.classes[0].ap50).toBe(0);
  });

  it('no detections at all: AP 0; no images: NaN means', () => {
    const r = meanAveragePrecision([{ truths: [box(0, 0, 10, 10)], detections: [] }], 1);
    expect([r.map50Voc, r.map50, r.map5095]).toEqual([0, 0, 0]);
    expect(meanAveragePrecision([], 2).map50).toBeNaN();
  });
});
