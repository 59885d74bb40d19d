// Writes the mutated file of one campaign case, for a regression test or a look in a hex editor:
//   node --import tsx test/fuzz/dump-case.ts --seed S --case I --out FILE
import { writeFileSync } from 'node:fs';
import { caseRng, loadSeeds, makeCase } from './campaign.js';

const arg = (name: string) => { const i = process.argv.indexOf(`--${name}`); return i >= 0 ? process.argv[i + 1] : undefined; };
const seed = Number(arg('seed') ?? 1), index = Number(arg('case') ?? 0), out = arg('out') ?? `case-${seed}-${index}.bin`;
const spec = makeCase(loadSeeds(), caseRng(seed, index));
writeFileSync(out, spec.bytes);
console.log(`${spec.seed.name} [${spec.mutations.join(' + ')}] -> ${out} (${spec.bytes.length} bytes)`);
