// Reads digits.bin (see make-digits.mjs): MNIST test digits with their labels.
export function parseDigits(bytes) {
  const b = new Uint8Array(bytes);
  const magic = String.fromCharCode(...b.subarray(0, 4));
  if (magic !== 'BDG1') throw new Error(`digits file: bad magic '${magic}'`);
  const count = new DataView(b.buffer, b.byteOffset).getUint32(4, true);
  if (b.length !== 8 + count * 785) throw new Error(`digits file: ${b.length} bytes, expected ${8 + count * 785}`);
  const labels = b.slice(8, 8 + count);
  const images = b.slice(8 + count);
  return { count, labels, images, image: (i) => images.subarray(i * 784, (i + 1) * 784) };
}
