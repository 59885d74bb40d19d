// Chromium against Node on the same models and digits: simd and relaxed (and scalar) builds,
// median per-digit latency (examples/web/bench.js). Needs dist/ built and /usr/bin/chromium.
//   npm run bench:browser [-- --reps 3 --rounds 15 --batch 100]
import { existsSync, readFileSync } from 'node:fs';
import os from 'node:os';
import { load } from '../dist/index.js';
import { benchModel, summary } from '../examples/web/bench.js';
import { parseDigits } from '../examples/web/digits.js';
import { startServer } from '../examples/web/serve.mjs';
import { launch } from './chromium.mjs';

const arg = (k, d) => (process.argv.includes(`--${k}`) ? Number(process.argv[process.argv.indexOf(`--${k}`) + 1]) : d);
const rounds = arg('rounds', 15), batch = arg('batch', 100), reps = arg('reps', 3);
const MODELS = ['models/branchy-lenet-mnist.int8.branchy', 'models/mnist-lenet.int8.branchy'];
const BUILDS = ['scalar', 'simd', 'relaxed'];
const root = new URL('../', import.meta.url);
const digits = parseDigits(readFileSync(new URL('examples/web/digits.bin', root)));

const { server, url } = await startServer();
const browser = await launch();
const page = await browser.context.newPage();
await page.goto(`${url}examples/web/bench.html`);
const chromeBuilds = await page.evaluate(async () => (await import('/dist/index.js')).supportedBuilds());

// Every configuration runs `reps` times, alternating Node and Chromium, so that a change in
// background load hits both engines alike; the rounds of all repetitions are pooled.
const rows = new Map();
for (let rep = 0; rep < reps; rep++) {
  for (const m of MODELS) {
    if (!existsSync(new URL(m, root))) continue;
    const bytes = new Uint8Array(readFileSync(new URL(m, root)));
    for (const build of BUILDS) {
      const node = await benchModel({ load, bytes, build, images: digits.images, rounds, batch });
      const chrome = chromeBuilds.includes(build)
        ? await page.evaluate(
            async ([path, build, rounds, batch]) => {
              const { load } = await import('/dist/index.js');
              const { benchModel } = await import('/examples/web/bench.js');
              const { parseDigits } = await import('/examples/web/digits.js');
              const bytes = new Uint8Array(await (await fetch(`/${path}`)).arrayBuffer());
              const digits = parseDigits(await (await fetch('/examples/web/digits.bin')).arrayBuffer());
              return benchModel({ load, bytes, build, images: digits.images, rounds, batch });
            },
            [m, build, rounds, batch],
          )
        : null;
      for (const policy of Object.keys(node).filter((k) => k !== 'build')) {
        const key = `${m}|${build}|${policy}`;
        const row = rows.get(key) ?? { model: m.split('/').pop(), build, policy, macs: node[policy].meanMacs, node: [], chrome: [] };
        row.node.push(...node[policy].perRun);
        if (chrome) row.chrome.push(...chrome[policy].perRun);
        rows.set(key, row);
      }
    }
  }
}
await browser.close();
server.close();

const ms = (r) => (r ? `${(1000 * r.medianMs).toFixed(0)} µs (${(1000 * r.p10Ms).toFixed(0)}–${(1000 * r.p90Ms).toFixed(0)})` : 'n/a');
console.log(`Chromium: ${browser.version} · Node ${process.version} · ${os.cpus()[0]?.model} · ${os.cpus().length} cores · ${reps} × ${rounds} rounds × ${batch} digits`);
console.log('| model | build | policy | mean MACs | Node median (p10–p90) | Chromium median (p10–p90) | Chromium / Node |');
console.log('|---|---|---|---|---|---|---|');
for (const r of rows.values()) {
  const n = summary(r.node), c = r.chrome.length ? summary(r.chrome) : null;
  const ratio = c ? (c.medianMs / n.medianMs).toFixed(2) : '–';
  console.log(`| ${r.model} | ${r.build} | ${r.policy} | ${(r.macs / 1e6).toFixed(2)} M | ${ms(n)} | ${ms(c)} | ${ratio} |`);
}
