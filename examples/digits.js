// Shared by the runtime examples (workerd, deno, bun) and their tests: reads the digits file
// (examples/web/digits.bin: 'BDG1', u32 LE count, count labels, count × 784 pixels; written by
// examples/web/make-digits.mjs from the MNIST test split) and classifies every digit. Plain
// JavaScript with no imports, so that every runtime runs it as it is.

/** The digits in a digits.bin file (an ArrayBuffer or any view of it). */
export function readDigits(file) {
  const bytes = ArrayBuffer.isView(file) ? new Uint8Array(file.buffer, file.byteOffset, file.byteLength) : new Uint8Array(file);
  const magic = String.fromCharCode(...bytes.subarray(0, 4));
  if (magic !== 'BDG1') throw new Error(`not a digits file (magic '${magic}')`);
  const count = new DataView(bytes.buffer, bytes.byteOffset + 4, 4).getUint32(0, true);
  return { count, labels: bytes.slice(8, 8 + count), images: bytes.slice(8 + count, 8 + count + count * 784) };
}

const hex = (a) => Array.from(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), (b) => b.toString(16).padStart(2, '0')).join('');

/**
 * Classify every digit with the model's calibrated early exits, and run the whole batch at full
 * depth. Returns what a runtime answered: the build, each digit's label and exit, the accuracy,
 * and the bytes of every output (hex), so that two runtimes can be compared bit for bit.
 */
export function classifyDigits(model, digits) {
  const results = model.classify(digits.images, { policy: { kind: 'entropy' } });
  const outputs = model.run(digits.images);
  const correct = results.filter((r, i) => r.label === digits.labels[i]).length;
  return {
    build: model.info.build,
    count: digits.count,
    accuracy: correct / digits.count,
    labels: results.map((r) => r.label),
    exits: results.map((r) => r.exit),
    probs: hex(Float32Array.from(results.flatMap((r) => Array.from(r.probs)))),
    outputs: Object.fromEntries(Object.entries(outputs).map(([name, t]) => [name, hex(t.data)])),
  };
}
