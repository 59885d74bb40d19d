// A seeded fuzz campaign over the repository's real model files: the committed
// models/*.branchy and *.onnx, test/fixtures/*.onnx, small .branchy files converted from
// those fixtures, and small made graphs for the ops no file has (made-seeds.ts). Case i is reproducible on its own: its Rng is seeded from
// (campaign seed, i). Each case applies one family of mutations (sometimes a byte mutation on
// top): byte mutations (mutate-bytes.ts), structural ones of the safetensors header, graph
// JSON and ONNX protobuf (mutate-branchy.ts, mutate-onnx.ts), and semantic ones that put
// extreme values into named fields (mutate-graph.ts, mutate-onnx-values.ts). Large files (the
// 1.7 MB float LeNet) get cheap mutations only: header and graph JSON for .branchy, bytes near
// the start for ONNX.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { importOnnx } from '../../src/convert/index.js';
import { readBranchy, writeBranchy } from '../../src/format/index.js';
import { nodeMacs } from '../../src/ir/macs.js';
import type { Graph } from '../../src/ir/types.js';
import { Rng } from '../helpers/rng.js';
import { BYTE_MUTATIONS, BYTE_MUTATION_NAMES } from './mutate-bytes.js';
import { BRANCHY_MUTATION_NAMES, BRANCHY_SEMANTIC_NAMES, COSTLY_BRANCHY_NAMES, mutateBranchy } from './mutate-branchy.js';
import { COSTLY_ONNX_NAMES, ONNX_MUTATION_NAMES, ONNX_SEMANTIC_NAMES, mutateOnnx } from './mutate-onnx.js';
import { DEFAULT_LIMITS, FUZZ_BUILDS, runCase, type FileKind, type Limits } from './harness.js';
import { madeSeeds } from './made-seeds.js';
import { FINDING_KINDS, FuzzFailure, type FindingKind } from './findings.js';

export interface Seed {
  name: string;
  kind: FileKind;
  bytes: Uint8Array;
  /** Large files, and models of many MACs, are a small share of the cases and get cheap mutations only. */
  large: boolean;
}

const ROOT = new URL('../../', import.meta.url);
const LARGE = 256 << 10;
/** A model past this many MACs per sample runs for tens of ms in the scalar build (the CIFAR binary nets: 39 M). */
const HEAVY_MACS = 10_000_000;

const macsOf = (graph: Graph): number => graph.nodes.reduce((a, n) => a + nodeMacs(graph, n), 0);

/** Every seed file, a .branchy conversion of each ONNX fixture, and the made seeds (ops no file has). */
export function loadSeeds(): Seed[] {
  const seeds: Seed[] = [];
  const add = (name: string, kind: FileKind, bytes: Uint8Array, graph?: Graph) =>
    seeds.push({ name, kind, bytes, large: bytes.length > LARGE || macsOf(graph ?? readBranchy(bytes).graph) > HEAVY_MACS });
  const dir = (d: string) => readdirSync(fileURLToPath(new URL(d, ROOT))).sort().map((f) => `${d}/${f}`);
  const read = (p: string) => new Uint8Array(readFileSync(fileURLToPath(new URL(p, ROOT))));
  for (const p of dir('models')) {
    if (p.endsWith('.branchy')) add(p, 'branchy', read(p));
    else if (p.endsWith('.onnx')) add(p, 'onnx', read(p)); // over LARGE bytes: never parsed here
  }
  for (const p of dir('test/fixtures').filter((f) => f.endsWith('.onnx'))) {
    const bytes = read(p);
    const { graph, weights } = importOnnx(bytes);
    add(p, 'onnx', bytes, graph);
    add(p.replace(/\.onnx$/, '.branchy (converted)'), 'branchy', writeBranchy(graph, weights), graph);
  }
  for (const [name, bytes] of madeSeeds()) add(name, 'branchy', bytes);
  return seeds;
}

/** Every family of mutations, by the kind of file it applies to. */
export const FAMILIES = {
  bytes: BYTE_MUTATION_NAMES as string[],
  branchy: BRANCHY_MUTATION_NAMES,
  branchyValues: BRANCHY_SEMANTIC_NAMES,
  onnx: ONNX_MUTATION_NAMES,
  onnxValues: ONNX_SEMANTIC_NAMES,
};

const COSTLY = new Set([...COSTLY_BRANCHY_NAMES, ...COSTLY_ONNX_NAMES]);

/** A family from `names`; the costly ones (JSON nested 10^5 deep, 10^6-entry arrays, 5,000 nodes) a fifth as often. */
function pickFamily(names: string[], rng: Rng, costly: boolean): string {
  const cheap = names.filter((n) => !COSTLY.has(n));
  const name = rng.pick(names);
  return COSTLY.has(name) && (!costly || rng.next() > 0.2) ? rng.pick(cheap) : name;
}

export interface CaseSpec {
  seed: Seed;
  mutations: string[];
  bytes: Uint8Array;
}

/** The Rng of case i of campaign `seed`. */
export const caseRng = (seed: number, i: number): Rng => new Rng((seed * 1_000_003 + i * 7919) >>> 0);

