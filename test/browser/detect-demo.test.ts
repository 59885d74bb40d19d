// The web demo's detection mode in Chromium: the page reads the shipped test frames
// (examples/web/frames/*.png) to exactly the pixels Node's PNG decoder gives, and finds
// exactly Node's boxes on them, in the page and in a Web Worker, at several score thresholds;
// a dropped image goes through the same path. Screenshot: bench/out/web-demo-detect.png.
//
// The model: models/yolo-subtitles-bwn.branchy, or the file BRANCHY_DETECT_MODEL names.
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { PNG } from 'pngjs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { load, type Model } from '../../src/runtime/model.js';
// @ts-expect-error plain JS modules: the Chromium launcher (shared with the bench) and the demo's
import { hasChromium, launch, CHROMIUM } from '../../bench/chromium.mjs';
// @ts-expect-error
import { startServer } from '../../examples/web/serve.mjs';

const root = fileURLToPath(new URL('../../', import.meta.url));
const modelFile = path.resolve(root, process.env.BRANCHY_DETECT_MODEL ?? 'models/yolo-subtitles-bwn.branchy');
const framesDir = path.join(root, 'examples/web/frames/images');
const why = !hasChromium ? `${CHROMIUM} is absent; apt-get install chromium`
  : !existsSync(modelFile) ? `${path.relative(root, modelFile)} is absent (set BRANCHY_DETECT_MODEL to a detector)` : null;

interface Box { x: number; y: number; w: number; h: number; score: number; label: number }

/** A PNG's pixels as CHW uint8, decoded in Node. */
function chw(file: string): Uint8Array {
  const png = PNG.sync.read(readFileSync(file));
  const plane = png.width * png.height, out = new Uint8Array(3 * plane);
  for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) out[c * plane + p] = png.data[4 * p + c];
  return out;
}

describe.skipIf(why !== null)(why ? `the web demo's detection mode in Chromium (skipped: ${why})` : `the web demo's detection mode in Chromium (${path.relative(root, modelFile)})`, () => {
  let browser: { close(): Promise<void>; context: import('playwright-core').BrowserContext }, page: Page, server: Server, model: Model;
  const problems: string[] = [];
  const frames = readdirSync(framesDir).filter((f) => f.endsWith('.png')).sort();

  beforeAll(async () => {
    for (const f of ['dist/index.js', 'dist/worker/entry.js']) {
      if (!existsSync(`${root}${f}`)) throw new Error(`${f} is missing: run npm run build (the page imports the compiled package)`);
    }
    model = await load(new Uint8Array(readFileSync(modelFile)));
    const mounts: Record<string, string> = {};
    const query = new URLSearchParams({ mode: 'detect' });
    if (process.env.BRANCHY_DETECT_MODEL) {
      mounts['/detect-model/'] = path.dirname(modelFile);
      query.set('detectModel', `/detect-model/${path.basename(modelFile)}`);
    }
    const s = await startServer({ host: '127.0.0.1', port: 0, mounts });
    server = s.server;
    browser = await launch();
    page = await browser.context.newPage();
    page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`));
    page.on('console', (m) => m.type() === 'error' && !/cifar10/.test(m.location().url) && problems.push(`console: ${m.text()} (${m.location().url})`));
    await page.goto(`${s.url}examples/web/?${query}`);
    const ready = await page.evaluate(() => (window as unknown as { branchyDemo: { detect: { ready: Promise<unknown> } } }).branchyDemo.detect.ready);
    expect(ready).toMatchObject({ available: true });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    server?.close();
  });

  const detect = <T>(fn: string, ...args: unknown[]): Promise<T> =>
    page.evaluate(([f, a]) => (window as unknown as { branchyDemo: { detect: Record<string, (...x: unknown[]) => T> } }).branchyDemo.detect[f as string](...(a as unknown[])), [fn, args] as const);

  it('the page reads the shipped frames to the pixels Node decodes', async () => {
    expect(await detect<number>('frameCount')).toBe(frames.length);
    for (const [i, f] of frames.entries()) {
      const got = Buffer.from(await detect<string>('framePixels', i), 'base64');
      expect(got.equals(Buffer.from(chw(path.join(framesDir, f)))), f).toBe(true);
    }
  });

  it('boxes in the page and in the worker equal Node\'s, at several score thresholds', async () => {
    let total = 0;
    for (const [i, f] of frames.entries()) {
      const x = chw(path.join(framesDir, f));
      for (const scoreThreshold of [0.1, 0.25, 0.5]) {
        const want = model.detect(x, { scoreThreshold }).map((b) => ({ ...b }));
        total += want.length;
        expect(await detect<Box[]>('detectFrame', i, { scoreThreshold }), `${f} at ${scoreThreshold}`).toEqual(want);
        expect(await detect<Box[]>('workerDetect', i, { scoreThreshold }), `${f} at ${scoreThreshold} (worker)`).toEqual(want);
      }
    }
    expect(total).toBeGreaterThan(0);
  });

  it('a frame picked or dropped is drawn with its boxes; the page reports the time per frame', async () => {
    const want = model.detect(chw(path.join(framesDir, frames[1]))).map((b) => ({ ...b }));
    expect(await detect<Box[]>('pickFrame', 1)).toEqual(want);
    expect(await page.textContent('#d-count')).toBe(String(want.length));
    expect(await page.textContent('#d-time')).toMatch(/^\d+\.\d\d ms per frame/);
    // the same frame as a dropped file (the model's size: no resampling), and a larger image
    const bytes = Array.from(readFileSync(path.join(framesDir, frames[1])));
    expect(await detect<Box[]>('showFile', bytes, 'dropped.png', 'image/png')).toEqual(want);
    expect(await page.textContent('#d-what')).toMatch(/dropped\.png/);
    const big = new PNG({ width: 512, height: 512 });
    big.data.fill(200);
    const boxes = await detect<Box[]>('showFile', Array.from(PNG.sync.write(big)), 'square.png', 'image/png');
    expect(Array.isArray(boxes)).toBe(true);
    await detect('pickFrame', 0);
    mkdirSync(path.join(root, 'bench/out'), { recursive: true });
    await page.screenshot({ path: path.join(root, 'bench/out/web-demo-detect.png'), fullPage: true });
    expect(problems).toEqual([]);
  });
});
