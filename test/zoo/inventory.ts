// The op inventory: which ONNX ops (and opsets) the model zoo and the ONNX backend node tests use,
// and what branchy does with each today; per zoo model, whether it converts and how close its
// f32 and int8 runs come. Writes both tables into docs/zoo.md (between the inventory markers).
//
//   node --experimental-wasm-relaxed-simd --import tsx test/zoo/inventory.ts [--no-run]
//
// --no-run skips the f32 / int8 measurements (the op table alone takes seconds). Needs the zoo
// (/usr/bin/python3 test/zoo/make_zoo.py); the node tests come from Debian's libonnx-testdata.
import { readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { exportOnnx, importOnnx } from '../../src/convert/index.js';
import { ONNX } from '../../src/convert/onnx/onnx-proto.js';
import { BranchyError } from '../../src/errors.js';
import { supportedBuilds } from '../../src/runtime/features.js';
import { fromGraph } from '../../src/runtime/model.js';
import { haveNodeTests, loadNodeTest, maxRelErr as nodeErr, NODE_TESTS, runImported } from '../convert/helpers.js';
import {
  branchyRun, floatLeft, maxRelErr, ortRun, quantizeZoo, readZoo, relL2, ROOT, samples, worst, zooBytes, zooInputs, TEST_SEED,
  type ZooModel,
} from './harness.js';

const { values: opt } = parseArgs({ options: { 'no-run': { type: 'boolean', default: false } } });

/** What importing one model did: null when it imports; else the error, and the op its message names. */
interface Refusal {
  message: string;
  op: string;
}

function tryImport(bytes: Uint8Array): Refusal | null {
  try {
    importOnnx(bytes);
    return null;
  } catch (e) {
    const message = `${(e as Error).constructor.name}: ${(e as Error).message}`;
    // Importer errors name the node as "<Op> node '<name>'".
    return { message, op: /(\w+) node '/.exec((e as Error).message)?.[1] ?? '(graph)' };
  }
}

/** One ONNX model's ops (other domains prefixed) with the opset of each op's domain. */
function opsOf(bytes: Uint8Array): Map<string, number> {
  const m = ONNX.ModelProto.decode(bytes);
  const std = (d?: string | null): string => (!d || d === 'ai.onnx' ? '' : d);
  const opsets = new Map(m.opsetImport.map((o) => [std(o.domain), Number(o.version)]));
  return new Map((m.graph?.node ?? []).map((n) => [std(n.domain) ? `${n.domain}.${n.opType}` : String(n.opType), opsets.get(std(n.domain)) ?? 0]));
}

interface OpRow {
  opsets: Set<number>;
  /** zoo model -> 'ok' (imports), 'refused' (its first refusal names this op), 'unreached'. */
  zoo: Map<string, 'ok' | 'refused' | 'unreached'>;
  /** node tests using the op, imported, matching the expected outputs (reference evaluator; runtime), refused at this op. */
  nodeTests: { use: number; imported: number; match: number; runs: number; refused: number };
  /** The first refusal that names this op, else the first of a model using it (at another op or the graph). */
  refusal?: string;
  elsewhere?: string;
}

const ops = new Map<string, OpRow>();
const row = (op: string): OpRow => {
  let r = ops.get(op);
  if (!r) ops.set(op, (r = { opsets: new Set(), zoo: new Map(), nodeTests: { use: 0, imported: 0, match: 0, runs: 0, refused: 0 } }));
  return r;
};

function note(r: OpRow, op: string, model: string, refusal: Refusal | null): void {
  if (!refusal) return;
  if (refusal.op === op) r.refusal ??= `${model}: ${refusal.message}`;
  else r.elsewhere ??= `${model} (at ${refusal.op}): ${refusal.message}`;
}

// ---- the zoo
const zoo = readZoo();
const status = new Map<string, Refusal | null>();
for (const m of zoo.models) {
  const bytes = zooBytes(m);
  const refusal = tryImport(bytes);
  status.set(m.name, refusal);
  for (const [op, opset] of opsOf(bytes)) {
    const r = row(op);
    r.opsets.add(opset);
    const here = refusal?.op === op;
    r.zoo.set(m.name, !refusal ? 'ok' : here ? 'refused' : 'unreached');
    note(r, op, m.name, refusal);
  }
}

/** An imported node test against its expected outputs: [reference evaluator matches, runtime (scalar build) matches]. */
async function nodeTestRuns(name: string, c: ReturnType<typeof loadNodeTest>): Promise<[boolean, boolean]> {
  const ok = (out: Record<string, ArrayLike<number>>) => Object.entries(c.outputs).every(([k, want]) => out[k] && nodeErr(out[k], want) < 1e-4);
  const { graph, weights } = importOnnx(c.model);
  let ref = false, rt = false;
  try {
    ref = ok(runImported({ graph, weights }, c.inputs));
  } catch { /* counted as not matching */ }
  try {
    const out = (await fromGraph(graph, weights, { build: 'scalar' })).run(c.typed.inputs);
    rt = ok(Object.fromEntries(Object.entries(out).map(([k, v]) => [k, v.data])));
  } catch (e) {
    if (!(e instanceof BranchyError)) runtimeCrashes.push(`${name}: ${(e as Error).constructor.name}: ${(e as Error).message}`);
  }
  return [ref, rt];
}
const runtimeCrashes: string[] = [];

// ---- the ONNX backend node tests (inputs after the first as initializers, as the project's tests load them)
let nodeTestCount = 0;
if (haveNodeTests) {
  for (const name of readdirSync(NODE_TESTS).sort()) {
    let bytes: Uint8Array;
    let c: ReturnType<typeof loadNodeTest> | undefined;
    try {
      c = loadNodeTest(name);
      bytes = c.model;
    } catch {
      bytes = new Uint8Array(readFileSync(join(NODE_TESTS, name, 'model.onnx'))); // test data we cannot decode: the model alone
    }
    nodeTestCount++;
    const refusal = tryImport(bytes);
    const [match, runs] = !refusal && c ? await nodeTestRuns(name, c) : [false, false];
    for (const [op, opset] of opsOf(bytes)) {
      const r = row(op);
      r.opsets.add(opset);
      r.nodeTests.use++;
      if (!refusal) r.nodeTests.imported++;
      if (match) r.nodeTests.match++;
      if (runs) r.nodeTests.runs++;
      if (refusal?.op === op) r.nodeTests.refused++;
      note(r, op, name, refusal);
    }
  }
}

// ---- per zoo model: f32 against ONNX Runtime, int8 against f32 (and ONNX Runtime on the QDQ export)
interface Measured {
  f32: number;
  int8: number;
  /** ONNX Runtime on the QDQ export, as ONNX defines it (no graph optimisation): largest difference from branchy int8. */
  qdqExact: number;
  /** ONNX Runtime on the QDQ export with its fused int8 kernels: relative L2 error against f32. */
  qdqFused: number;
  float: string[];
}
const measured = new Map<string, Measured>();
if (!opt['no-run']) {
  for (const m of zoo.models) {
    if (status.get(m.name)) continue;
    console.error(`measuring ${m.name}`);
    measured.set(m.name, await measure(m));
  }
}

async function measure(m: ZooModel): Promise<Measured> {
  const bytes = zooBytes(m);
  const { graph, weights } = importOnnx(bytes);
  const xs = zooInputs(m, TEST_SEED, 4);
  const want = await ortRun(bytes, m, xs);
  const two = samples(want, 0, 2, 4);
  let f32 = 0;
  for (const build of supportedBuilds()) f32 = Math.max(f32, worst(await branchyRun(graph, weights, build, xs.slice(0, 2)), two, maxRelErr));
  const q = await quantizeZoo(m, graph, weights);
  const got = await branchyRun(q.graph, q.weights, 'scalar', xs);
  const qdq = exportOnnx(q.graph, q.weights);
  return {
    f32, int8: worst(got, want, relL2), float: floatLeft(q),
    qdqExact: worst(await ortRun(qdq, m, xs, true), got, maxRelErr), qdqFused: worst(await ortRun(qdq, m, xs), want, relL2),
  };
}

// ---- the tables
const esc = (s: string): string => s.replace(/\|/g, '\\|').replace(/\n/g, ' ');
const cut = (s: string, n = 160): string => {
  const t = s.replace(/; branchy imports [^;]*/, ''); // the list of every op it imports
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
};
const sci = (v: number): string => v.toExponential(1);

const models: string[] = [
  '| model | input | ONNX MiB | params | converts | f32: max rel. err. (worst build) | int8: rel. L2 | int8: layers left in float | QDQ export in ORT, exact: max rel. diff. from branchy int8 | QDQ in ORT, fused kernels: rel. L2 | first refusal |',
  '|---|---|---:|---:|---|---:|---:|---|---:|---:|---|',
];
for (const m of zoo.models) {
  const r = status.get(m.name);
  const x = measured.get(m.name);
  const left = x ? (x.float.length ? `${x.float.length} (first: ${esc(cut(x.float[0], 90))})` : 'none') : '—';
  models.push(`| ${m.name} | ${m.input.shape.join('×')} | ${(m.bytes / 2 ** 20).toFixed(2)} | ${(m.params / 1e6).toFixed(2)} M | ${r ? '✗' : '✓'} | ` +
    `${x ? sci(x.f32) : '—'} | ${x ? x.int8.toFixed(3) : '—'} | ${left} | ${x ? (x.qdqExact ? sci(x.qdqExact) : '0') : '—'} | ${x ? x.qdqFused.toFixed(3) : '—'} | ${r ? esc(cut(r.message)) : ''} |`);
}

const mark = { ok: '✓', refused: '✗', unreached: '·' } as const;
const opLines: string[] = [
  '| ONNX op | opsets seen | zoo models (✓ imports, ✗ refused at this op, · refused at another) | node tests: use / import / match (reference) / match (runtime) / refused here | first refusal naming it (else: of a model using it) |',
  '|---|---|---|---:|---|',
];
for (const [op, r] of [...ops].sort(([a], [b]) => a.localeCompare(b))) {
  const zooCell = [...r.zoo].map(([n, s]) => `${n} ${mark[s]}`).join(', ');
  const t = r.nodeTests;
  opLines.push(`| ${op} | ${[...r.opsets].sort((a, b) => a - b).join(', ')} | ${zooCell} | ${t.use ? `${t.use} / ${t.imported} / ${t.match} / ${t.runs} / ${t.refused}` : ''} | ${esc(cut(r.refusal ?? (r.elsewhere ? `else ${r.elsewhere}` : '')))} |`);
}

const stamp = `Written by \`node --experimental-wasm-relaxed-simd --import tsx test/zoo/inventory.ts\` on ${new Date().toISOString().slice(0, 10)} ` +
  `(zoo: torch ${zoo.torch}, opset ${zoo.opset}; ${nodeTestCount} node tests from ${NODE_TESTS}).`;
const DOC = join(ROOT, 'docs', 'zoo.md');
let doc = readFileSync(DOC, 'utf8');
const put = (tag: string, body: string) => {
  const re = new RegExp(`(<!-- inventory:${tag} -->\\n)[\\s\\S]*?(<!-- /inventory:${tag} -->)`);
  if (!re.test(doc)) throw new Error(`docs/zoo.md has no <!-- inventory:${tag} --> … <!-- /inventory:${tag} --> section`);
  doc = doc.replace(re, (_, a: string, b: string) => `${a}${body}\n${b}`);
};
if (!opt['no-run']) put('models', `${stamp}\n\n${models.join('\n')}\n`);
const crashes = runtimeCrashes.length
  ? `\nImported node tests on which the runtime throws an untyped error:\n\n${runtimeCrashes.map((c) => `- ${esc(cut(c))}`).join('\n')}\n` : '';
put('ops', `${stamp}\n\n${opLines.join('\n')}\n${crashes}`);
writeFileSync(DOC, doc);
console.log(models.join('\n'));
console.log(`\n${ops.size} ONNX ops; docs/zoo.md updated`);
