// The .branchy file: round trip, safetensors compatibility, and a BranchyFormatError
// (never a raw RangeError / TypeError / SyntaxError) for every kind of corruption.
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BranchyFormatError } from '../../src/errors.js';
import { readBranchy, readSafetensors, writeBranchy, writeSafetensors } from '../../src/format/index.js';
import type { Graph, Weights } from '../../src/ir/index.js';

function sample(): { graph: Graph; weights: Weights } {
  const graph: Graph = {
    tensors: [
      { name: 'x', shape: [1, 4, 4, 3], dtype: 'f32', sourceLayout: 'NCHW' },
      { name: 'w', shape: [2, 3, 3, 3], dtype: 'i8', constant: true, quant: { kind: 'channel', axis: 0, scales: [0.1, 0.2] } },
      { name: 'b', shape: [2], dtype: 'i32', constant: true },
      { name: 'xq', shape: [1, 4, 4, 3], dtype: 'i8', quant: { kind: 'tensor', scale: 0.05, zeroPoint: -3 } },
      { name: 'c', shape: [1, 2, 2, 2], dtype: 'i8', quant: { kind: 'tensor', scale: 0.1, zeroPoint: 0 } },
      { name: 'bits', shape: [5, 40], dtype: 'b1', constant: true },
      { name: 'f', shape: [1, 8], dtype: 'i8', quant: { kind: 'tensor', scale: 0.1, zeroPoint: 0 } },
      { name: 'y', shape: [1, 8], dtype: 'f32' },
    ],
    nodes: [
      { name: 'q', op: 'quantize', inputs: ['x'], outputs: ['xq'], attrs: {} },
      { name: 'conv', op: 'conv2d', inputs: ['xq', 'w', 'b'], outputs: ['c'], attrs: { kernel: [3, 3], strides: [1, 1], dilations: [1, 1], pads: [0, 0, 0, 0] }, act: { kind: 'relu' } },
      { name: 'fl', op: 'flatten', inputs: ['c'], outputs: ['f'], attrs: { order: 'nchw' } },
      { name: 'dq', op: 'dequantize', inputs: ['f'], outputs: ['y'], attrs: {} },
    ],
    inputs: ['x'],
    outputs: ['y'],
    normalize: { mean: [0.5, 0.5, 0.5], std: [0.25, 0.25, 0.25], scale: 255 },
  };
  const weights: Weights = new Map<string, Float32Array | Int8Array | Int32Array | Uint8Array>([
    ['w', Int8Array.from({ length: 54 }, (_, i) => i - 27)],
    ['b', Int32Array.of(-100000, 7)],
    // Rows of 40 bits in 8 bytes: the last 3 bytes of each row are padding, which must be 0.
    ['bits', Uint8Array.from({ length: 40 }, (_, i) => (i % 8 < 5 ? i * 7 : 0))],
  ]);
  return { graph, weights };
}

/** Rewrites the JSON header of a file (keeping it well-formed safetensors otherwise). */
function patchHeader(bytes: Uint8Array, edit: (h: Record<string, any>) => void): Uint8Array {
  const dv = new DataView(bytes.buffer, bytes.byteOffset);
  const n = dv.getUint32(0, true);
  const h = JSON.parse(new TextDecoder().decode(bytes.subarray(8, 8 + n)));
  edit(h);
  const json = new TextEncoder().encode(JSON.stringify(h));
  const out = new Uint8Array(8 + json.length + bytes.length - 8 - n);
  new DataView(out.buffer).setUint32(0, json.length, true);
  out.set(json, 8);
  out.set(bytes.subarray(8 + n), 8 + json.length);
  return out;
}

const patchGraph = (bytes: Uint8Array, edit: (g: any) => void) =>
  patchHeader(bytes, (h) => {
    const g = JSON.parse(h.__metadata__['branchy.graph']);
    edit(g);
    h.__metadata__['branchy.graph'] = JSON.stringify(g);
  });

function rejects(bytes: Uint8Array, msg: RegExp): void {
  let err: unknown;
  try {
    readBranchy(bytes);
  } catch (e) {
    err = e;
  }
  expect(err, `expected BranchyFormatError matching ${msg}`).toBeInstanceOf(BranchyFormatError);
  expect((err as Error).message).toMatch(msg);
}

