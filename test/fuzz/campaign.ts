// A seeded fuzz campaign over the repository's real model files: the committed
// models/*.branchy and *.onnx, test/fixtures/*.onnx, and small .branchy files converted
// from those fixtures. Case i is reproducible on its own: its Rng is seeded from
// (campaign seed, i). Large files (the 1.7 MB float LeNet) get cheap mutations only:
// header and graph JSON for .branchy, bytes near the start for ONNX.
import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { importOnnx } from '../../src/convert/index.js';
import { writeBranchy } from '../../src/format/index.js';
import { Rng } from '../helpers/rng.js';
import { BYTE_MUTATIONS, BYTE_MUTATION_NAMES } from './mutate-bytes.js';
import { BRANCHY_MUTATION_NAMES, mutateBranchy } from './mutate-branchy.js';
import { ONNX_MUTATION_NAMES, mutateOnnx } from './mutate-onnx.js';
import { DEFAULT_LIMITS, FUZZ_BUILDS, FuzzFailure, runCase, type FileKind, type Limits } from './harness.js';

export interface Seed {
  name: string;
  kind: FileKind;
  bytes: Uint8Array;
  /** Large files get cheap mutations only. */
  large: boolean;
}

const ROOT = new URL('../../', import.meta.url);
const LARGE = 256 << 10;

/** Every seed file, plus a .branchy conversion of each ONNX fixture. */
export function loadSeeds(): Seed[] {
  const seeds: Seed[] = [];
  const add = (name: string, kind: FileKind, bytes: Uint8Array) => seeds.push({ name, kind, bytes, large: bytes.length > LARGE });
  const dir = (d: string) => readdirSync(fileURLToPath(new URL(d, ROOT))).sort().map((f) => `${d}/${f}`);
  const read = (p: string) => new Uint8Array(readFileSync(fileURLToPath(new URL(p, ROOT))));
  for (const p of dir('models')) {
    if (p.endsWith('.branchy')) add(p, 'branchy', read(p));
    else if (p.endsWith('.onnx')) add(p, 'onnx', read(p));
  }
  for (const p of dir('test/fixtures').filter((f) => f.endsWith('.onnx'))) {
    const bytes = read(p);
    add(p, 'onnx', bytes);
    const { graph, weights } = importOnnx(bytes);
    add(p.replace(/\.onnx$/, '.branchy (converted)'), 'branchy', writeBranchy(graph, weights));
  }
  return seeds;
}

export interface CaseSpec {
  seed: Seed;
  mutations: string[];
  bytes: Uint8Array;
}

/** The bytes of case i: one or two mutations of one seed. */
export function makeCase(seeds: Seed[], rng: Rng): CaseSpec {
  // Large files are a small share of the cases: each one that loads costs a full import.
  const small = seeds.filter((s) => !s.large), large = seeds.filter((s) => s.large);
  const seed = large.length && rng.next() < 0.06 ? rng.pick(large) : rng.pick(small);
  let bytes = seed.bytes;
  const mutations: string[] = [];
  const rounds = rng.next() < 0.2 ? 2 : 1;
  for (let r = 0; r < rounds; r++) {
    const structural = mutations.length === 0 && rng.next() < 0.7;
    let next: Uint8Array | null = null;
    let name = '';
    if (structural && seed.kind === 'branchy') {
      const pool = seed.large ? BRANCHY_MUTATION_NAMES.filter((m) => m !== 'data.bitflip') : BRANCHY_MUTATION_NAMES;
      name = rng.pick(pool);
      next = mutateBranchy(bytes, name, rng);
    } else if (structural && seed.kind === 'onnx' && !seed.large) {
      name = rng.pick(ONNX_MUTATION_NAMES);
      next = mutateOnnx(bytes, name, rng);
    }
    if (!next) {
      name = rng.pick(BYTE_MUTATION_NAMES);
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

export interface Finding {
  index: number;
  seed: string;
  mutations: string[];
  message: string;
  stack?: string;
  bytes: Uint8Array;
}

export interface Report {
  cases: number;
  /** Outcome ('ok' or the branchy error class) -> count. */
  outcomes: Record<string, number>;
  /** Mutation -> outcome -> count. */
  byMutation: Record<string, Record<string, number>>;
  bySeed: Record<string, number>;
  /** Milliseconds spent per seed file. */
  msBySeed: Record<string, number>;
  findings: Finding[];
  maxCaseMs: number;
  totalMs: number;
}

export interface CampaignOptions {
  seed: number;
  iterations: number;
  limits?: Limits;
  /** Run only these case indices (reproduce a finding). */
  only?: number[];
  /** Called after each case (progress). */
  onCase?: (i: number, report: Report) => void;
}

export async function runCampaign(opts: CampaignOptions): Promise<Report> {
  const seeds = loadSeeds();
  const report: Report = { cases: 0, outcomes: {}, byMutation: {}, bySeed: {}, msBySeed: {}, findings: [], maxCaseMs: 0, totalMs: 0 };
  const t0 = performance.now();
  const indices = opts.only ?? Array.from({ length: opts.iterations }, (_, i) => i);
  for (const i of indices) {
    const rng = new Rng((opts.seed * 1_000_003 + i * 7919) >>> 0);
    const c = makeCase(seeds, rng);
    const build = FUZZ_BUILDS[i % FUZZ_BUILDS.length];
    let outcome: string;
    const t = performance.now();
    try {
      const r = await runCase(c.bytes, c.seed.kind, build, rng, opts.limits ?? DEFAULT_LIMITS);
      outcome = r.outcome;
      report.maxCaseMs = Math.max(report.maxCaseMs, r.ms);
    } catch (e) {
      if (!(e instanceof FuzzFailure)) throw e;
      outcome = 'FINDING';
      const cause = e.cause instanceof Error ? e.cause : undefined;
      report.findings.push({ index: i, seed: c.seed.name, mutations: c.mutations, message: `[${build}] ${e.message}`, stack: cause?.stack, bytes: c.bytes });
    }
    report.msBySeed[c.seed.name] = (report.msBySeed[c.seed.name] ?? 0) + performance.now() - t;
    report.cases++;
    report.outcomes[outcome] = (report.outcomes[outcome] ?? 0) + 1;
    report.bySeed[c.seed.name] = (report.bySeed[c.seed.name] ?? 0) + 1;
    for (const m of c.mutations) {
      const row = (report.byMutation[m] ??= {});
      row[outcome] = (row[outcome] ?? 0) + 1;
    }
    opts.onCase?.(i, report);
  }
  report.totalMs = performance.now() - t0;
  return report;
}
