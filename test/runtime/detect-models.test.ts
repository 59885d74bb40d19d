// The shipped subtitle/logo detectors (docs/detection.md) on the shipped test frames
// (examples/web/frames: 4 frames of the synthetic test split with their YOLO labels):
// the float ONNX converted by branchy gives ONNX Runtime's outputs; the int8 and the
// binary-weight files find the labelled boxes, with the same boxes in every build; the
// binary-weight file's weights are over 100x smaller than Tiny-YOLOv2's.
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import * as ort from 'onnxruntime-node';
import { importOnnx } from '../../src/convert/index.js';
import { readBranchy } from '../../src/format/index.js';
import { fromGraph, load } from '../../src/runtime/model.js';
import { meanAveragePrecision } from '../../src/runtime/detect/map.js';
import { loadDetection } from '../../src/cli/detect-data.js';
import { detectSpecFor } from '../../src/cli/detect-spec.js';
import type { Build } from '../../src/runtime/features.js';

const root = new URL('../../', import.meta.url);
const file = (f: string) => new Uint8Array(readFileSync(new URL(f, root)));
const frames = await loadDetection(new URL('examples/web/frames', root).pathname);
const size = 3 * frames.height * frames.width;
const pixels = (i: number) => frames.images.subarray(i * size, (i + 1) * size);
const TINY_YOLO_V2_BYTES = 15_867_885 * 4;

describe('the shipped detectors', () => {
  it('yolo-subtitles.onnx: branchy f32 equals ONNX Runtime on the frames (1e-4 of the range)', async () => {
    const bytes = file('models/yolo-subtitles.onnx');
    const { graph, weights } = importOnnx(bytes);
    const model = await fromGraph(graph, weights);
    const session = await ort.InferenceSession.create(bytes);
    const norm = graph.normalize!;
    for (let i = 0; i < frames.count; i++) {
      const x = Float32Array.from(pixels(i), (v, k) => (v / norm.scale - norm.mean[Math.floor(k / (size / 3))]) / norm.std[Math.floor(k / (size / 3))]);
      const want = (await session.run({ input: new ort.Tensor('float32', x, [1, 3, frames.height, frames.width]) })).output.data as Float32Array;
      const got = model.run(x).output.data as Float32Array;
      let range = 0, err = 0;
      for (let k = 0; k < want.length; k++) {
        range = Math.max(range, Math.abs(want[k]));
        err = Math.max(err, Math.abs(got[k] - want[k]));
      }
      expect(err / range, `frame ${i}`).toBeLessThan(1e-4);
    }
  });

  for (const name of ['yolo-subtitles.int8.branchy', 'yolo-subtitles-bwn.branchy']) {
    it(`${name}: finds the labelled boxes (mAP@0.5 >= 0.9), the same in every build`, async () => {
      const bytes = file(`models/${name}`);
      const spec = readBranchy(bytes).graph.detect!;
      expect(spec.classes).toEqual(['subtitle', 'logo']);
      const boxes = await Promise.all((['scalar', 'simd', 'relaxed'] as Build[]).map(async (build) => {
        const m = await load(bytes, { build });
        return Array.from({ length: frames.count }, (_, i) => m.detect(pixels(i), { scoreThreshold: 0.001 }));
      }));
      expect(boxes[1]).toEqual(boxes[0]);
      expect(boxes[2]).toEqual(boxes[0]);
      const r = meanAveragePrecision(boxes[0].map((detections, i) => ({ detections, truths: frames.truths[i] })), 2);
      expect(r.map50Voc).toBeGreaterThanOrEqual(0.9);
    });
  }

  it('the binary-weight file: binary layers between an int8 first conv and an int8 head, weights >= 100x smaller than Tiny-YOLOv2', () => {
    const { graph, weights } = readBranchy(file('models/yolo-subtitles-bwn.branchy'));
    const convs = graph.nodes.filter((n) => n.op === 'conv2d');
    const wdtype = convs.map((n) => graph.tensors.find((t) => t.name === n.inputs[1])!.dtype);
    expect(wdtype[0]).toBe('i8');
    expect(wdtype.at(-1)).toBe('i8');
    expect(wdtype.slice(1, -1).every((d) => d === 'b1')).toBe(true);
    const bytes = [...weights.values()].reduce((a, w) => a + w.byteLength, 0);
    expect(TINY_YOLO_V2_BYTES / bytes).toBeGreaterThan(100);
  });

  it('convert --detect on the shipped ONNX gives the spec stored in the shipped files', () => {
    const { graph } = importOnnx(file('models/yolo-subtitles.onnx'));
    const stored = readBranchy(file('models/yolo-subtitles.int8.branchy')).graph.detect!;
    if (stored.format !== 'yolov2') throw new Error('expected yolov2');
    const spec = detectSpecFor(graph, { detect: 'yolov2', classes: 'subtitle,logo', anchors: stored.anchors.flat().join(',') });
    expect(spec).toEqual(stored);
  });
});
