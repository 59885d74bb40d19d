// The bounded fuzz run of the test suite: campaign SUITE_SEED, cases 0 … SUITE_CASES-1, split
// over a few test files so that vitest runs the parts in parallel (each about 20 s).
import { expect, it } from 'vitest';
import { runCampaign } from './campaign.js';

export const SUITE_SEED = 20261123;
export const SUITE_CASES = 10_000;

export function fuzzPart(part: number, parts: number): void {
  const from = Math.floor((SUITE_CASES * part) / parts), to = Math.floor((SUITE_CASES * (part + 1)) / parts);
  it(`cases ${from}…${to - 1} of campaign ${SUITE_SEED}: each loads and runs with its declared shapes, or throws a typed branchy error`, async () => {
    const r = await runCampaign({ seed: SUITE_SEED, iterations: SUITE_CASES, only: Array.from({ length: to - from }, (_, i) => from + i) });
    const findings = r.findings.map((f) => `#${f.index} ${f.seed} [${f.mutations.join(' + ')}]: ${f.message}\n${f.stack ?? ''}`);
    expect(findings, 'reproduce: node --experimental-wasm-relaxed-simd --import tsx test/fuzz/fuzz.ts --seed ' +
      `${SUITE_SEED} --iterations ${SUITE_CASES} --case <index>`).toEqual([]);
    expect(r.cases).toBe(to - from);
    // The campaign reaches every outcome: files that load and run, and each kind of refusal.
    for (const k of ['ok', 'BranchyFormatError', 'BranchyUnsupportedError']) expect(r.outcomes[k], k).toBeGreaterThan((to - from) / 20);
    expect(r.outcomes.BranchyLimitError, 'BranchyLimitError').toBeGreaterThan(0);
  }, 180_000);
}
