// Tiny modules that only validate where a feature is implemented, as tfjs-backend-wasm
// does in flags_wasm.ts. WebAssembly.validate compiles nothing, so probing is cheap.

/** `(func (result v128) v128.const 0)`: valid where SIMD128 is. */
const SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00,
  0x0a, 0x16, 0x01, 0x14, 0x00, 0xfd, 0x0c,
  0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0,
  0x0b,
]);

/** `(func (param v128 v128 v128) (result v128) i32x4.relaxed_dot_i8x16_i7x16_add_s)`. */
const RELAXED_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00,
  0x01, 0x08, 0x01, 0x60, 0x03, 0x7b, 0x7b, 0x7b, 0x01, 0x7b,
  0x03, 0x02, 0x01, 0x00,
  0x0a, 0x0d, 0x01, 0x0b, 0x00, 0x20, 0x00, 0x20, 0x01, 0x20, 0x02, 0xfd, 0x93, 0x02, 0x0b,
]);

export type Build = 'scalar' | 'simd' | 'relaxed';
export const BUILDS: readonly Build[] = ['scalar', 'simd', 'relaxed'];

function validates(bytes: Uint8Array): boolean {
  try {
    return WebAssembly.validate(bytes as BufferSource);
  } catch {
    return false;
  }
}

/** The builds this engine can run, best last. */
export function supportedBuilds(): Build[] {
  const out: Build[] = ['scalar'];
  if (validates(SIMD_PROBE)) {
    out.push('simd');
    if (validates(RELAXED_PROBE)) out.push('relaxed');
  }
  return out;
}

/** The best build this engine runs: relaxed > simd > scalar. */
export function bestBuild(): Build {
  const s = supportedBuilds();
  return s[s.length - 1];
}
