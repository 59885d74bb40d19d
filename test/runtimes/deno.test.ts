// Deno (npm `deno`: the real binary from @deno/<target>) runs examples/deno/main.js with only
// the permissions the README states: read the model and the digits, nothing else (the kernels
// are source-phase module imports). Its answers equal Node's bit for bit.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { answerOf, at, comparable, denoBin, DIGITS, MODEL, needBuilt, nodeAnswer, run } from './helpers.js';

/** The command line README.md gives for examples/deno (section "Every runtime"), less `deno run`: its only permission is reading the two files. */
const ARGS = /^\s+deno run (.*examples\/deno\/main\.js)$/m.exec(readFileSync(at('README.md'), 'utf8'))![1].split(' ');
// Deno's cache in a fresh directory; no update check (CI has no internet but the npm registry).
const cache = mkdtempSync(path.join(tmpdir(), 'branchy-deno-'));
afterAll(() => rmSync(cache, { recursive: true, force: true }));
const env = () => ({ DENO_DIR: cache, DENO_NO_UPDATE_CHECK: '1', NO_COLOR: '1' });

describe('deno', () => {
  it('examples/deno with --allow-read of two files only: the digits, bit-identical to Node', async () => {
    needBuilt('dist/bundle/deno.js');
    expect(ARGS).toEqual([`--allow-read=${MODEL},${DIGITS}`, 'examples/deno/main.js']);
    const r = await run(denoBin(), ['run', '--no-prompt', ...ARGS], env());
    const got = answerOf(r, 'deno');
    expect(got.runtime).toMatch(/^deno 2\./);
    expect(['simd', 'relaxed']).toContain(got.build);
    expect(got.accuracy).toBeGreaterThan(0.98);
    expect(comparable(got)).toEqual(comparable(await nodeAnswer(got.build)));
  });

  it('and those permissions are needed: without reading the digits file it stops at a permission error', async () => {
    const r = await run(denoBin(), ['run', '--no-prompt', `--allow-read=${MODEL}`, 'examples/deno/main.js'], env());
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/NotCapable|Requires read access/);
    expect(r.stderr).toContain('digits.bin');
  });
});
