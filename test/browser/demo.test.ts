// The demo page (examples/web) in a real browser: Debian's Chromium loads the package's
// browser build from dist/, classifies shipped MNIST test digits in the page and in a Web
// Worker, and gives exactly Node's answers; drawing with the mouse and the threshold slider
// work; without CIFAR-10 data the page stays in MNIST mode and says why. Saves a screenshot to
// bench/out/web-demo.png. (CIFAR-10 mode: cifar-demo.test.ts.)
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import type { Server } from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { load, type Model } from '../../src/runtime/model.js';
import { loadMnist } from '../../src/cli/datasets.js';
// @ts-expect-error plain JS modules: the Chromium launcher (shared with the bench) and the demo's
import { hasChromium, launch, CHROMIUM } from '../../bench/chromium.mjs';
// @ts-expect-error
import { startServer, CIFAR_URL_PATH } from '../../examples/web/serve.mjs';
// @ts-expect-error
import { parseDigits } from '../../examples/web/digits.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const title = hasChromium ? 'the web demo in Chromium' : `the web demo in Chromium (skipped: ${CHROMIUM} is absent; apt-get install chromium)`;

interface Answer { label: number; exit: number; probs: number[]; confidence: number; entropy: number; macs: number; timeMs?: number }
const comparable = ({ label, exit, probs, confidence, entropy, macs }: Answer) => ({ label, exit, probs: Array.from(probs), confidence, entropy, macs });