describe('.branchy round trip', () => {
  it('reads back the same graph, weights and metadata', () => {
    const { graph, weights } = sample();
    const bytes = writeBranchy(graph, weights, { metadata: { author: 'test' } });
    const back = readBranchy(bytes);
    expect(back.graph).toEqual(graph);
    expect([...back.weights.keys()].sort()).toEqual(['b', 'bits', 'w']);
    for (const [k, v] of weights) {
      expect(back.weights.get(k)!.constructor).toBe(v.constructor);
      expect(Array.from(back.weights.get(k)!)).toEqual(Array.from(v));
    }
    expect(back.metadata).toMatchObject({ author: 'test', 'branchy.format': '2' });
  });

  it('starts the data 8-byte aligned and puts wider tensors first', () => {
    const { graph, weights } = sample();
    const bytes = writeBranchy(graph, weights);
    const n = new DataView(bytes.buffer).getUint32(0, true);
    expect((8 + n) % 8).toBe(0);
    const f = readSafetensors(bytes);
    expect([...f.tensors.keys()].slice(0, 2)).toEqual(['branchy.scales/w', 'b']);
    for (const e of f.tensors.values()) if (e.dtype === 'I32' || e.dtype === 'F32') expect(e.begin % 4).toBe(0);
    expect(f.tensors.get('bits')!.shape).toEqual([5, 8]); // 40 bits -> 2 words -> 8 bytes per row
  });

  it('format 2 keeps per-channel scales in an F64 tensor, bit for bit; format 1 files (scales in the JSON) still read', () => {
    const { graph, weights } = sample();
    const third = 1 / 3; // not a float32: the F64 tensor must keep every bit
    (graph.tensors[1].quant as { scales: number[] }).scales = [third, 0.2];
    const bytes = writeBranchy(graph, weights);
    const f = readSafetensors(bytes);
    expect(f.tensors.get('branchy.scales/w')).toMatchObject({ dtype: 'F64', shape: [2] });
    expect(JSON.parse(f.metadata['branchy.graph']).tensors[1].quant).toEqual({ kind: 'channel', axis: 0, scales: 'branchy.scales/w' });
    expect(readBranchy(bytes).graph).toEqual(graph);
    // The same model as format 1 wrote it: scales as JSON numbers, no F64 tensor.
    const v1 = writeSafetensors(
      [...weights].map(([name, d]) => {
        const t = graph.tensors.find((x) => x.name === name)!;
        const shape = t.dtype === 'b1' ? [5, 8] : t.shape;
        return { name, dtype: ({ i8: 'I8', i32: 'I32', b1: 'U8' } as const)[t.dtype as 'i8'], shape, bytes: new Uint8Array(d.buffer, d.byteOffset, d.byteLength) };
      }),
      { 'branchy.format': '1', 'branchy.graph': JSON.stringify(graph) },
    );
    expect(readBranchy(v1).graph).toEqual(graph);
    rejects(patchHeader(bytes, (h) => { h.__metadata__['branchy.format'] = '1'; }), /scales: expected an array \(format 1/);
  });

  it('format 2 scales: a missing, mistyped or non-finite tensor, or one nothing names', () => {
    const ok = writeBranchy(sample().graph, sample().weights);
    rejects(patchGraph(ok, (g) => { g.tensors[1].quant.scales = 'branchy.scales/nope'; }), /names tensor 'branchy.scales\/nope', which the file does not contain/);
    rejects(patchHeader(ok, (h) => { h['branchy.scales/w'].dtype = 'I32'; h['branchy.scales/w'].shape = [4]; }), /is I32 \[4\]; scales are an F64 vector/);
    rejects(patchGraph(ok, (g) => { g.tensors[1].quant.scales = [0.1, 0.2]; }), /'branchy.scales\/w' in the file is not a constant/);
    const f = readSafetensors(ok);
    const e = f.tensors.get('branchy.scales/w')!;
    for (const bad of [NaN, -1, Infinity]) {
      const c = ok.slice();
      new DataView(c.buffer).setFloat64(e.begin + 8, bad, true);
      rejects(c, /per-channel scales must be finite and non-negative/);
    }
    const { graph, weights } = sample();
    graph.tensors[0].name = graph.inputs[0] = graph.nodes[0].inputs[0] = 'branchy.scales/x';
    expect(() => writeBranchy(graph, weights)).toThrow(/prefix 'branchy.scales\/' is reserved/);
  });

  it('refuses to write an invalid graph or a reserved metadata key', () => {
    const { graph, weights } = sample();
    weights.delete('b');
    expect(() => writeBranchy(graph, weights)).toThrow(/constant 'b' has no data/);
    expect(() => writeBranchy(sample().graph, sample().weights, { metadata: { 'branchy.x': '1' } })).toThrow(/reserved/);
  });

  const py = '/usr/bin/python3';
  const hasSafetensors = spawnSync(py, ['-c', 'import safetensors'], { encoding: 'utf8' }).status === 0;
  it.skipIf(!hasSafetensors)("Python's safetensors opens the file", () => {
    const { graph, weights } = sample();
    const dir = mkdtempSync(join(tmpdir(), 'branchy-'));
    const file = join(dir, 'm.branchy');
    writeFileSync(file, writeBranchy(graph, weights));
    const out = execFileSync(py, ['-c', `from safetensors.numpy import load_file; d = load_file(${JSON.stringify(file)}); print(sorted(d), d['w'].shape)`], { encoding: 'utf8' });
    expect(out).toContain("['b', 'bits', 'w'] (2, 3, 3, 3)");
  });
});

describe('.branchy corruption', () => {
  const good = () => writeBranchy(sample().graph, sample().weights);

  it('truncated files, at every length', () => {
    const bytes = good();
    for (let n = 0; n < bytes.length; n += Math.max(1, Math.floor(bytes.length / 97))) {
      expect(() => readBranchy(bytes.subarray(0, n)), `length ${n}`).toThrow(BranchyFormatError);
    }
    rejects(bytes.subarray(0, 5), /truncated/);
    rejects(bytes.subarray(0, 100), /header length \d+ runs past the end/);
  });

  it('every single-byte corruption gives a BranchyFormatError or a valid file', () => {
    const bytes = good();
    const n = new DataView(bytes.buffer).getUint32(0, true);
    for (let i = 0; i < 8 + n; i += 3) {
      const b = bytes.slice();
      b[i] ^= 0x5a;
      try {
        readBranchy(b);
      } catch (e) {
        expect(e, `byte ${i}`).toBeInstanceOf(BranchyFormatError);
      }
    }
  });

  it('header length past the end, bad UTF-8, bad JSON, not an object', () => {
    const b = good();
    new DataView(b.buffer).setUint32(4, 1, true);
    rejects(b, /runs past the end/);
    rejects(patchBytes(good(), 9, 0xff), /UTF-8|JSON/);
    rejects(patchBytes(good(), 8, 0x5b), /not valid JSON|not a JSON object/);
    rejects(patchHeader(good(), (h) => { h.w = 5; }), /tensor 'w': entry is not an object/);
  });

  it('offsets overlapping, out of order, past the end, leaving gaps, or not matching dtype x shape', () => {
    rejects(patchHeader(good(), (h) => { h.w.data_offsets = [h.w.data_offsets[1], h.w.data_offsets[0]]; }), /out of order/);
    rejects(patchHeader(good(), (h) => { h.w.data_offsets = [h.w.data_offsets[0] + 1e6, h.w.data_offsets[1] + 1e6]; }), /past the end/);
    rejects(patchHeader(good(), (h) => { h.w.shape = [2, 3, 3, 2]; }), /needs 36/);
    rejects(patchHeader(good(), (h) => { h.w.data_offsets = [0, 54]; h.w.shape = [54]; }), /overlaps|needs/);
    rejects(patchHeader(good(), (h) => { const [a, b] = h.bits.data_offsets; h.bits.data_offsets = [a - 4, b - 4]; }), /overlaps/);
    rejects(patchHeader(good(), (h) => { delete h.bits; }), /belong to nothing/);
    rejects(patchHeader(good(), (h) => { h.w.data_offsets = [h.w.data_offsets[0], 'x']; }), /data_offsets must be/);
  });

  it('unknown dtypes, in the file and in the graph', () => {
    rejects(patchHeader(good(), (h) => { h.w.dtype = 'F16'; }), /unknown dtype 'F16'.*valid safetensors/);
    rejects(patchHeader(good(), (h) => { h.w.dtype = 'Q4'; }), /unknown dtype 'Q4'/);
    rejects(patchHeader(good(), (h) => { h.w.dtype = 'U8'; }), /'w' is U8 in the file but i8/);
    rejects(patchGraph(good(), (g) => { g.tensors[0].dtype = 'f16'; }), /unknown dtype 'f16'/);
  });

  it('versions, missing metadata, extra tensors', () => {
    rejects(patchHeader(good(), (h) => { h.__metadata__['branchy.format'] = '4'; }), /unknown format version '4'/);
    rejects(patchHeader(good(), (h) => { delete h.__metadata__['branchy.format']; }), /not a branchy model/);
    rejects(patchHeader(good(), (h) => { delete h.__metadata__['branchy.graph']; }), /no branchy.graph/);
    rejects(patchHeader(good(), (h) => { h.__metadata__['branchy.graph'] = '{'; }), /branchy.graph is not valid JSON/);
    rejects(patchHeader(good(), (h) => { h.__metadata__.n = 5; }), /__metadata__\['n'\] is not a string/);
  });

  it('a graph that references a missing tensor, disagrees on shapes, has a cycle or an unknown op', () => {
    rejects(patchGraph(good(), (g) => { g.nodes[1].inputs[1] = 'nope'; }), /tensor 'nope', which is not declared/);
    rejects(patchGraph(good(), (g) => { g.tensors.push({ name: 'extra', shape: [1], dtype: 'f32', constant: true }); }), /constant 'extra', which the file does not contain/);
    rejects(patchGraph(good(), (g) => { g.tensors[1].shape = [2, 3, 3, 2]; g.tensors[1].quant.scales = [1, 1]; }), /shape \[2, 3, 3, 3\] in the file but \[2, 3, 3, 2\]/);
    rejects(patchGraph(good(), (g) => { g.tensors[4].shape = [1, 3, 3, 2]; }), /makes 'c' of shape \[1, 2, 2, 2\], but the graph declares \[1, 3, 3, 2\]/);
    rejects(patchGraph(good(), (g) => { g.nodes[0].inputs = ['f']; g.inputs = []; }), /cycle/);
    rejects(patchGraph(good(), (g) => { g.nodes[1].op = 'conv3d'; }), /unknown op 'conv3d'/);
    rejects(patchGraph(good(), (g) => { g.nodes[1].attrs.strides = [0, 1]; }), /strides must be 2 integers >= 1/);
    rejects(patchGraph(good(), (g) => { g.nodes[1].act = { kind: 'mish' }; }), /unknown activation kind/);
    rejects(patchGraph(good(), (g) => { g.nodes = 'x'; }), /\.nodes: expected an array/);
    rejects(patchGraph(good(), (g) => { g.tensors[1].quant.scales = [1]; }), /1 scales for 2 channels/);
    rejects(patchGraph(good(), (g) => { g.tensors.push({ ...g.tensors[0] }); }), /declared twice/);
    rejects(patchHeader(good(), (h) => { h.junk = { dtype: 'U8', shape: [0], data_offsets: [0, 0] }; }), /'junk' in the file is not a constant/);
  });
});

function patchBytes(b: Uint8Array, i: number, v: number): Uint8Array {
  const c = b.slice();
  c[i] = v;
  return c;
}

describe('integer graph inputs and outputs (format 3)', () => {
  /** sample() with a uint8 input (its normalisation = its dequantization) and an int8 output. */
  function intIo() {
    const { graph, weights } = sample();
    graph.normalize = { mean: [128], std: [20], scale: 1 };
    graph.tensors.find((t) => t.name === 'x')!.sourceDtype = 'u8';
    graph.tensors.find((t) => t.name === 'f')!.sourceDtype = 'i8';
    graph.outputs = ['y', 'f'];
    return { graph, weights };
  }

  it('a graph with them is written as format 3 and read back the same; others stay format 2', () => {
    const { graph, weights } = intIo();
    const back = readBranchy(writeBranchy(graph, weights));
    expect(back.metadata['branchy.format']).toBe('3');
    expect(back.graph).toEqual(graph);
    expect(readBranchy(writeBranchy(sample().graph, sample().weights)).metadata['branchy.format']).toBe('2');
  });

  it('every committed model reads and writes back byte for byte (format 2)', () => {
    const dir = new URL('../../models/', import.meta.url).pathname;
    for (const f of readdirSync(dir).filter((n) => n.endsWith('.branchy'))) {
      const bytes = new Uint8Array(readFileSync(join(dir, f)));
      const r = readBranchy(bytes);
      const extra = Object.fromEntries(Object.entries(r.metadata).filter(([k]) => !k.startsWith('branchy.')));
      expect(r.metadata['branchy.format'], f).toBe('2');
      expect(Buffer.compare(writeBranchy(r.graph, r.weights, { metadata: extra }), bytes), f).toBe(0);
    }
  });

  it('refuses a bad sourceDtype, one off the graph inputs and outputs, or on the wrong dtype', () => {
    const good = () => writeBranchy(intIo().graph, intIo().weights);
    const on = (name: string, v: unknown) => (g: any) => { g.tensors.find((t: any) => t.name === name).sourceDtype = v; };
    rejects(patchGraph(good(), on('f', 'u16')), /\('f'\)\.sourceDtype: expected 'u8' or 'i8'/);
    rejects(patchGraph(good(), on('c', 'u8')), /tensor 'c': sourceDtype 'u8' belongs on a graph input or a graph output/);
    rejects(patchGraph(good(), on('y', 'u8')), /tensor 'y': sourceDtype 'u8' needs an i8 output with a per-tensor quant, not f32/);
    rejects(patchGraph(good(), (g) => { g.normalize = { mean: [1, 2, 3], std: [1, 1, 1], scale: 1 }; }), /tensor 'x': sourceDtype 'u8' needs an f32 input and the graph normalisation of one mean/);
  });
});