/** The bytes of a case: one or two mutations of one seed. */
export function makeCase(seeds: Seed[], rng: Rng): CaseSpec {
  // Large files are a small share of the cases: each one that loads costs a full import.
  const small = seeds.filter((s) => !s.large), large = seeds.filter((s) => s.large);
  const seed = large.length && rng.next() < 0.06 ? rng.pick(large) : rng.pick(small);
  let bytes = seed.bytes;
  const mutations: string[] = [];
  const rounds = rng.next() < 0.2 ? 2 : 1;
  for (let r = 0; r < rounds; r++) {
    const structural = mutations.length === 0 && rng.next() < 0.75;
    const semantic = rng.next() < 0.55;
    let next: Uint8Array | null = null;
    let name = '';
    if (structural && seed.kind === 'branchy') {
      const pool = semantic ? FAMILIES.branchyValues : seed.large ? FAMILIES.branchy.filter((m) => m !== 'data.bitflip') : FAMILIES.branchy;
      name = pickFamily(pool, rng, !seed.large);
      next = mutateBranchy(bytes, name, rng);
    } else if (structural && seed.kind === 'onnx' && !seed.large) {
      name = pickFamily(semantic ? FAMILIES.onnxValues : FAMILIES.onnx, rng, true);
      next = mutateOnnx(bytes, name, rng);
    }
    if (!next) {
      name = rng.pick(FAMILIES.bytes);
      const region = { begin: 0, end: seed.large ? Math.min(bytes.length, headerEnd(seed.bytes, seed.kind)) : bytes.length };
      next = BYTE_MUTATIONS[name as keyof typeof BYTE_MUTATIONS](bytes, rng, region);
    }
    mutations.push(name);
    bytes = next;
  }
  return { seed, mutations, bytes };
}

/** Where the cheap-to-mutate part of a large file ends: the safetensors header, or ONNX's first 4 KiB. */
function headerEnd(bytes: Uint8Array, kind: FileKind): number {
  if (kind === 'onnx') return 4096;
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  return 8 + dv.getUint32(0, true);
}

/** How one case ended (what a case process sends back). */
export interface CaseRecord {
  index: number;
  seed: string;
  mutations: string[];
  /** 'ok', the branchy error class that refused the file, or `finding:<kind>`. */
  outcome: string;
  ms: number;
  compared: boolean;
  badInputs: number;
  build: string;
  message?: string;
  stack?: string;
}

/**
 * Runs case i of campaign `seed` in this process; `started` hears which file it is before it
 * runs. Hangs and aborts are the caller's (pool.ts).
 */
export async function runOne(seeds: Seed[], seed: number, i: number, limits: Limits = DEFAULT_LIMITS, started?: (c: CaseSpec) => void): Promise<CaseRecord> {
  const rng = caseRng(seed, i);
  const c = makeCase(seeds, rng);
  started?.(c);
  const build = FUZZ_BUILDS[i % FUZZ_BUILDS.length];
  const base = { index: i, seed: c.seed.name, mutations: c.mutations, build };
  const t = performance.now();
  try {
    const r = await runCase(c.bytes, c.seed.kind, build, rng, limits);
    return { ...base, outcome: r.outcome, ms: r.ms, compared: r.compared, badInputs: r.badInputs };
  } catch (e) {
    if (!(e instanceof FuzzFailure)) throw e;
    const cause = e.cause instanceof Error ? e.cause : undefined;
    return { ...base, outcome: `finding:${e.kind}`, ms: performance.now() - t, compared: false, badInputs: 0, message: `[${build}] ${e.message}`, stack: cause?.stack };
  }
}

export interface Report {
  cases: number;
  /** Outcome ('ok', the branchy error class, or finding:<kind>) -> count. */
  outcomes: Record<string, number>;
  /** Mutation family -> outcome -> count. */
  byFamily: Record<string, Record<string, number>>;
  bySeed: Record<string, number>;
  /** Milliseconds spent per seed file. */
  msBySeed: Record<string, number>;
  /** Loaded cases whose outputs were compared with a second build's. */
  compared: number;
  /** Bad inputs refused with a BranchyInputError. */
  badInputs: number;
  findings: CaseRecord[];
  maxCaseMs: number;
  /** The slowest case that was not a finding. */
  slowest?: CaseRecord;
  totalMs: number;
}

export const emptyReport = (): Report => ({ cases: 0, outcomes: {}, byFamily: {}, bySeed: {}, msBySeed: {}, compared: 0, badInputs: 0, findings: [], maxCaseMs: 0, totalMs: 0 });

/** Adds one case to the report. */
export function tally(report: Report, r: CaseRecord): void {
  report.cases++;
  report.outcomes[r.outcome] = (report.outcomes[r.outcome] ?? 0) + 1;
  report.bySeed[r.seed] = (report.bySeed[r.seed] ?? 0) + 1;
  report.msBySeed[r.seed] = (report.msBySeed[r.seed] ?? 0) + r.ms;
  for (const m of r.mutations) {
    const row = (report.byFamily[m] ??= {});
    row[r.outcome] = (row[r.outcome] ?? 0) + 1;
  }
  if (r.compared) report.compared++;
  report.badInputs += r.badInputs;
  if (r.outcome.startsWith('finding:')) report.findings.push(r);
  else if (r.ms > report.maxCaseMs) {
    report.maxCaseMs = r.ms;
    report.slowest = r;
  }
}

/** The finding kinds, as the report's outcome keys. */
export const FINDING_OUTCOMES = (Object.keys(FINDING_KINDS) as FindingKind[]).map((k) => `finding:${k}`);

/** Every family name of the campaign. */
export const ALL_FAMILIES = [...new Set(Object.values(FAMILIES).flat())];
