// Detectors end to end: tiny ONNX detectors (test/fixtures/make_detect_fixtures.py) imported,
// given their `detect` field by `convert --detect`'s rule (src/cli/detect-spec.ts), written
// and read back; Model.detect and the worker's detect equal the reference decoding of the
// model's own outputs. The reader refuses a bad `detect` field with a typed error naming it.
import { readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { importOnnx } from '../../src/convert/index.js';
import { readBranchy, writeBranchy } from '../../src/format/index.js';
import { readSafetensors, writeSafetensors } from '../../src/format/safetensors.js';
import { load, type Model } from '../../src/runtime/model.js';
import { detectSpecFor } from '../../src/cli/detect-spec.js';
import { checkDetect, type DetectSpec } from '../../src/ir/detect.js';
import type { Graph, Weights } from '../../src/ir/types.js';
import { BranchyFormatError, BranchyInputError, BranchyUnsupportedError } from '../../src/errors.js';
import { loadInWorker } from '../../src/worker/index.js';
import { refNms, refYoloV2, refYoloV8Level } from '../reference/detect.js';
import { Rng } from '../helpers/rng.js';

const fixture = (name: string) => importOnnx(new Uint8Array(readFileSync(new URL(`../fixtures/${name}`, import.meta.url))));

let v2: { graph: Graph; weights: Weights; bytes: Uint8Array };
let v8: { graph: Graph; weights: Weights; bytes: Uint8Array };

beforeAll(() => {
  const a = fixture('detect_yolov2.onnx');
  const ga = { ...a.graph, detect: detectSpecFor(a.graph, { detect: 'yolov2', classes: 'a,b,c', anchors: '1,1,2.5,1.5' }) };
  v2 = { graph: ga, weights: a.weights, bytes: writeBranchy(ga, a.weights) };
  const b = fixture('detect_yolov8.onnx');
  const gb = { ...b.graph, detect: detectSpecFor(b.graph, { detect: 'yolov8', classes: 'a,b,c', regMax: '4' }) };
  v8 = { graph: gb, weights: b.weights, bytes: writeBranchy(gb, b.weights) };
});

function pixels(rng: Rng, n: number): Uint8Array {
  return Uint8Array.from({ length: n }, () => rng.int(0, 255));
}

function plain(boxes: { x: number; y: number; w: number; h: number; score: number; label: number }[]) {
  return boxes.map((b) => ({ ...b }));
}

describe('convert --detect builds the spec from the outputs', () => {
  it('yolov2: the only output, anchors in pairs', () => {
    expect(v2.graph.detect).toEqual({ format: 'yolov2', classes: ['a', 'b', 'c'], output: 'output', anchors: [[1, 1], [2.5, 1.5]] });
  });

  it('yolov8: levels sorted by stride, a joint tensor and a box/cls pair', () => {
    expect(v8.graph.detect).toEqual({
      format: 'yolov8', classes: ['a', 'b', 'c'], layout: 'raw', regMax: 4,
      levels: [{ box: 'p0', stride: 4 }, { box: 'box1', cls: 'cls1', stride: 8 }],
    });
  });

  it('refuses what does not fit, naming the option', () => {
    const g = fixture('detect_yolov2.onnx').graph;
    expect(() => detectSpecFor(g, { detect: 'yolov2', classes: 'a,b,c', anchors: '1,1,2' })).toThrow(/pairs/);
    expect(() => detectSpecFor(g, { detect: 'yolov2', classes: 'a,b', anchors: '1,1,2,2' })).toThrow(/16 channels; 2 anchors × \(5 \+ 2 classes\) need 14/);
    expect(() => detectSpecFor(g, { detect: 'yolov2', classes: 'a,b,c' })).toThrow(/--anchors/);
    expect(() => detectSpecFor(g, { detect: 'yolov2', anchors: '1,1,2,2' })).toThrow(/--classes/);
    expect(() => detectSpecFor(g, { detect: 'yolov2', classes: 'a,b,c', anchors: '1,1,-2,2' })).toThrow(BranchyInputError);
    expect(() => detectSpecFor(g, { detect: 'yolov5', classes: 'a' })).toThrow(/yolov2 or yolov8/);
    const g8 = fixture('detect_yolov8.onnx').graph;
    expect(() => detectSpecFor(g8, { detect: 'yolov8', classes: 'a,b', regMax: '4' })).toThrow(/'box1' has 4 × regMax 4 channels but no output of 2 class channels on its 4×4 grid/);
    expect(() => detectSpecFor(g8, { detect: 'yolov8', classes: 'a,b,c', regMax: '5' })).toThrow(/no output looks like a YOLOv8 level/);
    expect(() => detectSpecFor(g8, { detect: 'yolov8', classes: 'a,b,c', regMax: '99' })).toThrow(/--reg-max wants an integer in \[1, 64\]/);
  });
});

describe('Model.detect', () => {
  it('yolov2: equals the reference decoding of run()\'s output, for several thresholds', async () => {
    const m = await load(v2.bytes);
    expect(m.info.detect).toEqual(v2.graph.detect);
    const rng = new Rng(3);
    for (let t = 0; t < 8; t++) {
      const img = pixels(rng, 3 * 32 * 48);
      const o = { scoreThreshold: rng.pick([0.05, 0.2, 0.4]), iouThreshold: rng.pick([0.3, 0.6]), maxDetections: rng.pick([3, 100]) };
      const out = m.run(img).output;
      const spec = v2.graph.detect as Extract<DetectSpec, { format: 'yolov2' }>;
      const want = refNms(refYoloV2(out.data, out.dims[2], out.dims[3], spec.anchors, 3, 48, 32, o.scoreThreshold), o.iouThreshold, o.maxDetections);
      const got = m.detect(img, o);
      expect(got.length).toBe(want.length);
      got.forEach((b, i) => {
        expect(b.label).toBe(want[i].label);
        for (const k of ['x', 'y', 'w', 'h', 'score'] as const) expect(b[k]).toBeCloseTo(want[i][k], 9);
      });
    }
  });

  it('yolov8 (two levels, DFL with regMax 4): equals the reference decoding of run()\'s outputs', async () => {
    const m = await load(v8.bytes);
    const rng = new Rng(4);
    let total = 0;
    for (let t = 0; t < 8; t++) {
      const img = pixels(rng, 3 * 32 * 32);
      const out = m.run(img);
      const cands: Parameters<typeof refNms>[0] = [];
      refYoloV8Level(out.p0.data, null, 8, 8, 4, 3, 4, 32, 32, 0.3, cands);
      refYoloV8Level(out.box1.data, out.cls1.data, 4, 4, 4, 3, 8, 32, 32, 0.3, cands);
      const want = refNms(cands, 0.45, 100);
      const got = m.detect(img, { scoreThreshold: 0.3 });
      total += got.length;
      expect(got.length).toBe(want.length);
      got.forEach((b, i) => {
        expect(b.label).toBe(want[i].label);
        for (const k of ['x', 'y', 'w', 'h', 'score'] as const) expect(b[k]).toBeCloseTo(want[i][k], 9);
      });
    }
    expect(total).toBeGreaterThan(0);
  });

  it('one image only; a model without detect refuses', async () => {
    const m = await load(v2.bytes);
    expect(() => m.detect(new Uint8Array(2 * 3 * 32 * 48))).toThrow(BranchyInputError);
    const plainModel = await load(new Uint8Array(readFileSync(new URL('../../models/mnist-lenet.int8.branchy', import.meta.url))));
    expect(() => plainModel.detect(new Float32Array(784))).toThrow(BranchyUnsupportedError);
  });

  it('the worker gives the same boxes', async () => {
    const m: Model = await load(v2.bytes);
    const w = await loadInWorker(v2.bytes, { workerUrl: new URL('../worker/tsx-entry.mjs', import.meta.url) });
    try {
      expect(w.info.detect).toEqual(m.info.detect);
      const img = pixels(new Rng(5), 3 * 32 * 48);
      expect(await w.detect(img, { scoreThreshold: 0.1 })).toEqual(plain(m.detect(img, { scoreThreshold: 0.1 })));
      await expect(w.detect(img, { iouThreshold: 2 })).rejects.toThrow(BranchyInputError);
    } finally {
      await w.terminate();
    }
  });
});

describe('the file\'s detect field', () => {
  /** v2's file with its graph JSON's detect field replaced. */
  function withDetect(detect: unknown): Uint8Array {
    const f = readSafetensors(v2.bytes);
    const graph = JSON.parse(f.metadata['branchy.graph']);
    graph.detect = detect;
    const tensors = [...f.tensors].map(([name, e]) => ({ name, dtype: e.dtype, shape: e.shape, bytes: v2.bytes.slice(e.begin, e.end) }));
    return writeSafetensors(tensors, { ...f.metadata, 'branchy.graph': JSON.stringify(graph) });
  }

  it('round-trips', () => {
    expect(readBranchy(v2.bytes).graph.detect).toEqual(v2.graph.detect);
    expect(readBranchy(v8.bytes).graph.detect).toEqual(v8.graph.detect);
  });

  const good = { format: 'yolov2', classes: ['a', 'b', 'c'], output: 'output', anchors: [[1, 1], [2.5, 1.5]] };
  const cases: [string, unknown, RegExp][] = [
    ['not an object', 7, /detect: expected an object/],
    ['unknown format', { ...good, format: 'ssd' }, /detect\.format: expected one of yolov2, yolov8/],
    ['no classes', { ...good, classes: [] }, /detect\.classes: expected 1 to 4096 entries/],
    ['a class that is not a name', { ...good, classes: ['a', 3, 'c'] }, /detect\.classes\[1\]/],
    ['an output that is not a graph output', { ...good, output: 'x' }, /detect\.output: 'x' is not a graph output/],
    ['a negative anchor', { ...good, anchors: [[1, 1], [-2.5, 1.5]] }, /detect\.anchors\[1\]\[0\]: expected a number in \(0, 10000\]/],
    ['a null (NaN in JSON) anchor', { ...good, anchors: [[1, null], [2.5, 1.5]] }, /detect\.anchors\[0\]\[1\]/],
    ['a huge anchor', { ...good, anchors: [[1, 1], [2.5, 1e9]] }, /detect\.anchors\[1\]\[1\]/],
    ['an anchor of three numbers', { ...good, anchors: [[1, 1, 1], [2.5, 1.5]] }, /detect\.anchors\[0\]: expected 2 entries/],
    ['anchors that do not fit the channels', { ...good, anchors: [[1, 1]] }, /detect\.output: 'output' has 16 channels/],
    ['an unknown field', { ...good, extra: 1 }, /detect\.extra: unknown field/],
    ['yolov8 with a bad regMax', { format: 'yolov8', classes: ['a'], layout: 'raw', regMax: 0, levels: [] }, /detect\.regMax/],
    ['yolov8 with a bad layout', { format: 'yolov8', classes: ['a'], layout: 'dfl', output: 'output' }, /detect\.layout/],
  ];
  for (const [what, detect, msg] of cases) {
    it(`refuses ${what}`, () => {
      expect(() => readBranchy(withDetect(detect))).toThrow(BranchyFormatError);
      expect(() => readBranchy(withDetect(detect))).toThrow(msg);
    });
  }

  it('yolov8: a stride that does not map the grid onto the input, a cls of the wrong size', () => {
    const levels = (v8.graph.detect as Extract<DetectSpec, { layout: 'raw' }>).levels;
    const spec = { ...v8.graph.detect, levels: [{ ...levels[0], stride: 8 }, levels[1]] };
    expect(() => checkDetect(spec, v8.graph)).toThrow(/detect\.levels\[0\]\.stride: 8 does not map 'p0' \(8×8 cells\) onto the 32×32 input/);
    const swapped = { ...v8.graph.detect, levels: [levels[0], { box: 'box1', cls: 'p0', stride: 8 }] };
    expect(() => checkDetect(swapped, v8.graph)).toThrow(/detect\.levels\[1\]\.cls/);
    expect(() => writeBranchy({ ...v8.graph, detect: spec as DetectSpec }, v8.weights)).toThrow(BranchyFormatError);
  });
});
