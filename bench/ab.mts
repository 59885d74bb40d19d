// node --experimental-wasm-relaxed-simd --import tsx bench/ab.mts OTHER_CHECKOUT [--rounds 21] [--build simd] [--mlperf]
//
// --mlperf: the four MLPerf Tiny int8 .tflite files instead (../shared/models/mlperf-tiny), each
// side importing the file with its own importer, f32 input as run() takes it; --files A,B: these
// .branchy or .tflite files instead.
//
// This checkout against another one (e.g. a worktree of an older commit), on the shipped
// models in models/*.branchy: both runtimes loaded in one process from their sources, the
// same model bytes and input, run() at full depth, alternating A/B every round (the order
// flips each round); per model the median per-run time of each side and the ratio. For
// "no slower" checks of host-side refactors (issue 15), where kernels are byte-identical.
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { machine } from './machine.js';

const HERE = fileURLToPath(new URL('../', import.meta.url));
const { values: opt, positionals } = parseArgs({
  allowPositionals: true,
  options: {
    rounds: { type: 'string', default: '21' }, build: { type: 'string', default: 'simd' }, 'round-ms': { type: 'string', default: '150' },
    mlperf: { type: 'boolean', default: false },
    files: { type: 'string' },
  },
});
if (positionals.length !== 1) throw new Error('usage: bench/ab.mts OTHER_CHECKOUT');
const OTHER = path.resolve(positionals[0]);
type Loaded = { info: { inputs: { dims: number[]; dtype: string }[] }; run(x: Float32Array | Uint8Array): unknown; dispose?(): void };
type Api = {
  load(bytes: Uint8Array, o: object): Promise<Loaded>;
  fromGraph(g: unknown, w: unknown, o: object): Promise<Loaded>;
  importTflite(bytes: Uint8Array): { graph: unknown; weights: unknown };
};
const side = async (root: string): Promise<Api> => ({ ...(await import(path.join(root, 'src/index.ts'))), ...(await import(path.join(root, 'src/convert/index.ts'))) }) as Api;
const sides: [string, Api][] = [['this', await side(HERE)], ['other', await side(OTHER)]];
const MLPERF = path.join(HERE, '../shared/models/mlperf-tiny');
const files = opt.files ? opt.files.split(',').map((f) => path.resolve(f)) : opt.mlperf
  ? ['ic_resnet8', 'vww_mobilenet', 'kws_dscnn', 'ad_autoencoder'].map((m) => path.join(MLPERF, `${m}_int8.tflite`))
  : readdirSync(path.join(HERE, 'models')).filter((n) => n.endsWith('.branchy')).sort().map((f) => path.join(HERE, 'models', f));
const open = (api: Api, file: string, bytes: Uint8Array): Promise<Loaded> => {
  if (!file.endsWith('.tflite')) return api.load(bytes, { build: opt.build });
  const { graph, weights } = api.importTflite(bytes);
  return api.fromGraph(graph, weights, { build: opt.build });
};
const median = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1];

console.log(`# bench/ab.mts: ${HERE} vs ${OTHER}, build ${opt.build}, ${opt.rounds} rounds of ~${opt['round-ms']} ms each side`);
console.log(machine());
console.log('| model | this (µs) | other (µs) | this / other |\n|---|---:|---:|---:|');
for (const file of files) {
  const f = path.basename(file);
  const bytes = new Uint8Array(readFileSync(file));
  const models = await Promise.all(sides.map(([, api]) => open(api, file, bytes)));
  const { dims, dtype } = models[0].info.inputs[0];
  const n = dims.reduce((a, d) => a * (d > 0 ? d : 1), 1);
  const x = dtype === 'f32' || dtype === 'i8' ? new Float32Array(n).map((_, i) => Math.sin(i * 0.37)) : new Uint8Array(n).map((_, i) => (i * 37) & 255);
  const per = (m: (typeof models)[0]): number => {
    const t0 = performance.now();
    let n = 0;
    do { m.run(x); n++; } while (performance.now() - t0 < Number(opt['round-ms']));
    return ((performance.now() - t0) * 1000) / n;
  };
  for (const m of models) per(m); // warm up
  const t: number[][] = [[], []];
  for (let r = 0; r < Number(opt.rounds); r++) {
    const order = r % 2 ? [1, 0] : [0, 1];
    for (const i of order) t[i].push(per(models[i]));
  }
  const [a, b] = t.map(median);
  console.log(`| ${f} | ${a.toFixed(1)} | ${b.toFixed(1)} | ${(a / b).toFixed(3)} |`);
  for (const m of models) m.dispose?.();
}
