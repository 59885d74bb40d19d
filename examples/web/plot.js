// A small SVG scatter/line plot: accuracy against mean latency for a sweep of thresholds.
const NS = 'http://www.w3.org/2000/svg';

function el(name, attrs, text) {
  const e = document.createElementNS(NS, name);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  if (text !== undefined) e.textContent = text;
  return e;
}

/**
 * Draw `points` ({ x, y, title }) as a line in their order, and `marks` ({ x, y, title, cls }) on top, into `svg`.
 * Axes span the data; `xLabel`/`yLabel` name them.
 */
export function plot(svg, points, marks, { xLabel, yLabel, xFmt = (v) => v.toFixed(2), yFmt = (v) => v.toFixed(1) }) {
  const W = 360, H = 220, L = 48, R = 12, T = 12, B = 36;
  svg.setAttribute('viewBox', `0 0 ${W} ${H}`);
  svg.replaceChildren();
  const all = [...points, ...marks];
  if (all.length === 0) return;
  let x0 = Math.min(...all.map((p) => p.x)), x1 = Math.max(...all.map((p) => p.x));
  let y0 = Math.min(...all.map((p) => p.y)), y1 = Math.max(...all.map((p) => p.y));
  if (x1 - x0 < 1e-9) (x0 -= 0.5 * (x0 || 1), (x1 += 0.5 * (x1 || 1)));
  if (y1 - y0 < 0.5) (y0 -= 0.5, (y1 += 0.5));
  const px = (x) => L + ((x - x0) / (x1 - x0)) * (W - L - R);
  const py = (y) => H - B - ((y - y0) / (y1 - y0)) * (H - T - B);
  svg.append(el('line', { x1: L, y1: H - B, x2: W - R, y2: H - B, class: 'axis' }));
  svg.append(el('line', { x1: L, y1: T, x2: L, y2: H - B, class: 'axis' }));
  for (const t of [0, 0.5, 1]) {
    const xv = x0 + t * (x1 - x0), yv = y0 + t * (y1 - y0);
    svg.append(el('text', { x: px(xv), y: H - B + 14, 'text-anchor': 'middle', class: 'tick' }, xFmt(xv)));
    svg.append(el('text', { x: L - 4, y: py(yv) + 4, 'text-anchor': 'end', class: 'tick' }, yFmt(yv)));
  }
  svg.append(el('text', { x: (L + W - R) / 2, y: H - 4, 'text-anchor': 'middle', class: 'label' }, xLabel));
  svg.append(el('text', { x: 12, y: (T + H - B) / 2, 'text-anchor': 'middle', class: 'label', transform: `rotate(-90 12 ${(T + H - B) / 2})` }, yLabel));
  if (points.length > 1) svg.append(el('polyline', { points: points.map((p) => `${px(p.x)},${py(p.y)}`).join(' '), class: 'curve' }));
  for (const p of points) {
    const c = el('circle', { cx: px(p.x), cy: py(p.y), r: 2.5, class: 'pt' });
    c.append(el('title', {}, p.title));
    svg.append(c);
  }
  for (const m of marks) {
    const c = el('circle', { cx: px(m.x), cy: py(m.y), r: 5, class: m.cls ?? 'mark' });
    c.append(el('title', {}, m.title));
    svg.append(c);
  }
}
