// Records test/golden/outputs.json (see compute.ts). Run only when outputs are meant to change,
// and say why in the commit:  node --experimental-wasm-relaxed-simd --import tsx test/golden/record.ts
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { computeGolden, ROOT } from './compute.js';
import { supportedBuilds } from '../../src/runtime/features.js';

const g = await computeGolden(supportedBuilds(), (s) => process.stderr.write(`${s}\n`));
writeFileSync(join(ROOT, 'test/golden/outputs.json'), JSON.stringify(g, null, 1) + '\n');
console.log(`${Object.keys(g).length} digests`);
