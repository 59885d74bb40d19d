// The web demo's CIFAR-10 mode in Chromium: serve.mjs serves CIFAR-10's test.bin read-only
// (as `--data` does); the page fetches the first 100 records by Range, classifies them in the
// page and in a Web Worker with exactly Node's answers at several thresholds, and the sliders
// move a clicked image's answer between exits. Screenshot: bench/out/web-demo-cifar.png.
//
// The model: models/mobilenet-exits-cifar10.int8.branchy, or the file BRANCHY_CIFAR_MODEL names
// (e.g. the development model of examples/web/dev-cifar-model.sh). The data: the directory
// BRANCHY_CIFAR_DATA names, else ../shared/data (test.bin in it or in its cifar10/).
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { load, type Model } from '../../src/runtime/model.js';
// @ts-expect-error plain JS modules: the Chromium launcher (shared with the bench) and the demo's
import { hasChromium, launch, CHROMIUM } from '../../bench/chromium.mjs';
// @ts-expect-error
import { startServer, cifarDir, CIFAR_URL_PATH } from '../../examples/web/serve.mjs';
// @ts-expect-error
import { parseCifar, CLASSES, RECORD } from '../../examples/web/cifar.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const modelFile = path.resolve(root, process.env.BRANCHY_CIFAR_MODEL ?? 'models/mobilenet-exits-cifar10.int8.branchy');
const dataDir = path.resolve(root, process.env.BRANCHY_CIFAR_DATA ?? '../shared/data');
const dataFile = [path.join(dataDir, 'cifar10', 'test.bin'), path.join(dataDir, 'test.bin')].find(existsSync);
const COUNT = 100;

const why = !hasChromium ? `${CHROMIUM} is absent; apt-get install chromium`
  : !existsSync(modelFile) ? `${path.relative(root, modelFile)} is absent (set BRANCHY_CIFAR_MODEL to a CIFAR model, e.g. from examples/web/dev-cifar-model.sh)`
  : !dataFile ? `no CIFAR-10 test.bin in ${dataDir} or its cifar10/ (set BRANCHY_CIFAR_DATA)`
  : null;

interface Answer { label: number; exit: number; probs: number[]; confidence: number; entropy: number; macs: number }
const comparable = ({ label, exit, probs, confidence, entropy, macs }: Answer) => ({ label, exit, probs: Array.from(probs), confidence, entropy, macs });

