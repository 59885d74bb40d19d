// Class-aware greedy non-maximum suppression on the candidates' typed arrays.
import type { Candidates } from './candidates.js';

/** Intersection over union of candidates i and j (0 when the union is empty). */
export function iou(c: Float64Array, i: number, j: number): number {
  const w = Math.min(c[4 * i + 2], c[4 * j + 2]) - Math.max(c[4 * i], c[4 * j]);
  const h = Math.min(c[4 * i + 3], c[4 * j + 3]) - Math.max(c[4 * i + 1], c[4 * j + 1]);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = (c[4 * i + 2] - c[4 * i]) * (c[4 * i + 3] - c[4 * i + 1]) + (c[4 * j + 2] - c[4 * j]) * (c[4 * j + 3] - c[4 * j + 1]) - inter;
  return union > 0 ? inter / union : 0;
}

/**
 * The indices of the kept candidates, best first: in the order of decreasing score (ties:
 * the lower index first), a candidate is kept unless a kept candidate of the same label
 * overlaps it by IoU > iouThreshold; at most maxDetections are kept. (The same as NMS per
 * class, then the best maxDetections of all classes.)
 */
export function nms(cand: Candidates, iouThreshold: number, maxDetections: number): number[] {
  const n = cand.count, s = cand.scores, labels = cand.labels;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => s[b] - s[a] || a - b);
  const kept: number[] = [];
  const byLabel = new Map<number, number[]>();
  for (const i of order) {
    if (kept.length >= maxDetections) break;
    let same = byLabel.get(labels[i]);
    if (!same) byLabel.set(labels[i], (same = []));
    let suppressed = false;
    for (const k of same) {
      if (iou(cand.corners, i, k) > iouThreshold) { suppressed = true; break; }
    }
    if (suppressed) continue;
    same.push(i);
    kept.push(i);
  }
  return kept;
}
