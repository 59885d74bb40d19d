// Small hand-made corruptions of real model files for the regression tests: edit the graph
// JSON or the safetensors header of a .branchy file, or the ModelProto of an ONNX file.
import { readFileSync } from 'node:fs';
import type { onnx } from 'onnx-proto';
import { ONNX } from '../../src/convert/onnx/onnx-proto.js';
import { importOnnx } from '../../src/convert/index.js';
import { readSafetensors, writeBranchy } from '../../src/format/index.js';
import { joinSafetensors, splitSafetensors } from '../fuzz/mutate-branchy.js';

type Json = Record<string, any>; // eslint-disable-line @typescript-eslint/no-explicit-any

export const repoFile = (p: string): Uint8Array => new Uint8Array(readFileSync(new URL(`../../${p}`, import.meta.url)));

/** A .branchy file converted from an ONNX fixture. */
export const branchyOf = (fixture: string): Uint8Array => {
  const { graph, weights } = importOnnx(repoFile(`test/fixtures/${fixture}`));
  return writeBranchy(graph, weights);
};

/** The file with its graph JSON changed by `edit`. */
export function editGraph(bytes: Uint8Array, edit: (g: Json) => void): Uint8Array {
  const { header, data } = splitSafetensors(bytes);
  const g = JSON.parse(header.__metadata__['branchy.graph']) as Json;
  edit(g);
  header.__metadata__['branchy.graph'] = JSON.stringify(g);
  return joinSafetensors(JSON.stringify(header), data);
}

/** The file with the per-channel scales of constant `name` (format 2: an F64 tensor) changed by `edit`. */
export function editScales(bytes: Uint8Array, name: string, edit: (s: Float64Array) => void): Uint8Array {
  const e = readSafetensors(bytes).tensors.get(`branchy.scales/${name}`)!;
  const out = bytes.slice();
  const s = new Float64Array(out.slice(e.begin, e.end).buffer);
  edit(s);
  out.set(new Uint8Array(s.buffer), e.begin);
  return out;
}

/** The ONNX file with its ModelProto changed by `edit`. */
export function editOnnx(bytes: Uint8Array, edit: (m: onnx.ModelProto) => void): Uint8Array {
  const m = ONNX.ModelProto.decode(bytes);
  edit(m);
  return ONNX.ModelProto.encode(m).finish();
}

export const tensor = (g: Json, name: string): Json => (g.tensors as Json[]).find((t) => t.name === name)!;
export const nodeOf = (g: Json, op: string): Json => (g.nodes as Json[]).find((n) => n.op === op)!;
