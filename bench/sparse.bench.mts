// Block-sparse vs dense int8 GEMM on the 1x1 layers of bench/kernels.bench.mts, at several
// fractions of zero 4x8 blocks (random, seeded), simd and scalar builds. Prints a Markdown
// table (paste it into docs/compression.md). The machine is shared and noisy, so dense and
// sparse calls alternate and each reports its fastest call (an uninterrupted one); the
// speed-up is the ratio of those.
//   node --import tsx bench/sparse.bench.mts [--scalar]
import { loadKernels } from '../src/runtime/wasm.js';
import { LinearMemory } from '../src/runtime/memory.js';
import type { Build } from '../src/runtime/features.js';
import { prepareQs8Gemm, runQs8Gemm } from '../src/runtime/ops/qs8-gemm.js';
import { prepareQs8Sparse, runQs8Sparse, blockSparsity } from '../src/runtime/ops/qs8-sparse.js';
import { machine } from './machine.js';

const SHAPES = [
  { name: '1×1 16×16×128→256', m: 256, k: 128, n: 256 },
  { name: '1×1 4×4×512→1024', m: 16, k: 512, n: 1024 },
  { name: 'fc 800→500 (LeNet fc1)', m: 1, k: 800, n: 500 },
];
const SPARSITY = [0, 0.1, 0.2, 0.3, 0.5, 0.7, 0.9];
const BUILDS: Build[] = process.argv.includes('--scalar') ? ['simd', 'scalar'] : ['simd'];

function weights(n: number, k: number, sparsity: number, seed: number): Int8Array {
  let s = seed >>> 0;
  const rnd = () => ((s = (Math.imul(s, 1664525) + 1013904223) >>> 0) / 2 ** 32);
  const w = Int8Array.from({ length: n * k }, () => Math.floor(rnd() * 255) - 127 || 1);
  for (let g = 0; g * 4 < n; g++) {
    for (let b = 0; b * 8 < k; b++) {
      if (rnd() >= sparsity) continue;
      for (let j = g * 4; j < Math.min(n, g * 4 + 4); j++) w.fill(0, j * k + b * 8, j * k + Math.min(k, b * 8 + 8));
    }
  }
  return w;
}

/**
 * Alternating single calls of f and g after a warm-up; the fastest call of each (the one no
 * other process interrupted: the machine is shared) and their ratio.
 */
function paired(f: () => void, g: () => void, calls: number): { d: number; p: number; ratio: number } {
  for (let i = 0; i < 20; i++) { f(); g(); }
  let bf = Infinity, bg = Infinity;
  for (let i = 0; i < calls; i++) {
    let t = performance.now();
    f();
    bf = Math.min(bf, performance.now() - t);
    t = performance.now();
    g();
    bg = Math.min(bg, performance.now() - t);
  }
  return { d: bf * 1000, p: bg * 1000, ratio: bf / bg };
}

async function main(): Promise<void> {
  console.log(`${machine()}\n`);
  console.log('| layer | build | zero blocks | dense µs | sparse µs | speed-up |');
  console.log('|---|---|---:|---:|---:|---:|');
  for (const s of SHAPES) {
    for (const build of BUILDS) {
      const mem = new LinearMemory(await loadKernels({ build }));
      const a = mem.put(Int8Array.from({ length: s.m * s.k }, (_, i) => ((i * 13) % 256) - 128));
      const c = mem.alloc(s.m * s.n);
      const scale = new Float32Array(s.n).fill(0.0005);
      const bias = new Int32Array(s.n).fill(100);
      const q = { zpIn: -3, zpOut: 2, qmin: -128, qmax: 127 };
      for (const sp of SPARSITY) {
        const w = weights(s.n, s.k, sp, 42);
        const dense = prepareQs8Gemm(mem, build, { n: s.n, k: s.k, weights: w, bias, scale, ...q });
        const sparse = prepareQs8Sparse(mem, build, { n: s.n, k: s.k, weights: w, bias, scale, ...q });
        const fd = () => runQs8Gemm(mem, dense, s.m, a, s.k, c, s.n);
        const fs = () => runQs8Sparse(mem, sparse, s.m, a, s.k, c, s.n);
        const { d, p, ratio } = paired(fd, fs, build === 'scalar' ? 40 : 400);
        console.log(`| ${s.name} | ${build} | ${(blockSparsity(w, s.n, s.k) * 100).toFixed(0)}% | ${d.toFixed(1)} | ${p.toFixed(1)} | ${ratio.toFixed(2)}× |`);
      }
    }
  }
}

await main();
