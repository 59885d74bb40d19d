// One table pairing each op's kernel with the packer that lays its weights out, per
// build (XNNPACK's gemm-config.c in miniature), derived from the kernel manifest
// (manifest.ts): for each op and build, the op's kernel (not a variant) of the highest
// build at or below it. The model file keeps canonical layouts (int8 OHWI); the runtime
// packs at load time through this table, so a new tile size never invalidates a saved model.
import { BUILDS, type Build } from './features.js';
import { MANIFEST, buildOf, inBuild, type ManifestEntry } from './manifest.js';

export interface KernelChoice {
  /** Export name of the kernel, e.g. `qs8_gemm_2x4c8__wasmsimd`. */
  kernel: string;
  /** Export name of the packer that writes the layout the kernel reads (absent: no packing). */
  packer?: string;
}

export type KernelTable = Record<string, Record<Build, KernelChoice>>;

function deriveTable(): KernelTable {
  const table: KernelTable = {};
  const chosen = (MANIFEST as readonly ManifestEntry[]).filter((e) => e.op !== undefined && !e.alt);
  for (const op of new Set(chosen.map((e) => e.op!))) {
    const row = {} as Record<Build, KernelChoice>;
    for (const build of BUILDS) {
      const have = chosen.filter((k) => k.op === op && inBuild(k.name, build));
      const top = Math.max(...have.map((k) => BUILDS.indexOf(buildOf(k.name))));
      const best = have.filter((k) => BUILDS.indexOf(buildOf(k.name)) === top);
      if (best.length !== 1) {
        throw new TypeError(`kernel manifest: op '${op}' has ${best.length} kernels to choose from in the ${build} build; mark the others alt`);
      }
      const e = best[0];
      row[build] = e.packer ? { kernel: e.name, packer: e.packer } : { kernel: e.name };
    }
    table[op] = row;
  }
  return table;
}

export const KERNEL_TABLE: KernelTable = deriveTable();

/** The kernel and packer an op uses in a build. */
export function chooseKernel(op: string, build: Build): KernelChoice {
  const row = KERNEL_TABLE[op];
  if (!row) throw new TypeError(`no kernel registered for op '${op}'`);
  return row[build];
}
