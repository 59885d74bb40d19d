// branchy run MODEL --input NAME=file.npy ... --out DIR: one .npy per output, named after it (a
// quantized output's integers as uint8 or int8, its scale and zero point printed).
// With --detect (a detector): the boxes of one image (.npy, or a .png frame), one line each.
import path from 'node:path';
import { parse } from '../args.js';
import { readNpy, writeNpy } from '../npy.js';
import { openModel } from './open.js';
import { makeDir, readInput, writeOutput } from '../files.js';
import { BranchyInputError } from '../../errors.js';
import { readPng } from '../detect-data.js';

const USAGE = 'branchy run MODEL.(branchy|onnx|tflite) --input NAME=FILE.npy [--input ...] --out DIR [--build scalar|simd|relaxed] [--layout NCHW|NHWC (of the .npy data; default the model\'s)]\n' +
  '       branchy run DETECTOR.branchy --detect --input FILE.(npy|png) [--score-threshold 0.25] [--iou-threshold 0.45] [--max-detections 100] [--json]';

export async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    input: { type: 'string', multiple: true },
    out: { type: 'string' },
    build: { type: 'string' },
    layout: { type: 'string' },
    detect: { type: 'boolean', default: false },
    'score-threshold': { type: 'string' },
    'iou-threshold': { type: 'string' },
    'max-detections': { type: 'string' },
    json: { type: 'boolean', default: false },
  }, USAGE);
  if (positionals.length !== 1) throw new BranchyInputError(`run takes one model file\nusage: ${USAGE}`);
  if (!values.out && !values.detect) throw new BranchyInputError(`--out DIR is required\nusage: ${USAGE}`);
  // The arrays first: an .onnx model's symbolic input sizes come from them.
  const given: { name?: string; file: string; data: Float32Array | Uint8Array | Int8Array; shape: number[] }[] = [];
  for (const spec of values.input ?? []) {
    const eq = spec.indexOf('=');
    const [name, file] = eq > 0 ? [spec.slice(0, eq), spec.slice(eq + 1)] : [undefined, spec];
    const arr = /\.png$/i.test(file) ? await readPng(file) : readNpy(await readInput(file, `input '${name ?? file}'`, 'save the array with numpy.save'), file);
    const data = arr.data instanceof Float64Array ? Float32Array.from(arr.data) : arr.data;
    if (!(data instanceof Float32Array) && !(data instanceof Uint8Array) && !(data instanceof Int8Array)) {
      throw new BranchyInputError(`${file}: input '${name ?? file}' must be float32 (or uint8 pixels, or int8 for an int8 input), got ${data.constructor.name}`);
    }
    given.push({ name, file, data, shape: arr.shape });
  }
  if (values.layout !== undefined && values.layout !== 'NCHW' && values.layout !== 'NHWC') throw new BranchyInputError(`--layout wants NCHW or NHWC, got '${values.layout}'`);
  const layout = values.layout as 'NCHW' | 'NHWC' | undefined;
  // Symbolic sizes are in ONNX order: an NHWC image array's are read as NCHW.
  const onnxOrder = (s: number[]) => (layout === 'NHWC' && s.length === 4 ? [s[0], s[3], s[1], s[2]] : s);
  const model = await openModel(positionals[0], values.build, {}, false, given.map((g) => ({ ...g, shape: onnxOrder(g.shape) })));
  const feeds: Record<string, Float32Array | Uint8Array | Int8Array> = {};
  for (const g of given) feeds[g.name ?? model.info.inputs[0]?.name] = g.data;
  if (values.detect) {
    const num = (v: string | undefined) => (v === undefined ? undefined : Number(v));
    const boxes = model.detect(feeds, {
      layout, scoreThreshold: num(values['score-threshold']), iouThreshold: num(values['iou-threshold']), maxDetections: num(values['max-detections']),
    });
    const names = model.info.detect!.classes;
    if (values.json) console.log(JSON.stringify(boxes.map((b) => ({ ...b, name: names[b.label] }))));
    else {
      console.log(`${boxes.length} boxes (input pixels: x y w h)`);
      for (const b of boxes) console.log(`${names[b.label]} ${b.score.toFixed(4)} ${[b.x, b.y, b.w, b.h].map((v) => v.toFixed(1)).join(' ')}`);
    }
    if (!values.out) return;
  }
  const outDir = values.out!;
  const out = model.run(feeds, { layout });
  await makeDir(outDir, 'the output directory');
  for (const [name, t] of Object.entries(out)) {
    const file = path.join(outDir, `${name.replace(/[^\w.-]/g, '_')}.npy`);
    await writeOutput(file, writeNpy(t.data, t.dims), `output '${name}'`);
    const q = t.quant ? ` ${t.data instanceof Uint8Array ? 'uint8' : 'int8'} (scale ${t.quant.scale}, zero point ${t.quant.zeroPoint})` : '';
    console.log(`${name} [${t.dims.join(', ')}]${q} -> ${file}`);
  }
}
