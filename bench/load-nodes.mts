// Load time in the node count (issue 17: a file of many nodes must load in linear time):
// chains of 5,000 … 40,000 f32 relus on [1, 8], scalar build; prints the file size and the CPU
// time of each load (the least of three, after a warm-up), so a shared machine does not
// inflate it.
//
//   node --experimental-wasm-relaxed-simd --import tsx bench/load-nodes.mts
import { load } from '../src/runtime/model.js';
import { f32, graphFile } from '../test/fuzz/graphs.js';

/** x -> n relus in a chain -> y. */
function chain(n: number): Uint8Array {
  const name = (i: number) => (i === n - 1 ? 'y' : `t${i}`);
  const tensors = [f32('x', [1, 8]), ...Array.from({ length: n }, (_, i) => f32(name(i), [1, 8]))];
  const nodes = Array.from({ length: n }, (_, i) => ({ name: `a${i}`, op: 'activation', inputs: [i ? name(i - 1) : 'x'], outputs: [name(i)], attrs: {}, act: { kind: 'relu' } }));
  return graphFile(tensors, nodes);
}

await load(chain(5000), { build: 'scalar' });
console.log('nodes'.padStart(8) + 'MB'.padStart(8) + 'load CPU ms'.padStart(14));
for (const n of [5000, 10000, 20000, 40000]) {
  const bytes = chain(n);
  let best = Infinity;
  for (let r = 0; r < 3; r++) {
    const c = process.cpuUsage();
    await load(bytes, { build: 'scalar' });
    const d = process.cpuUsage(c);
    best = Math.min(best, (d.user + d.system) / 1000);
  }
  console.log(String(n).padStart(8) + (bytes.length / 1e6).toFixed(1).padStart(8) + best.toFixed(0).padStart(14));
}
