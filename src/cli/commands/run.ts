// branchy run MODEL --input NAME=file.npy ... --out DIR: one .npy per output, named after it.
import path from 'node:path';
import { parse } from '../args.js';
import { readNpy, writeNpy } from '../npy.js';
import { openModel } from './open.js';
import { makeDir, readInput, writeOutput } from '../files.js';
import { BranchyInputError } from '../../errors.js';

const USAGE = 'branchy run MODEL.(branchy|onnx) --input NAME=FILE.npy [--input ...] --out DIR [--build scalar|simd|relaxed] [--layout NCHW|NHWC (of the .npy data; default the model\'s)]';

export async function run(argv: string[]): Promise<void> {
  const { values, positionals } = parse(argv, {
    input: { type: 'string', multiple: true },
    out: { type: 'string' },
    build: { type: 'string' },
    layout: { type: 'string' },
  }, USAGE);
  if (positionals.length !== 1) throw new BranchyInputError(`run takes one model file\nusage: ${USAGE}`);
  if (!values.out) throw new BranchyInputError(`--out DIR is required\nusage: ${USAGE}`);
  // The arrays first: an .onnx model's symbolic input sizes come from them.
  const given: { name?: string; file: string; data: Float32Array | Uint8Array; shape: number[] }[] = [];
  for (const spec of values.input ?? []) {
    const eq = spec.indexOf('=');
    const [name, file] = eq > 0 ? [spec.slice(0, eq), spec.slice(eq + 1)] : [undefined, spec];
    const arr = readNpy(await readInput(file, `input '${name ?? file}'`, 'save the array with numpy.save'), file);
    const data = arr.data instanceof Float64Array ? Float32Array.from(arr.data) : arr.data;
    if (!(data instanceof Float32Array) && !(data instanceof Uint8Array)) {
      throw new BranchyInputError(`${file}: input '${name ?? file}' must be float32 (or uint8 pixels), got ${data.constructor.name}`);
    }
    given.push({ name, file, data, shape: arr.shape });
  }
  if (values.layout !== undefined && values.layout !== 'NCHW' && values.layout !== 'NHWC') throw new BranchyInputError(`--layout wants NCHW or NHWC, got '${values.layout}'`);
  const layout = values.layout as 'NCHW' | 'NHWC' | undefined;
  // Symbolic sizes are in ONNX order: an NHWC image array's are read as NCHW.
  const onnxOrder = (s: number[]) => (layout === 'NHWC' && s.length === 4 ? [s[0], s[3], s[1], s[2]] : s);
  const model = await openModel(positionals[0], values.build, {}, false, given.map((g) => ({ ...g, shape: onnxOrder(g.shape) })));
  const feeds: Record<string, Float32Array | Uint8Array> = {};
  for (const g of given) feeds[g.name ?? model.info.inputs[0]?.name] = g.data;
  const out = model.run(feeds, { layout });
  await makeDir(values.out, 'the output directory');
  for (const [name, t] of Object.entries(out)) {
    const file = path.join(values.out, `${name.replace(/[^\w.-]/g, '_')}.npy`);
    await writeOutput(file, writeNpy(t.data, t.dims), `output '${name}'`);
    console.log(`${name} [${t.dims.join(', ')}] -> ${file}`);
  }
}
