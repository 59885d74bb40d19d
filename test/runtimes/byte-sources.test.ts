// Every way a host holds a model's bytes gives the same model: a Node Buffer (fs.readFileSync,
// and a small one from Buffer's shared pool), views with odd offsets (Uint8Array, DataView),
// an ArrayBuffer, SharedArrayBuffer-backed views (copied), a Blob, a Response, a Uint8Array from
// another realm, a path, a file URL. Each loaded model answers 20 digits bit-identically to the
// model loaded from a fresh Uint8Array. Bytes that are no model say what they are.
import { readFileSync } from 'node:fs';
import { runInNewContext } from 'node:vm';
import { pathToFileURL } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { load, type Model, type ModelSource } from '../../src/runtime/model.js';
import { readBranchy, writeBranchy } from '../../src/format/index.js';
import { importOnnx, loadModel } from '../../src/node/index.js';
import { fromGraph } from '../../src/runtime/model.js';
import { readNpy, writeNpy } from '../../src/cli/npy.js';
import { BranchyFormatError, BranchyInputError } from '../../src/errors.js';
import { at, DIGITS } from './helpers.js';

const FILE = 'models/mnist-lenet.int8.branchy'; // per-channel scales (F64 tensors) and int8 weights
let fresh: Uint8Array; // the file in a Uint8Array of its own: offset 0, nothing else in its buffer
let digits: Uint8Array;
let want: number[];

const outputs = (m: Model): number[] => Object.values(m.run(digits)).flatMap((t) => Array.from(t.data));

beforeAll(async () => {
  fresh = new Uint8Array(readFileSync(at(FILE)));
  const file = readFileSync(at(DIGITS));
  const n = file.readUInt32LE(4);
  digits = new Uint8Array(file.subarray(8 + n, 8 + n + 20 * 784));
  want = outputs(await load(fresh));
});

/** The file's bytes at `offset` inside a bigger buffer (of the given kind). */
function placed<T extends ArrayBufferLike>(buffer: T, offset: number): Uint8Array {
  const view = new Uint8Array(buffer, offset, fresh.length);
  view.set(fresh);
  return view;
}

describe('load() from every byte source', () => {
  const sources: [string, () => ModelSource | Promise<ModelSource>][] = [
    ['a Node Buffer from fs.readFileSync', () => readFileSync(at(FILE))],
    ['a Buffer view at an odd offset of a bigger buffer (what Buffer.slice returns)', () => Buffer.from(placed(new ArrayBuffer(fresh.length + 100), 37).buffer, 37, fresh.length)],
    ['a Uint8Array view at an odd offset', () => placed(new ArrayBuffer(fresh.length + 64), 13)],
    ['a DataView at an odd offset', () => new DataView(placed(new ArrayBuffer(fresh.length + 64), 5).buffer, 5, fresh.length)],
    ['an Int16Array view (any typed array)', () => new Int16Array(placed(new ArrayBuffer(fresh.length + 2), 0).buffer, 0, fresh.length / 2)],
    ['an ArrayBuffer', () => fresh.slice().buffer],
    ['a view of a SharedArrayBuffer, at an offset', () => placed(new SharedArrayBuffer(fresh.length + 24), 8)],
    ['a SharedArrayBuffer', () => placed(new SharedArrayBuffer(fresh.length), 0).buffer],
    ['a Blob', () => new Blob([fresh])],
    ['a Response', () => new Response(fresh)],
    ['a Uint8Array from another realm', () => {
      const u8 = runInNewContext(`new Uint8Array(${fresh.length})`) as Uint8Array;
      u8.set(fresh);
      return u8;
    }],
    ['a path', () => at(FILE)],
    ['a file URL object', () => pathToFileURL(at(FILE))],
    ['a file URL string', () => pathToFileURL(at(FILE)).href],
  ];
  for (const [what, make] of sources) {
    it(what, async () => {
      expect(outputs(await load(await make()))).toEqual(want);
    });
  }

  it('a small model in Buffer\'s shared pool (Buffer.from): readBranchy and load read only its bytes', async () => {
    const { graph, weights } = importOnnx(readFileSync(at('test/fixtures/quant_qlinear.onnx')));
    const bytes = writeBranchy(graph, weights);
    const pooled = Buffer.from(bytes);
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.length); // it is a view into the pool
    expect(readBranchy(pooled).weights).toEqual(readBranchy(bytes).weights);
    const x = new Float32Array((await load(bytes)).info.inputs[0].dims.slice(1).reduce((a, b) => a * b, 1)).map((_, i) => Math.sin(i));
    const [a, b] = [(await load(pooled)).run(x), (await load(bytes)).run(x)];
    for (const k of Object.keys(b)) expect(Array.from(a[k].data)).toEqual(Array.from(b[k].data));
  });

  it('a SharedArrayBuffer is copied: changing it after load changes nothing', async () => {
    const shared = placed(new SharedArrayBuffer(fresh.length), 0);
    const m = await load(shared);
    shared.fill(0);
    expect(outputs(m)).toEqual(want);
  });

  it('bad sources get typed errors that say what they got', async () => {
    await expect(load(at('models/no-such.branchy'))).rejects.toThrow(BranchyInputError);
    await expect(load(at('models/no-such.branchy'))).rejects.toThrow(/cannot read .*no-such\.branchy.*ENOENT/);
    await expect(load(new Response('gone', { status: 404 }))).rejects.toThrow(/HTTP 404/);
    const used = new Response(fresh);
    await used.arrayBuffer();
    await expect(load(used)).rejects.toThrow(BranchyInputError);
    const gone = fresh.slice();
    structuredClone(gone.buffer, { transfer: [gone.buffer] });
    await expect(load(gone)).rejects.toThrow(/transferred to a worker/);
    await expect(load(42 as never)).rejects.toThrow(/got \[object Number\]/);
    await expect(load({} as never)).rejects.toThrow(BranchyInputError);
  });
});

