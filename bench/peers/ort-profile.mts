// Where ONNX Runtime Web's time goes: per-node median kernel time of one model on the wasm
// backend (1 thread, graph optimization 'all'), from ORT's own profiler, beside the median of
// a whole run. Explains the gaps in the peer table (which ops ORT fused, which are slow).
//   node --import tsx bench/peers/ort-profile.mts MODEL.onnx [RUNS]
// ORT's wasm module writes the profile straight to file descriptor 1, so the session runs in
// a child process (this file again) and the parent reads its output.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

interface Event { cat: string; name: string; dur: number; args?: { op_name?: string } }

const [file, runsArg] = process.argv.slice(2);
if (!file) throw new Error('usage: bench/peers/ort-profile.mts MODEL.onnx [RUNS]');
const runs = Number(runsArg ?? 300);

if (process.env.ORT_PROFILE_CHILD) {
  const ort = await import('onnxruntime-web');
  ort.env.wasm.numThreads = 1;
  const s = await ort.InferenceSession.create(new Uint8Array(readFileSync(file)), { executionProviders: ['wasm'], enableProfiling: true });
  const meta = s.inputMetadata[0] as { shape?: (number | string)[] };
  const dims = (meta.shape ?? []).map((d) => (typeof d === 'number' && d > 0 ? d : 1));
  const x = new ort.Tensor('float32', new Float32Array(dims.reduce((a, b) => a * b, 1)).map((_, i) => Math.sin(i)), dims);
  for (let i = 0; i < runs; i++) await s.run({ [s.inputNames[0]]: x });
  s.endProfiling();
} else {
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), file, String(runs)], {
    env: { ...process.env, ORT_PROFILE_CHILD: '1' }, encoding: 'utf8', maxBuffer: 1 << 30,
  });
  if (child.status !== 0) throw new Error(`profiling child failed:\n${child.stderr}`);
  const events: Event[] = [];
  for (const l of child.stdout.split('\n')) {
    const t = l.trim().replace(/,$/, '');
    if (t.startsWith('{"cat"')) events.push(JSON.parse(t) as Event);
  }
  const med = (v: number[]): number => [...v].sort((a, b) => a - b)[v.length >> 1];
  const byNode = new Map<string, { op: string; durs: number[] }>();
  for (const e of events) {
    if (e.cat !== 'Node' || !e.name.endsWith('_kernel_time')) continue;
    const k = e.name.slice(0, -'_kernel_time'.length);
    const v = byNode.get(k) ?? { op: e.args?.op_name ?? '?', durs: [] };
    v.durs.push(e.dur);
    byNode.set(k, v);
  }
  const total = med(events.filter((e) => e.name === 'model_run').map((e) => e.dur));
  const sum = [...byNode.values()].reduce((a, v) => a + med(v.durs), 0);
  console.log(`${file}: model_run median ${total} µs over ${runs} runs; kernels ${sum} µs (sum of per-node medians)\n`);
  console.log('| op (after ORT fusion) | node | median µs |');
  console.log('|---|---|---:|');
  for (const [k, v] of byNode) console.log(`| ${v.op} | ${k.slice(0, 48)} | ${med(v.durs)} |`);
}