describe.skipIf(!hasChromium)(title, () => {
  let browser: { context: import('playwright-core').BrowserContext; close(): Promise<void> }, page: Page, server: Server, model: Model;
  const problems: string[] = [];
  // No CIFAR-10 data here (an empty directory where --data would go): the page's look for it fails with a 404.
  const noData = mkdtempSync(path.join(tmpdir(), 'branchy-no-cifar-'));
  const cifarProbe = /\/data\/cifar10\/test\.bin$|\/models\/mobilenet-exits-cifar10\.int8\.branchy$|\/models\/yolo-subtitles-bwn\.branchy$/;
  const digits = parseDigits(readFileSync(new URL('../../examples/web/digits.bin', import.meta.url)));

  beforeAll(async () => {
    for (const f of ['dist/index.js', 'dist/worker/entry.js']) {
      if (!existsSync(`${root}${f}`)) throw new Error(`${f} is missing: run npm run build (the page imports the compiled package)`);
    }
    const s = await startServer({ host: '127.0.0.1', port: 0, mounts: { [CIFAR_URL_PATH]: noData } });
    server = s.server;
    browser = await launch();
    page = await browser.context.newPage();
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && !cifarProbe.test(m.location().url) && problems.push(`console: ${m.text()}`));
    await page.goto(s.url);
    await page.evaluate(async () => {
      const d = (window as unknown as { branchyDemo: { ready: Promise<unknown>; sweepDone: Promise<unknown> } }).branchyDemo;
      await d.ready;
      await d.sweepDone;
    });
    const url = await page.evaluate(() => (window as unknown as { branchyDemo: { modelUrl: string } }).branchyDemo.modelUrl);
    model = await load(new Uint8Array(readFileSync(`${root}${url.replace(/^\//, '')}`)));
  }, 60_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
    rmSync(noData, { recursive: true, force: true });
  });

  const demo = <T>(fn: string, ...args: unknown[]): Promise<T> =>
    page.evaluate(([f, a]) => (window as unknown as Record<string, Record<string, (...x: unknown[]) => T>>).branchyDemo[f as string](...(a as unknown[])), [fn, args] as const);

  it('ships the first 300 MNIST test digits and loads the multi-exit int8 model with SIMD', async () => {
    const mnist = await loadMnist('test');
    expect(digits.count).toBe(300);
    expect(Buffer.from(digits.images).equals(Buffer.from(mnist.images.subarray(0, 300 * 784)))).toBe(true);
    expect(Buffer.from(digits.labels).equals(Buffer.from(mnist.labels.subarray(0, 300)))).toBe(true);
    const info = await page.evaluate(() => (window as unknown as { branchyDemo: { info: { build: string; exits?: unknown[] } } }).branchyDemo.info);
    expect(['simd', 'relaxed']).toContain(info.build);
    expect(info.exits?.length ?? 1).toBe(model.info.exits?.length ?? 1);
  });

  it('in-page and Web Worker answers on 300 digits equal Node\'s, bit for bit, at several thresholds', async () => {
    const all = Array.from({ length: digits.count }, (_, i) => i);
    for (const tau of [0.001, 0.05, 0.7]) {
      const want = model.info.exits ? model.classify(digits.images, { policy: { kind: 'entropy', thresholds: [tau] } }).map((r) => comparable({ ...r, probs: Array.from(r.probs) })) : null;
      const inPage = (await demo<Answer[]>('classifyDigits', all, tau)).map(comparable);
      if (!want) {
        // Single-exit model: labels from the logits.
        const logits = Object.values(model.run(digits.images))[0].data;
        inPage.forEach((r, i) => expect(r.label).toBe(Array.from(logits.subarray(i * 10, i * 10 + 10)).indexOf(Math.max(...logits.subarray(i * 10, i * 10 + 10)))));
        continue;
      }
      expect(inPage).toEqual(want);
      expect((await demo<Answer[]>('workerClassify', tau)).map(comparable)).toEqual(want);
      const accuracy = want.filter((r, i) => r.label === digits.labels[i]).length / digits.count;
      expect(accuracy).toBeGreaterThan(0.97);
    }
  });

  it('without CIFAR-10 data, the CIFAR mode stays off and the page says why', async () => {
    const r = await page.evaluate(() => (window as unknown as { branchyDemo: { cifar: { ready: Promise<{ available: boolean; why?: string }> } } }).branchyDemo.cifar.ready);
    expect(r.available).toBe(false);
    expect(r.why).toMatch(/no CIFAR-10 data at \/data\/cifar10\/test\.bin/);
    expect(await page.locator('#modes button[data-mode="cifar"]').isHidden()).toBe(true);
    expect(await page.locator('#mode-cifar').isHidden()).toBe(true);
    expect(await page.textContent('#cifar-note')).toContain(r.why);
  });

  it('digits pasted onto the drawing pad go through the MNIST preprocessing and are read correctly', async () => {
    let right = 0;
    for (let i = 0; i < 30; i++) if ((await demo<Answer>('paste', i)).label === digits.labels[i]) right++;
    expect(right).toBeGreaterThanOrEqual(28);
  });

  it('drawing with the mouse: a vertical stroke reads 1, a ring reads 0; the slider moves the exit', async () => {
    const box = (await page.locator('#pad').boundingBox())!;
    const stroke = async (pts: [number, number][]) => {
      await demo('clearPad');
      await page.mouse.move(box.x + pts[0][0] * box.width, box.y + pts[0][1] * box.height);
      await page.mouse.down();
      for (const [x, y] of pts.slice(1)) await page.mouse.move(box.x + x * box.width, box.y + y * box.height, { steps: 2 });
      await page.mouse.up();
      return (await page.textContent('#label'))!.trim();
    };
    expect(await stroke([[0.5, 0.15], [0.5, 0.5], [0.5, 0.85]])).toBe('1');
    const ring = Array.from({ length: 25 }, (_, k): [number, number] => [0.5 + 0.22 * Math.sin((2 * Math.PI * k) / 24), 0.5 - 0.32 * Math.cos((2 * Math.PI * k) / 24)]);
    expect(await stroke(ring)).toBe('0');
    if (model.info.exits) {
      await page.locator('#tau').fill('0');
      expect(await page.textContent('#exit')).toMatch(/^1 final/);
      await page.locator('#tau').fill('1000');
      expect(await page.textContent('#exit')).toMatch(/^0 early/);
    }
    await demo('paste', 0);
    mkdirSync(`${root}bench/out`, { recursive: true });
    await page.screenshot({ path: `${root}bench/out/web-demo.png`, fullPage: true });
    expect(problems).toEqual([]);
  });
});
