// The bounded fuzz run of the test suite: campaign SUITE_SEED, cases 0 … SUITE_CASES-1, split
// over a few test files so that vitest runs the parts in parallel. The cases run in a case
// process (pool.ts), as in `npm run fuzz`, so that a hang or an abort fails the test with the
// case's name instead of stalling or killing the test worker.
import { expect, it } from 'vitest';
import { ALL_FAMILIES } from './campaign.js';
import { runIsolated } from './pool.js';
import { FUZZ_BUILDS } from './harness.js';

export const SUITE_SEED = 20261123;
export const SUITE_CASES = 10_000;

export function fuzzPart(part: number, parts: number): void {
  const from = Math.floor((SUITE_CASES * part) / parts), to = Math.floor((SUITE_CASES * (part + 1)) / parts);
  const n = to - from;
  it(`cases ${from}…${to - 1} of campaign ${SUITE_SEED}: each loads, runs, agrees across builds and refuses bad inputs, or throws a typed branchy error`, async () => {
    const r = await runIsolated({ seed: SUITE_SEED, indices: Array.from({ length: n }, (_, i) => from + i) });
    const findings = r.findings.map((f) => `#${f.index} ${f.seed} [${f.mutations.join(' + ')}] ${f.outcome}: ${f.message}\n${f.stack ?? ''}`);
    expect(findings, 'reproduce: npm run fuzz -- --seed ' + `${SUITE_SEED} --case <index> (--inline for stack traces)`).toEqual([]);
    expect(r.cases).toBe(n);
    // The campaign reaches every outcome: files that load and run, and each kind of refusal.
    for (const k of ['ok', 'BranchyFormatError', 'BranchyUnsupportedError']) expect(r.outcomes[k], k).toBeGreaterThan(n / 20);
    expect(r.outcomes.BranchyLimitError, 'BranchyLimitError').toBeGreaterThan(0);
    // Every loaded model was compared with a second build and given bad inputs.
    if (FUZZ_BUILDS.length > 1) expect(r.compared).toBe(r.outcomes.ok);
    expect(r.badInputs).toBeGreaterThan(r.outcomes.ok);
    // Every family ran, and each changed what the runtime saw: some of its cases were refused.
    for (const f of ALL_FAMILIES) {
      const row = r.byFamily[f] ?? {};
      const cases = Object.values(row).reduce((a, b) => a + b, 0);
      expect(cases, `cases of ${f}`).toBeGreaterThan(0);
      expect(cases - (row.ok ?? 0), `refused cases of ${f}`).toBeGreaterThan(0);
    }
  }, 300_000);
}
