// CIFAR-10 test images from the server: only the records shown, with one HTTP Range request on
// test.bin (CIFAR binary layout: per record 1 label byte, then 3,072 pixel bytes: the red plane,
// then green, then blue, each 32×32 row-major).
export const CLASSES = ['airplane', 'automobile', 'bird', 'cat', 'deer', 'dog', 'frog', 'horse', 'ship', 'truck'];
export const RECORD = 1 + 3 * 32 * 32;

/** Whole records: labels and images (3,072 bytes each, planes as the model's NCHW input wants them). */
export function parseCifar(bytes) {
  const b = new Uint8Array(bytes);
  const count = Math.floor(b.length / RECORD);
  const labels = new Uint8Array(count), images = new Uint8Array(count * 3072);
  for (let i = 0; i < count; i++) {
    labels[i] = b[i * RECORD];
    if (labels[i] > 9) throw new Error(`CIFAR-10 record ${i}: label ${labels[i]} is not 0–9 (not the CIFAR binary layout?)`);
    images.set(b.subarray(i * RECORD + 1, (i + 1) * RECORD), i * 3072);
  }
  return { count, labels, images, image: (i) => images.subarray(i * 3072, (i + 1) * 3072) };
}

/** The first `count` records of test.bin at `url` (fewer if the file is shorter). */
export async function fetchCifar(url, count) {
  const res = await fetch(url, { headers: { range: `bytes=0-${count * RECORD - 1}` } });
  if (!res.ok) throw new Error(`${url}: HTTP ${res.status}`);
  // 206: the range; 200: a server that ignores Range sent the whole file.
  const b = new Uint8Array(await res.arrayBuffer()).subarray(0, count * RECORD);
  if (b.length < RECORD) throw new Error(`${url}: ${b.length} bytes, not one CIFAR-10 record`);
  return parseCifar(b);
}

/** RGBA pixels of one image, for ImageData. */
export function rgba(image) {
  const out = new Uint8ClampedArray(32 * 32 * 4);
  for (let p = 0; p < 1024; p++) out.set([image[p], image[1024 + p], image[2048 + p], 255], 4 * p);
  return out;
}
