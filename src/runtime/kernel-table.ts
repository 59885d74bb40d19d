// One table pairing each op's kernel with the packer that lays its weights out, per
// build (XNNPACK's gemm-config.c in miniature). The model file keeps canonical layouts
// (int8 OHWI); the runtime packs at load time through this table, so a new tile size
// never invalidates a saved model.
import type { Build } from './features.js';

export interface KernelChoice {
  /** Export name of the kernel, e.g. `qs8_gemm_4x4c8__wasmsimd`. */
  kernel: string;
  /** Export name of the packer that writes the layout the kernel reads (absent: no packing). */
  packer?: string;
}

export type KernelTable = Record<string, Record<Build, KernelChoice>>;

export const KERNEL_TABLE: KernelTable = {
  // --- qs8 gemm / conv ---

  // --- qs8 dwconv ---

  // --- f32 conv / dwconv / gemm ---

  // --- pooling ---

  // --- element-wise ---

  // --- exit head ---
};

/** The kernel and packer an op uses in a build. */
export function chooseKernel(op: string, build: Build): KernelChoice {
  const row = KERNEL_TABLE[op];
  if (!row) throw new TypeError(`no kernel registered for op '${op}'`);
  return row[build];
}
