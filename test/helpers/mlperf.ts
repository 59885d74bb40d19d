// The MLPerf Tiny reference models in ../shared/models/mlperf-tiny (README there), and the
// table of that README: each file's operators and input shape, as the tests check them.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Rng } from './rng.js';

export const MLPERF_DIR = fileURLToPath(new URL('../../../shared/models/mlperf-tiny/', import.meta.url));
export const MLPERF_MODELS = ['ic_resnet8', 'vww_mobilenet', 'kws_dscnn', 'ad_autoencoder'] as const;
export const MLPERF_FILES = MLPERF_MODELS.flatMap((m) => [`${m}_int8.tflite`, `${m}_f32.tflite`]);

export const mlperfBytes = (file: string): Uint8Array => new Uint8Array(readFileSync(MLPERF_DIR + file));

export interface ReadmeRow {
  ops: string[];
  input: number[];
}

/** The README's table by file name: its "ops (TFLite builtins)" and "input" columns. */
export function mlperfReadme(): Map<string, ReadmeRow> {
  const rows = new Map<string, ReadmeRow>();
  for (const line of readFileSync(MLPERF_DIR + 'README.md', 'utf8').split('\n')) {
    const cells = line.split('|').map((c) => c.trim());
    const files = [...(cells[1] ?? '').matchAll(/`([^`]+\.tflite)`/g)].map((m) => m[1]);
    if (!files.length) continue;
    const row = { ops: cells[5].split(',').map((s) => s.trim()), input: cells[4].split(/[\s,]/)[0].split('×').map(Number) };
    for (const f of files) rows.set(f, row);
  }
  return rows;
}

/**
 * The seeded int8 inputs that test/convert/tflite-import.test.ts feeds DS-CNN (Rng(1800 +
 * name length), `n` values each), only those at the given indices of the sequence.
 */
export function dscnnSeededInputs(n: number, indices: readonly number[]): Int8Array[] {
  const rng = new Rng(1800 + 'kws_dscnn'.length);
  const out: Int8Array[] = [];
  for (let i = 0; i <= Math.max(...indices); i++) {
    const q = rng.i8(n);
    if (indices.includes(i)) out.push(q);
  }
  return out;
}