describe('bytes that are not a .branchy model', () => {
  it('ONNX: load() says it is ONNX and how to convert; loadModel() from branchy/convert runs it', async () => {
    const onnx = readFileSync(at('models/mnist-lenet.onnx'));
    await expect(load(onnx)).rejects.toThrow(BranchyFormatError);
    await expect(load(onnx)).rejects.toThrow(/ONNX model, not a \.branchy file: convert it first \(npx branchy convert model\.onnx -o model\.branchy.*loadModel\(\) from 'branchy-wasm\/convert'/);
    const m = await loadModel(onnx);
    const { graph, weights } = importOnnx(onnx);
    const x = Float32Array.from(digits.subarray(0, 784), (v) => v / 255);
    expect(Array.from(Object.values(m.run(x))[0].data)).toEqual(Array.from(Object.values((await fromGraph(graph, weights)).run(x))[0].data));
    expect(outputs(await loadModel(readFileSync(at(FILE))))).toEqual(want);
    expect(outputs(await loadModel(at(FILE)))).toEqual(want);
  });

  it('every ONNX fixture is recognised as ONNX', () => {
    for (const f of ['gap_op11', 'quant_qlinear', 'quant_torch_qdq', 'multiexit_tiny', 'qonnx_bnn_tiny', 'tiny_cnn_op9']) {
      expect(() => readBranchy(readFileSync(at(`test/fixtures/${f}.onnx`))), f).toThrow(/ONNX model/);
    }
  });

  it('TFLite, ZIP (PyTorch) and HTML are named; anything else keeps the header message', () => {
    const tfl = new Uint8Array(64);
    tfl.set([0x1c, 0, 0, 0, 0x54, 0x46, 0x4c, 0x33]);
    expect(() => readBranchy(tfl)).toThrow(/TensorFlow Lite model/);
    expect(() => readBranchy(new Uint8Array([0x50, 0x4b, 3, 4, ...new Uint8Array(60)]))).toThrow(/ZIP archive/);
    expect(() => readBranchy(new TextEncoder().encode('<!doctype html><title>404</title>'))).toThrow(/HTML page/);
    const junk = new Uint8Array(64).fill(0xff);
    expect(() => readBranchy(junk)).toThrow(/truncated file: header length/);
  });
});

describe('.npy from a pooled Buffer', () => {
  it('readNpy reads the array, not the pool', () => {
    const npy = writeNpy(Float32Array.of(1.5, -2, 3.25), [3]);
    const pooled = Buffer.from(npy);
    expect(pooled.buffer.byteLength).toBeGreaterThan(pooled.length);
    expect(Array.from(readNpy(pooled).data)).toEqual([1.5, -2, 3.25]);
  });
});
