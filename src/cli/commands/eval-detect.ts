// branchy eval MODEL --task detect --data DIR: mAP of a detector on a YOLO-layout split
// (mAP@0.5 by VOC's all-point and COCO's 101-point definitions, mAP@0.5:0.95 by COCO's;
// src/runtime/detect/map.ts), and the time per frame.
import { writeFile } from 'node:fs/promises';
import { BranchyInputError } from '../../errors.js';
import type { Model } from '../../runtime/model.js';
import { detectOptions, type DetectOptions } from '../../runtime/detect/index.js';
import { meanAveragePrecision, type MapResult, type ScoredBox } from '../../runtime/detect/map.js';
import type { DetectionData } from '../detect-data.js';

export interface DetectEval extends MapResult {
  images: number;
  /** Milliseconds per frame: run + decode + NMS, one frame at a time. */
  meanMs: number;
  p95Ms: number;
  options: Required<DetectOptions>;
}

/** Detect on every image of the split and score the boxes. */
export function evaluateDetector(model: Model, data: DetectionData, options: DetectOptions, onProgress?: (i: number) => void): DetectEval {
  const spec = model.info.detect;
  if (!spec) throw new BranchyInputError('--task detect needs a detector: convert the model with --detect yolov2|yolov8 (docs/detection.md)');
  const dims = model.info.inputs[0].dims;
  if (dims[1] !== data.channels || dims[2] !== data.height || dims[3] !== data.width) {
    throw new BranchyInputError(`the images are ${data.channels}×${data.height}×${data.width}; the model takes ${dims.slice(1).join('×')}`);
  }
  const o = detectOptions(options);
  const size = data.channels * data.height * data.width;
  const times: number[] = [];
  const images = data.truths.map((truths, i) => {
    const t0 = performance.now();
    const detections: ScoredBox[] = model.detect(data.images.subarray(i * size, (i + 1) * size), o);
    times.push(performance.now() - t0);
    onProgress?.(i + 1);
    return { detections, truths };
  });
  for (const t of data.truths.flat()) {
    if (t.label >= spec.classes.length) throw new BranchyInputError(`a label has class ${t.label}; the model knows ${spec.classes.length} classes (${spec.classes.join(', ')})`);
  }
  const sorted = times.slice().sort((a, b) => a - b);
  return {
    ...meanAveragePrecision(images, spec.classes.length),
    images: images.length,
    meanMs: times.reduce((a, b) => a + b, 0) / times.length,
    p95Ms: sorted[Math.min(sorted.length - 1, Math.floor(0.95 * sorted.length))],
    options: o,
  };
}

export async function printDetectEval(model: Model, file: string, dir: string, r: DetectEval, json?: string): Promise<void> {
  const names = model.info.detect!.classes;
  const pct = (v: number) => (Number.isNaN(v) ? '     -' : (100 * v).toFixed(2).padStart(6));
  console.log(`model      ${file} (build ${model.info.build}, ${model.info.macs} MACs/image)`);
  console.log(`data       ${dir}: ${r.images} images, ${r.classes.reduce((a, c) => a + c.truths, 0)} boxes`);
  console.log(`decode     score > ${r.options.scoreThreshold}, NMS IoU > ${r.options.iouThreshold}, at most ${r.options.maxDetections} boxes`);
  const w = Math.max(8, ...names.map((n) => n.length));
  console.log(`${'class'.padEnd(w)}  boxes   dets  mAP@0.5 (VOC)  mAP@0.5 (COCO)  mAP@0.5:0.95 (COCO)`);
  r.classes.forEach((c, i) => {
    console.log(`${names[i].padEnd(w)} ${String(c.truths).padStart(6)} ${String(c.detections).padStart(6)}  ${pct(c.ap50Voc).padStart(13)}  ${pct(c.ap50).padStart(14)}  ${pct(c.ap5095).padStart(19)}`);
  });
  console.log(`${'mean'.padEnd(w)} ${''.padStart(13)}  ${pct(r.map50Voc).padStart(13)}  ${pct(r.map50).padStart(14)}  ${pct(r.map5095).padStart(19)}`);
  console.log(`latency    mean ${r.meanMs.toFixed(3)} ms, p95 ${r.p95Ms.toFixed(3)} ms per frame (run + decode + NMS, one thread)`);
  if (json) {
    await writeFile(json, JSON.stringify({ model: file, data: dir, ...r, classNames: names }, null, 1) + '\n');
    console.log(`json       ${json}`);
  }
}
