// The Winograd conv's effect on whole zoo models: each model's int8 graph (the zoo test's minmax
// calibration) loaded twice, by default and with { winograd: false }, timed in interleaved rounds
// (one thread, batch 1, median ms per sample), with the count of steps that run a Winograd kernel
// and the weights in memory both ways. Outputs are the same bits (checked on the first input).
//   node --experimental-wasm-relaxed-simd --import tsx bench/zoo-winograd.mts [--models a,b] [--rounds 15]
import { parseArgs } from 'node:util';
import { fromGraph } from '../src/runtime/model.js';
import { importZoo, quantizeZoo, readZoo, zooInputs, TEST_SEED } from '../test/zoo/harness.js';
import { machine } from './machine.js';

const { values } = parseArgs({ options: { models: { type: 'string', default: '' }, rounds: { type: 'string', default: '15' } } });
const only = values.models ? new Set(values.models.split(',')) : null;
const rounds = Number(values.rounds);
const median = (a: number[]) => a.slice().sort((p, q) => p - q)[a.length >> 1];

console.log(`# ${machine()}; ${rounds} interleaved rounds of ~100 ms per load; default build (relaxed where it runs)\n`);
console.log('| model | 3×3 stride-1 convs on Winograd | default ms | `winograd: false` ms | speed-up | weights in memory (default / false) |');
console.log('|---|---:|---:|---:|---:|---:|');
for (const m of readZoo().models) {
  if (only && !only.has(m.name)) continue;
  const { graph, weights } = importZoo(m);
  const q = await quantizeZoo(m, graph, weights);
  const [a, b] = [await fromGraph(q.graph, q.weights), await fromGraph(q.graph, q.weights, { winograd: false })];
  const shape = new Map(q.graph.tensors.map((t) => [t.name, t.shape]));
  const wino = q.graph.nodes.filter((n) => {
    const at = n.attrs as { kernel?: number[]; strides?: number[]; dilations?: number[]; groups?: number };
    return n.op === 'conv2d' && String(at.kernel) === '3,3' && String(at.strides) === '1,1' && String(at.dilations) === '1,1' && (at.groups ?? 1) === 1 && shape.get(n.inputs[0])![3] % 8 === 0;
  }).length;
  const x = zooInputs(m, TEST_SEED, 1)[0];
  const ya = a.run(x), yb = b.run(x);
  for (const k of Object.keys(yb)) if (ya[k].data.some((v, i) => v !== yb[k].data[i])) throw new Error(`${m.name}: outputs differ with and without Winograd`);
  const t: number[][] = [[], []];
  for (let i = 0; i < 20; i++) (a.run(x), b.run(x));
  for (let r = 0; r < rounds; r++) {
    for (const [j, mdl] of [a, b].entries()) {
      const t0 = performance.now();
      let n = 0;
      while (performance.now() - t0 < 100) (mdl.run(x), n++);
      t[j].push((performance.now() - t0) / n);
    }
  }
  const [ta, tb] = t.map(median);
  console.log(`| ${m.name} | ${wino} | ${ta.toFixed(2)} | ${tb.toFixed(2)} | ${(tb / ta).toFixed(2)}× | ${a.info.weightBytes} / ${b.info.weightBytes} |`);
}
