// The long fuzz run (not part of the test suite):
//
//   npm run fuzz -- [--seed S] [--iterations N] [--from F] [--jobs J] [--case I,J,...] [--out DIR] [--inline]
//
// Runs cases F … F+N-1 (default 0 … N-1) in case processes (pool.ts: a hang or an abort is a finding, not the end of the
// run), prints outcomes by class, by family and by seed file, writes each finding's bytes to DIR
// (default fuzz-findings/) as <seed>-<index>.<seed file>.bin and exits 1 when there is any.
// --inline runs the cases in this process instead (stack traces; a hang hangs).
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { caseRng, emptyReport, FINDING_OUTCOMES, loadSeeds, makeCase, runOne, tally, type CaseRecord, type Report } from './campaign.js';
import { runIsolated } from './pool.js';

/** The last --name (npm run fuzz passes --iterations 100000 first; the user's own comes after). */
function arg(name: string): string | undefined {
  const i = process.argv.lastIndexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}

const iterations = Number(arg('iterations') ?? 10_000);
const seed = Number(arg('seed') ?? 1);
const from = Number(arg('from') ?? 0);
const jobs = Number(arg('jobs') ?? 1);
const only = arg('case')?.split(',').map(Number);
const outDir = arg('out') ?? 'fuzz-findings';
const inline = process.argv.includes('--inline');
if (!Number.isSafeInteger(iterations) || iterations < 1 || !Number.isSafeInteger(seed) || !Number.isSafeInteger(from) || from < 0 || !(jobs >= 1)) {
  console.error('usage: fuzz.ts [--seed S] [--iterations N] [--from F] [--jobs J] [--case I,J] [--out DIR] [--inline]');
  process.exit(2);
}

const indices = only ?? Array.from({ length: iterations }, (_, i) => from + i);
const step = Math.max(1, Math.floor(indices.length / 20));
const progress = (r: CaseRecord, rep: Report) => {
  if (rep.cases % step === 0) console.log(`${rep.cases}/${indices.length} cases, ${rep.findings.length} findings, ${(performance.now() / 1000).toFixed(0)} s`);
  if (r.outcome.startsWith('finding:')) console.log(`  #${r.index} ${r.seed} [${r.mutations.join(' + ')}] ${r.outcome}: ${r.message}`);
};

let report: Report;
if (inline) {
  const seeds = loadSeeds();
  report = emptyReport();
  const t0 = performance.now();
  for (const i of indices) {
    const r = await runOne(seeds, seed, i);
    tally(report, r);
    progress(r, report);
  }
  report.totalMs = performance.now() - t0;
} else {
  report = await runIsolated({ seed, indices, jobs, onCase: progress });
}
print(report);
if (report.findings.length) {
  mkdirSync(outDir, { recursive: true });
  const seeds = loadSeeds();
  for (const f of report.findings.sort((a, b) => a.index - b.index)) {
    const spec = makeCase(seeds, caseRng(seed, f.index));
    const file = join(outDir, `${seed}-${f.index}.${f.seed.replace(/[^\w.-]+/g, '_')}.bin`);
    writeFileSync(file, spec.bytes);
    console.log(`\n#${f.index} ${f.seed} [${f.mutations.join(' + ')}] ${f.outcome} -> ${file}\n  ${f.message}\n${f.stack?.split('\n').slice(1, 5).join('\n') ?? ''}`);
  }
  process.exit(1);
}

function print(r: Report): void {
  const slow = r.slowest ? `: #${r.slowest.index} ${r.slowest.seed} [${r.slowest.mutations.join(' + ')}]` : '';
  console.log(`\n${r.cases} cases in ${(r.totalMs / 1000).toFixed(1)} s (slowest case ${r.maxCaseMs.toFixed(0)} ms${slow}), seed ${seed}${only ? '' : `, cases ${from}…${from + iterations - 1}`}`);
  console.log(`outcomes: ${JSON.stringify(r.outcomes)}`);
  console.log(`loaded cases compared with a second build: ${r.compared}; bad inputs refused with BranchyInputError: ${r.badInputs}`);
  console.log('\nfile'.padEnd(56) + 'cases'.padStart(8) + 'ms'.padStart(10));
  for (const [f, n] of Object.entries(r.bySeed).sort()) console.log(f.padEnd(55) + String(n).padStart(8) + r.msBySeed[f].toFixed(0).padStart(10));
  const typed = Object.keys(r.outcomes).filter((c) => !c.startsWith('finding:')).sort();
  const classes = [...typed, ...FINDING_OUTCOMES];
  const short = (c: string) => c.replace('Branchy', '').replace('Error', '').replace('finding:', '!');
  console.log(`\n${'family'.padEnd(28)}${classes.map((c) => short(c).padStart(13)).join('')}`);
  for (const [m, row] of Object.entries(r.byFamily).sort()) {
    console.log(`${m.padEnd(28)}${classes.map((c) => String(row[c] ?? 0).padStart(13)).join('')}`);
  }
}
