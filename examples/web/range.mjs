// HTTP Range requests (RFC 9110 §14) for the demo's static server: one byte range per request,
// which is all the page asks for (the CIFAR-10 records it shows, out of test.bin).

/**
 * The byte range a `Range` header asks for in a file of `size` bytes:
 *   { start, end }  (inclusive) to send as 206 Partial Content;
 *   null            to ignore the header and send the whole file (no header, a unit other than
 *                   bytes, several ranges, or a syntactically invalid one: RFC 9110 lets a
 *                   server ignore them);
 *   'unsatisfiable' to answer 416 (the range starts at or past the end of the file).
 */
export function byteRange(header, size) {
  if (typeof header !== 'string') return null;
  const m = /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/.exec(header);
  if (!m || (m[1] === '' && m[2] === '')) return null;
  if (m[1] === '') {
    // suffix range: the last n bytes
    const n = Number(m[2]);
    if (n === 0 || size === 0) return 'unsatisfiable';
    return { start: Math.max(0, size - n), end: size - 1 };
  }
  const start = Number(m[1]);
  const last = m[2] === '' ? Infinity : Number(m[2]);
  if (last < start) return null;
  if (start >= size) return 'unsatisfiable';
  return { start, end: Math.min(last, size - 1) };
}
