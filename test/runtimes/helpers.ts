// The real runtimes, from the npm packages in devDependencies (npm ci installs them), and what
// Node answers on the same digits. A missing runtime fails its test: nothing is skipped.
import { spawn } from 'node:child_process';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { load } from '../../src/runtime/model.js';
// @ts-expect-error plain JavaScript shared with the examples
import { classifyDigits, readDigits } from '../../examples/digits.js';

export const root = fileURLToPath(new URL('../../', import.meta.url));
export const at = (p: string): string => path.join(root, p);
const require = createRequire(import.meta.url);

export const MODEL = 'models/branchy-lenet-mnist.int8.branchy';
export const DIGITS = 'examples/web/digits.bin';

/** What a runtime answered (examples/digits.js). */
export interface Answer {
  runtime?: string;
  build: string;
  count: number;
  accuracy: number;
  labels: number[];
  exits: number[];
  probs: string;
  outputs: Record<string, string>;
}

/** Node's answer with the same build: the same model, digits and code as the examples. */
export async function nodeAnswer(build: string): Promise<Answer> {
  const model = await load(readFileSync(at(MODEL)), { build: build as 'scalar' | 'simd' | 'relaxed' });
  return classifyDigits(model, readDigits(readFileSync(at(DIGITS))));
}

/** The dist/ files the examples import; built by npm ci (prepare). */
export function needBuilt(...files: string[]): void {
  for (const f of files) if (!existsSync(at(f))) throw new Error(`${f} is missing: run npm run build (npm ci builds it)`);
}

/** workerd's binary, as its package resolves it (the platform package @cloudflare/workerd-*). */
export function workerdBin(): string {
  return (require('workerd') as { default: string }).default;
}

/** deno's binary, as the deno package's own launcher finds it (its postinstall links it; without install scripts it is found in @deno/<target>). */
export function denoBin(): string {
  return (require('deno/install_api.cjs') as { runInstall(): string }).runInstall();
}

/**
 * bun's binary. Its postinstall moves the platform package's binary over the placeholder
 * bun/bin/bun.exe; without install scripts (npm ci --ignore-scripts, or a policy that blocks
 * them) the binary is still in @oven/bun-<os>-<arch>.
 */
export function bunBin(): string {
  const moved = path.join(path.dirname(require.resolve('bun/package.json')), 'bin', 'bun.exe');
  if (statSync(moved).size > 1 << 20) return moved;
  const arch = process.arch === 'arm64' ? 'aarch64' : process.arch;
  return path.join(path.dirname(require.resolve(`@oven/bun-${process.platform}-${arch}/package.json`)), 'bin', 'bun');
}

/** A TCP port nobody listens on now (the kernel's pick). */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.on('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Run a command to its end (killed after `timeoutMs`), from the repository root or `cwd`. */
export function run(cmd: string, args: string[], env: Record<string, string> = {}, timeoutMs = 60_000, cwd = root): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(cmd, args, { cwd, env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '', stderr = '';
    child.stdout.on('data', (d) => (stdout += d));
    child.stderr.on('data', (d) => (stderr += d));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** The answer a runtime printed as its last line of JSON, or an error that shows what it printed instead. */
export function answerOf(r: Run, what: string): Answer {
  const line = r.stdout.trim().split('\n').pop() ?? '';
  try {
    return JSON.parse(line) as Answer;
  } catch {
    throw new Error(`${what} exited with ${r.code} and printed no answer\nstdout: ${r.stdout.slice(-2000)}\nstderr: ${r.stderr.slice(-2000)}`);
  }
}

/** The parts of an answer that must be bit-identical across runtimes running the same build. */
export const comparable = (a: Answer) => ({ count: a.count, accuracy: a.accuracy, labels: a.labels, exits: a.exits, probs: a.probs, outputs: a.outputs });
