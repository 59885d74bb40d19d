// Golden outputs: every shipped model and every ONNX test fixture, run in every build on
// seeded inputs, reduced to SHA-256 digests of the output bytes (and, for conversions, of
// the converted graph and weights). Recorded once before a refactor (record.ts), compared
// after it by golden.test.ts: a refactor that claims "same outputs bit for bit" is checked here.
import { createHash } from 'node:crypto';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { load, fromGraph, type Model } from '../../src/index.js';
import { importOnnx, quantizeGraph } from '../../src/convert/index.js';
import { runtimeObserve } from '../../src/cli/compress.js';
import type { Graph, Weights } from '../../src/ir/types.js';
import type { Build } from '../../src/runtime/features.js';
import { Rng } from '../helpers/rng.js';

export const ROOT = join(import.meta.dirname, '..', '..');

export type Golden = Record<string, string>;

const sha = (parts: (ArrayBufferView | string)[]): string => {
  const h = createHash('sha256');
  for (const p of parts) h.update(typeof p === 'string' ? p : new Uint8Array(p.buffer, p.byteOffset, p.byteLength));
  return h.digest('hex').slice(0, 24);
};

/** Canonical JSON (sorted keys) so that key order never changes a digest. */
function canon(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canon).join(',')}]`;
  if (v && typeof v === 'object') {
    return `{${Object.keys(v as object).sort().filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canon((v as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(v);
}

/** The graph (tensors in name order: their list order means nothing) and its weights. */
export function graphDigest(graph: Graph, weights: Weights): string {
  const names = [...weights.keys()].sort();
  const tensors = [...graph.tensors].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return sha([canon({ ...graph, tensors }), ...names.flatMap((n) => [n, weights.get(n)!])]);
}

/** Seeded inputs for a model: f32 values in [-1.5, 1.5] (NCHW as info says), and uint8 pixels when it normalises. */
function inputsFor(model: Model, seed: number): (Float32Array | Uint8Array)[] {
  const rng = new Rng(seed);
  const dims = model.info.inputs[0].dims.slice(1);
  const n = dims.reduce((a, b) => a * b, 1) * 2; // batch of 2
  const out: (Float32Array | Uint8Array)[] = [rng.f32(n, -1.5, 1.5)];
  if (model.info.normalize) out.push(Uint8Array.from({ length: n }, () => rng.int(0, 255)));
  return out;
}

function runDigest(model: Model, seed: number): string {
  if (model.info.inputs.length !== 1) return 'multi-input';
  const parts: (ArrayBufferView | string)[] = [];
  for (const x of inputsFor(model, seed)) {
    const out = model.run(x);
    for (const k of Object.keys(out).sort()) parts.push(k, out[k].data);
    if (model.info.exits) {
      const per = x.length / 2;
      for (const policy of [{ kind: 'entropy', thresholds: model.info.exits.slice(0, -1).map(() => 0.5) }, { kind: 'full' }] as const) {
        for (const r of model.classify(x instanceof Float32Array ? x.subarray(0, per) : x.subarray(0, per), { policy: policy as never })) {
          parts.push(`${r.exit}:${r.label}:${r.macs}`, r.probs);
        }
      }
    }
  }
  return sha(parts);
}

const safe = async (f: () => Promise<string>): Promise<string> => {
  try {
    return await f();
  } catch (e) {
    return `error ${(e as Error).constructor.name}: ${(e as Error).message.slice(0, 160)}`;
  }
};

/** Every golden digest, keyed "<file> <what> <build>". */
export async function computeGolden(builds: readonly Build[], log: (s: string) => void = () => {}): Promise<Golden> {
  const g: Golden = {};
  const shipped = readdirSync(join(ROOT, 'models')).filter((f) => f.endsWith('.branchy')).sort();
  for (const f of shipped) {
    const bytes = new Uint8Array(readFileSync(join(ROOT, 'models', f)));
    for (const build of builds) {
      g[`models/${f} run ${build}`] = await safe(async () => runDigest(await load(bytes, { build }), 7));
      log(`models/${f} ${build}`);
    }
  }
  const onnx = [
    ...readdirSync(join(ROOT, 'test/fixtures')).filter((f) => f.endsWith('.onnx')).map((f) => `test/fixtures/${f}`),
    ...['models/mnist-lenet.onnx', 'models/branchy-lenet-mnist.onnx', 'models/mobilenet-exits-cifar10-light.onnx'],
  ].sort();
  for (const f of onnx) {
    let imported: { graph: Graph; weights: Weights };
    try {
      imported = importOnnx(new Uint8Array(readFileSync(join(ROOT, f))));
    } catch (e) {
      g[`${f} import`] = `error ${(e as Error).constructor.name}: ${(e as Error).message.slice(0, 160)}`;
      continue;
    }
    g[`${f} import`] = graphDigest(imported.graph, imported.weights);
    for (const build of builds) {
      g[`${f} run-f32 ${build}`] = await safe(async () => runDigest(await fromGraph(imported.graph, imported.weights, { build }), 11));
    }
    // int8: minmax on 8 seeded calibration inputs (the runtime observes; relaxed is auto's pick).
    const q = await safe(async () => {
      const fresh = importOnnx(new Uint8Array(readFileSync(join(ROOT, f))));
      const probe = await fromGraph(fresh.graph, fresh.weights);
      if (probe.info.inputs.length !== 1) return 'multi-input';
      const rng = new Rng(3);
      const per = probe.info.inputs[0].dims.slice(1).reduce((a, b) => a * b, 1);
      const calib = Array.from({ length: 8 }, () => rng.f32(per, -1.5, 1.5));
      const res = await quantizeGraph(fresh.graph, fresh.weights, { method: 'minmax', observe: runtimeObserve(calib, '') });
      (imported as { q?: unknown }).q = res;
      return graphDigest(res.graph, res.weights);
    });
    g[`${f} quantize`] = q;
    const res = (imported as { q?: { graph: Graph; weights: Weights } }).q;
    if (res) {
      for (const build of builds) {
        g[`${f} run-int8 ${build}`] = await safe(async () => runDigest(await fromGraph(res.graph, res.weights, { build }), 13));
      }
    }
    log(f);
  }
  return g;
}
