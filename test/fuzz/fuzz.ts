// The long fuzz run (not part of the test suite):
//
//   node --experimental-wasm-relaxed-simd --import tsx test/fuzz/fuzz.ts --iterations 100000 [--seed 1]
//        [--case I,J,...] [--out DIR]
//
// Prints outcomes by class and by mutation; writes each finding's bytes to DIR (default
// fuzz-findings/) as <index>.<seed file>.bin and exits 1 when there is any.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { runCampaign, type Report } from './campaign.js';

function arg(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const iterations = Number(arg('iterations') ?? 10_000);
const seed = Number(arg('seed') ?? 1);
const only = arg('case')?.split(',').map(Number);
const outDir = arg('out') ?? 'fuzz-findings';
if (!Number.isSafeInteger(iterations) || iterations < 1 || !Number.isSafeInteger(seed)) {
  console.error('usage: fuzz.ts --iterations N [--seed S] [--case I,J] [--out DIR]');
  process.exit(2);
}

const step = Math.max(1, Math.floor(iterations / 20));
const report = await runCampaign({
  seed, iterations, only,
  onCase: (i, r) => {
    if ((r.cases % step === 0) || r.findings.length && r.findings.at(-1)!.index === i) {
      const mem = process.memoryUsage();
      console.log(`${r.cases}/${only?.length ?? iterations} cases, ${r.findings.length} findings, ` +
        `heap ${(mem.heapUsed / 2 ** 20).toFixed(0)} MiB, rss ${(mem.rss / 2 ** 20).toFixed(0)} MiB`);
    }
  },
});
print(report);
if (report.findings.length) {
  mkdirSync(outDir, { recursive: true });
  for (const f of report.findings) {
    const file = join(outDir, `${f.index}.${f.seed.replace(/[^\w.-]+/g, '_')}.bin`);
    writeFileSync(file, f.bytes);
    console.log(`\n#${f.index} ${f.seed} [${f.mutations.join(' + ')}] -> ${file}\n  ${f.message}\n${f.stack?.split('\n').slice(1, 5).join('\n') ?? ''}`);
  }
  process.exit(1);
}

function print(r: Report): void {
  console.log(`\n${r.cases} cases in ${(r.totalMs / 1000).toFixed(1)} s (slowest case ${r.maxCaseMs.toFixed(0)} ms), seed ${seed}`);
  console.log('outcomes:', JSON.stringify(r.outcomes));
  console.log('\nfile'.padEnd(50) + 'cases'.padStart(8) + 'ms'.padStart(10));
  for (const [f, n] of Object.entries(r.bySeed).sort()) console.log(f.padEnd(49) + String(n).padStart(8) + r.msBySeed[f].toFixed(0).padStart(10));
  const classes = Object.keys(r.outcomes).sort();
  console.log(`\n${'mutation'.padEnd(24)}${classes.map((c) => c.replace('Branchy', '').replace('Error', '').padStart(12)).join('')}`);
  for (const [m, row] of Object.entries(r.byMutation).sort()) {
    console.log(`${m.padEnd(24)}${classes.map((c) => String(row[c] ?? 0).padStart(12)).join('')}`);
  }
}
