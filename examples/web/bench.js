// Per-digit latency of a model, measured the same way in Node and in a browser: warm up,
// then rounds of `batch` single-digit calls, each round's time / batch; median over rounds.
// Used by bench/browser.bench.mjs (Node directly, Chromium through the page).

/** `load` is the package's load(); `bytes` the .branchy file; `images` uint8 digits, 784 each. */
export async function benchModel({ load, bytes, build, images, rounds = 31, batch = 100 }) {
  const model = await load(bytes, { build });
  const n = images.length / 784;
  const digit = (i) => images.subarray((i % n) * 784, ((i % n) + 1) * 784);
  const policies = model.info.exits
    ? { full: { kind: 'full' }, early: { kind: 'entropy', thresholds: [model.info.exits[0].thresholds?.entropy ?? 0.05] } }
    : { full: null };
  const out = { build: model.info.build };
  for (const [name, policy] of Object.entries(policies)) {
    const once = policy ? (x) => model.run(x, { policy }) : (x) => model.run(x);
    for (let i = 0; i < 3 * batch; i++) once(digit(i));
    const perRun = [];
    let macs = 0;
    for (let r = 0; r < rounds; r++) {
      const t0 = performance.now();
      for (let i = 0; i < batch; i++) {
        const res = once(digit(r * batch + i));
        if (r === 0) macs += policy ? res.macs : model.info.macs;
      }
      perRun.push((performance.now() - t0) / batch);
    }
    out[name] = { ...summary(perRun), perRun, meanMacs: macs / batch };
  }
  return out;
}

/** Median, 10th and 90th percentiles of per-run times (ms). */
export function summary(perRun) {
  const a = [...perRun].sort((x, y) => x - y);
  const q = (p) => a[Math.min(a.length - 1, Math.floor(p * a.length))];
  return { medianMs: q(0.5), p10Ms: q(0.1), p90Ms: q(0.9) };
}
