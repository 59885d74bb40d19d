// Mean average precision of detections against ground truth, by the two usual definitions
// (docs/detection.md, "mAP"): continuous pixel coordinates (no +1), no "difficult" or crowd
// boxes, classes without ground truth left out of the means.
//
// VOC (the 2010+ devkit, VOCevaldet): per class, the detections of all images by decreasing
// score; each is matched with the ground-truth box it overlaps most (same image, same class);
// a true positive when that IoU >= 0.5 and the box is not yet taken, else a false positive.
// AP: the area under the precision-recall curve with precision made monotone (all points).
//
// COCO (cocoeval): per image and class the best 100 detections; each, by decreasing score,
// takes the not-yet-taken ground-truth box it overlaps most with IoU >= t. AP: precision
// (made monotone) at the 101 recalls 0, 0.01, ..., 1 (0 past the last recall reached),
// averaged; AP@[.5:.95] is the mean over t = 0.50, 0.55, ..., 0.95.

export interface Box {
  x: number;
  y: number;
  w: number;
  h: number;
  label: number;
}

export interface ScoredBox extends Box {
  score: number;
}

export interface ClassAp {
  /** Ground-truth boxes of the class. */
  truths: number;
  detections: number;
  /** VOC all-point AP at IoU 0.5 (NaN without ground truth). */
  ap50Voc: number;
  /** COCO 101-point AP at IoU 0.5. */
  ap50: number;
  /** COCO 101-point AP averaged over IoU 0.50:0.05:0.95. */
  ap5095: number;
}

export interface MapResult {
  classes: ClassAp[];
  /** Means over the classes that have ground truth. */
  map50Voc: number;
  map50: number;
  map5095: number;
}

export const COCO_IOUS: readonly number[] = Array.from({ length: 10 }, (_, i) => 0.5 + i * (0.45 / 9));
const COCO_MAX_DETS = 100;

export function boxIou(a: Box, b: Box): number {
  const w = Math.min(a.x + a.w, b.x + b.w) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.h, b.y + b.h) - Math.max(a.y, b.y);
  if (w <= 0 || h <= 0) return 0;
  const inter = w * h;
  const union = a.w * a.h + b.w * b.h - inter;
  return union > 0 ? inter / union : 0;
}

/** A detection of one image, for sorting across images (stable: image, then its order). */
interface Det {
  image: number;
  box: ScoredBox;
}

/** Per image its detections and its ground truth; `classes` labels 0..classes-1. */
export function meanAveragePrecision(images: { detections: ScoredBox[]; truths: Box[] }[], classes: number): MapResult {
  const out: ClassAp[] = [];
  for (let c = 0; c < classes; c++) {
    const truths = images.map((im) => im.truths.filter((t) => t.label === c));
    const npos = truths.reduce((a, t) => a + t.length, 0);
    const dets: Det[] = [];
    images.forEach((im, image) => im.detections.forEach((box) => box.label === c && dets.push({ image, box })));
    const byScore = (a: Det, b: Det) => b.box.score - a.box.score;
    if (npos === 0) {
      out.push({ truths: 0, detections: dets.length, ap50Voc: NaN, ap50: NaN, ap5095: NaN });
      continue;
    }
    const sorted = dets.slice().sort(byScore); // Array.prototype.sort is stable
    const ap50Voc = vocAp(sorted, truths, npos);
    // COCO: each image's best 100 of the class
    const perImage = images.map(() => [] as Det[]);
    for (const d of sorted) perImage[d.image].push(d);
    const capped = perImage.flatMap((l) => l.slice(0, COCO_MAX_DETS)).sort(byScore);
    const aps = COCO_IOUS.map((t) => cocoAp(capped, perImage.map((l) => l.slice(0, COCO_MAX_DETS)), truths, npos, t));
    out.push({ truths: npos, detections: dets.length, ap50Voc, ap50: aps[0], ap5095: aps.reduce((a, b) => a + b, 0) / aps.length });
  }
  const mean = (k: 'ap50Voc' | 'ap50' | 'ap5095') => {
    const v = out.filter((x) => x.truths > 0).map((x) => x[k]);
    return v.length ? v.reduce((a, b) => a + b, 0) / v.length : NaN;
  };
  return { classes: out, map50Voc: mean('ap50Voc'), map50: mean('ap50'), map5095: mean('ap5095') };
}

function vocAp(sorted: Det[], truths: Box[][], npos: number): number {
  const taken = truths.map((t) => new Uint8Array(t.length));
  const tp = new Uint8Array(sorted.length);
  sorted.forEach((d, k) => {
    let best = -1, ov = -Infinity;
    truths[d.image].forEach((g, j) => {
      const v = boxIou(d.box, g);
      if (v > ov) { ov = v; best = j; }
    });
    if (best >= 0 && ov >= 0.5 && !taken[d.image][best]) {
      taken[d.image][best] = 1;
      tp[k] = 1;
    }
  });
  const { rec, prec } = curve(tp, npos);
  // all-point interpolation: sentinels, monotone precision, sum over recall steps
  const mrec = [0, ...rec, 1], mpre = [0, ...prec, 0];
  for (let i = mpre.length - 2; i >= 0; i--) mpre[i] = Math.max(mpre[i], mpre[i + 1]);
  let ap = 0;
  for (let i = 1; i < mrec.length; i++) if (mrec[i] !== mrec[i - 1]) ap += (mrec[i] - mrec[i - 1]) * mpre[i];
  return ap;
}

function cocoAp(sorted: Det[], perImage: Det[][], truths: Box[][], npos: number, t: number): number {
  const tpOf = new Map<Det, number>();
  perImage.forEach((list, image) => {
    const taken = new Uint8Array(truths[image].length);
    for (const d of list) {
      let best = -1, iou = Math.min(t, 1 - 1e-10);
      truths[image].forEach((g, j) => {
        if (taken[j]) return;
        const v = boxIou(d.box, g);
        if (v < iou) return;
        iou = v;
        best = j;
      });
      if (best >= 0) taken[best] = 1;
      tpOf.set(d, best >= 0 ? 1 : 0);
    }
  });
  const tp = Uint8Array.from(sorted, (d) => tpOf.get(d)!);
  const { rec, prec } = curve(tp, npos);
  for (let i = prec.length - 2; i >= 0; i--) prec[i] = Math.max(prec[i], prec[i + 1]);
  let sum = 0;
  for (let r = 0; r <= 100; r++) {
    const at = r === 100 ? 1 : r * 0.01; // numpy.linspace(0, 1, 101)
    let lo = 0, hi = rec.length; // first index with rec >= at (searchsorted, left)
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (rec[mid] < at) lo = mid + 1;
      else hi = mid;
    }
    if (lo < prec.length) sum += prec[lo];
  }
  return sum / 101;
}

function curve(tp: Uint8Array, npos: number): { rec: number[]; prec: number[] } {
  const rec: number[] = [], prec: number[] = [];
  let t = 0;
  for (let i = 0; i < tp.length; i++) {
    t += tp[i];
    rec.push(t / npos);
    prec.push(t / (i + 1));
  }
  return { rec, prec };
}