describe.skipIf(why !== null)(why ? `the web demo's CIFAR-10 mode in Chromium (skipped: ${why})` : `the web demo's CIFAR-10 mode in Chromium (${path.relative(root, modelFile)})`, () => {
  let browser: { close(): Promise<void>; context: import('playwright-core').BrowserContext }, page: Page, server: Server, model: Model;
  const problems: string[] = [];
  let data: { count: number; labels: Uint8Array; images: Uint8Array };

  beforeAll(async () => {
    for (const f of ['dist/index.js', 'dist/worker/entry.js']) {
      if (!existsSync(`${root}${f}`)) throw new Error(`${f} is missing: run npm run build (the page imports the compiled package)`);
    }
    data = parseCifar(readFileSync(dataFile!).subarray(0, COUNT * RECORD));
    model = await load(new Uint8Array(readFileSync(modelFile)));
    // The default model is found by the page itself; another file is mounted and named with ?cifarModel=.
    const mounts: Record<string, string> = { [CIFAR_URL_PATH]: cifarDir(dataDir) };
    const query = new URLSearchParams({ mode: 'cifar', cifarCount: String(COUNT) });
    if (process.env.BRANCHY_CIFAR_MODEL) {
      mounts['/cifar-model/'] = path.dirname(modelFile);
      query.set('cifarModel', `/cifar-model/${path.basename(modelFile)}`);
    }
    const s = await startServer({ host: '127.0.0.1', port: 0, mounts });
    server = s.server;
    browser = await launch();
    page = await browser.context.newPage();
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && problems.push(`console: ${m.text()} (${m.location().url})`));
    await page.goto(`${s.url}examples/web/?${query}`);
    const ready = await page.evaluate(async () => {
      const c = (window as unknown as { branchyDemo: { cifar: { ready: Promise<unknown>; sweepDone(): Promise<unknown> } } }).branchyDemo.cifar;
      const r = await c.ready;
      await c.sweepDone(); // the curve first, so that its times are not taken while the tests run
      return r;
    });
    expect(ready).toMatchObject({ available: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  const cifar = <T>(fn: string, ...args: unknown[]): Promise<T> =>
    page.evaluate(([f, a]) => (window as unknown as { branchyDemo: { cifar: Record<string, (...x: unknown[]) => T> } }).branchyDemo.cifar[f as string](...(a as unknown[])), [fn, args] as const);
  const early = () => (model.info.exits?.length ?? 1) - 1;

  it('fetches exactly the first 100 test records and loads the multi-exit model with SIMD', async () => {
    const got = await page.evaluate(() => {
      const c = (window as unknown as { branchyDemo: { cifar: { count: number; labels: number[] } } }).branchyDemo.cifar;
      return { count: c.count, labels: c.labels };
    });
    expect(got.count).toBe(COUNT);
    expect(got.labels).toEqual(Array.from(data.labels));
    expect(early()).toBeGreaterThanOrEqual(1);
    const info = await page.evaluate(async () => ((await (window as unknown as { branchyDemo: { cifar: { ready: Promise<{ info: { build: string; exits: unknown[] } }> } } }).branchyDemo.cifar.ready).info));
    expect(['simd', 'relaxed']).toContain(info.build);
    expect(info.exits.length).toBe(model.info.exits!.length);
  });

  it('in-page and Web Worker answers on 100 images equal Node\'s, bit for bit, with every exit answering', async () => {
    const all = Array.from({ length: COUNT }, (_, i) => i);
    const never = 1e-4, always = Math.log(10);
    const settings = [
      new Array(early()).fill(never), // full depth
      model.info.exits!.slice(0, -1).map((e) => e.thresholds?.entropy ?? 0.5), // the file's thresholds
      new Array(early()).fill(0.8),
      Array.from({ length: early() }, (_, i) => (i === early() - 1 ? always : never)), // the last early exit
      new Array(early()).fill(always), // exit 0
    ];
    const used = new Set<number>();
    for (const taus of settings) {
      const want = model.classify(data.images, { policy: { kind: 'entropy', thresholds: taus } }).map((r) => comparable({ ...r, probs: Array.from(r.probs) }));
      expect((await cifar<Answer[]>('classifyImages', all, taus)).map(comparable)).toEqual(want);
      expect((await cifar<Answer[]>('workerClassify', taus)).map(comparable)).toEqual(want);
      want.forEach((r) => used.add(r.exit));
    }
    expect([...used].sort()).toEqual(Array.from({ length: early() + 1 }, (_, i) => i));
    // Right labels and image layout: full depth does far better than chance (10%) on the shown images.
    const full = model.classify(data.images, { policy: { kind: 'full' } });
    expect(full.filter((r, i) => r.label === data.labels[i]).length / COUNT).toBeGreaterThan(0.3);
  });

  it('the tabs switch between the two modes and keep the mode in the URL', async () => {
    await page.locator('#modes button[data-mode="mnist"]').click();
    expect(await page.locator('#mode-mnist').isVisible()).toBe(true);
    expect(await page.locator('#mode-cifar').isHidden()).toBe(true);
    expect(new URL(page.url()).searchParams.get('mode')).toBeNull();
    await page.locator('#modes button[data-mode="cifar"]').click();
    expect(await page.locator('#mode-cifar').isVisible()).toBe(true);
    expect(await page.locator('#mode-mnist').isHidden()).toBe(true);
    expect(new URL(page.url()).searchParams.get('mode')).toBe('cifar');
  });

  it('a clicked image shows its class; each early exit\'s slider moves the answer to that exit; the curve is drawn', async () => {
    await page.locator('#c-grid .thumb').nth(3).click();
    const taus = await page.evaluate(() => (window as unknown as { branchyDemo: { cifar: { taus: number[] } } }).branchyDemo.cifar.taus);
    const want = model.classify(data.images.subarray(3 * 3072, 4 * 3072), { policy: { kind: 'entropy', thresholds: taus } })[0];
    expect((await page.textContent('#c-label'))!.trim()).toBe(CLASSES[want.label]);
    expect(await page.textContent('#c-truth')).toContain(CLASSES[data.labels[3]]);
    const n = early();
    for (let i = 0; i < n; i++) await page.locator(`#c-tau${i}`).fill('0');
    expect(await page.textContent('#c-exit')).toMatch(new RegExp(`^${n} final`));
    for (let i = n - 1; i >= 0; i--) {
      await page.locator(`#c-tau${i}`).fill('1000');
      expect(await page.textContent('#c-exit')).toMatch(new RegExp(`^${i} early`));
    }
    expect(await page.locator('#c-plot circle').count()).toBe(13 + 2); // the sweep, full depth, the sliders' point
    // The red dot follows the sliders, the last position included (it was moved during a redraw).
    await page.locator(`#c-tau0`).fill('700');
    const now = await page.evaluate(() => (window as unknown as { branchyDemo: { cifar: { taus: number[] } } }).branchyDemo.cifar.taus);
    await expect.poll(() => page.textContent('#c-curve-note'), { timeout: 20_000 }).toContain(`sliders: τ ${now.map((t) => t.toPrecision(3)).join(' / ')}:`);
    mkdirSync(`${root}bench/out`, { recursive: true });
    await page.screenshot({ path: `${root}bench/out/web-demo-cifar.png`, fullPage: true });
    expect(problems).toEqual([]);
  });
});
