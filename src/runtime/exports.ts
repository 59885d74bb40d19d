// The typed export table of a kernel build. Every build exports the same names for
// the kernels it has; a name missing from a build (a SIMD kernel in the scalar build)
// is optional here and the kernel table never selects it there.
// Pointers and sizes are plain numbers (wasm i32); every kernel returns nothing.

type Ptr = number;

export interface KernelExports {
  readonly memory: WebAssembly.Memory;
  heap_base(): Ptr;

  // --- qs8 gemm / conv ---

  // --- qs8 dwconv ---

  // --- f32 conv / dwconv / gemm ---

  // --- pooling ---

  // --- element-wise ---

  // --- exit head ---

  // --- bench peaks ---

  /** Any other export, looked up by name (tests use this for twins that are not in the table). */
  readonly [name: string]: unknown;
}

/** Look up an export by name and check it is a function. */
export function kernelFn(exports: KernelExports, name: string): (...args: number[]) => void {
  const f = exports[name];
  if (typeof f !== 'function') throw new TypeError(`this build has no kernel '${name}'`);
  return f as (...args: number[]) => void;
}

