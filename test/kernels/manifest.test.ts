// The kernel manifest is the one list of kernels: the generated files are what it says, every
// build exports exactly its entries, the kernel table picks from it, and no kernel reads its
// params at a literal offset.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { kernels, TEST_BUILDS } from '../helpers/wasm.js';
import { generate, paramBlocks, readSource } from '../../scripts/gen-kernels.mjs';
import { MANIFEST, buildOf, exportsOf, inBuild, kernelsOf } from '../../src/runtime/manifest.js';
import { KERNEL_TABLE } from '../../src/runtime/kernel-table.js';
import { BUILDS } from '../../src/runtime/features.js';

const ASSEMBLY = new URL('../../assembly/', import.meta.url);

function sources(dir: URL, rel = ''): [string, string][] {
  return readdirSync(dir).flatMap((n): [string, string][] => {
    const u = new URL(n, dir);
    if (statSync(u).isDirectory()) return sources(new URL(`${n}/`, dir), `${rel}${n}/`);
    return n.endsWith('.ts') ? [[`${rel}${n}`, readFileSync(u, 'utf8')]] : [];
  });
}

describe('kernel manifest', () => {
  it('the generated build entries and params offsets are current (npm run gen:kernels writes them)', () => {
    for (const [file, text] of generate()) expect(readSource(file), `${file} is stale: run npm run gen:kernels`).toBe(text);
  });

  it('every build exports exactly its manifest entries', async () => {
    for (const build of TEST_BUILDS) {
      const got = Object.keys((await kernels(build)).exports).filter((k) => k !== 'memory').sort();
      expect(got, build).toEqual(exportsOf(build).map((e) => e.name).sort());
    }
  });

  it('builds compose: each has the one below it plus its own ISA', () => {
    const names = (b: (typeof BUILDS)[number]) => exportsOf(b).map((e) => e.name);
    expect(names('scalar').every((n) => buildOf(n) === 'scalar')).toBe(true);
    expect(names('simd')).toEqual(MANIFEST.map((e) => e.name).filter((n) => buildOf(n) !== 'relaxed'));
    expect(names('relaxed')).toEqual(MANIFEST.map((e) => e.name));
  });

  it('the kernel table picks, per op and build, a kernel of that op the build has, with its packer', () => {
    for (const [op, row] of Object.entries(KERNEL_TABLE)) {
      for (const build of BUILDS) {
        const { kernel, packer } = row[build];
        expect(kernelsOf(op, build), `${op} ${build}`).toContain(kernel);
        expect(MANIFEST.find((e) => e.name === kernel)).toMatchObject(packer ? { packer } : {});
        if (packer) expect(inBuild(packer, build), `${op} ${build}: packer ${packer}`).toBe(true);
      }
      // The SIMD builds run a SIMD kernel wherever the op has one.
      const simd = kernelsOf(op, 'simd').filter((k) => buildOf(k) === 'simd' && !MANIFEST.find((e) => e.name === k)!.alt);
      if (simd.length) expect(simd, op).toContain(row.simd.kernel);
    }
    // Every op a kernel serves has a row.
    for (const e of MANIFEST) if ('op' in e) expect(Object.keys(KERNEL_TABLE), e.name).toContain(e.op);
  });

  it('kernels read params only through the generated names, each with the type of its field', () => {
    const kinds = new Map<string, string>();
    for (const b of paramBlocks()) {
      for (const [k, f] of Object.entries(b.fields)) kinds.set(`${b.name}_${k}`.toUpperCase(), f.kind === 'bound' ? 'f32' : f.kind === 'ptr' ? 'i32' : f.kind);
    }
    const literal = /\bload<\w+>\(params\)|\(params, ?\d|\bparams \+ ?\d/;
    const bad: string[] = [];
    for (const [file, text] of sources(ASSEMBLY)) {
      if (file.startsWith('build/') || file === 'common/params.ts') continue;
      text.split('\n').forEach((line, i) => {
        if (line.trimStart().startsWith('//')) return;
        if (literal.test(line)) bad.push(`assembly/${file}:${i + 1}: literal params offset: ${line.trim()}`);
        for (const m of line.matchAll(/load<(\w+)>\(params, (\w+)\)|load32_splat\(params, (\w+)\)/g)) {
          const [type, name] = m[3] ? ['f32', m[3]] : [m[1], m[2]];
          const kind = kinds.get(name);
          if (kind !== type) bad.push(`assembly/${file}:${i + 1}: load<${type}> of ${name} (${kind ?? 'not a params field'})`);
        }
      });
    }
    expect(bad).toEqual([]);
  });
});
