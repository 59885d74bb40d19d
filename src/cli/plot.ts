// A small SVG line plot (accuracy vs latency) with axes and labels; no dependencies.

export function linePlot(points: { x: number; y: number }[], opts: { title: string; xLabel: string; yLabel: string }): string {
  const W = 640, H = 420, L = 70, R = 20, T = 40, B = 60;
  const xs = points.map((p) => p.x), ys = points.map((p) => p.y);
  const [x0, x1] = [Math.min(...xs), Math.max(...xs)];
  const [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  const pad = (a: number, b: number) => (b - a || Math.abs(a) || 1) * 0.05;
  const [xa, xb] = [x0 - pad(x0, x1), x1 + pad(x0, x1)];
  const [ya, yb] = [y0 - pad(y0, y1), y1 + pad(y0, y1)];
  const sx = (x: number) => L + ((x - xa) / (xb - xa)) * (W - L - R);
  const sy = (y: number) => H - B - ((y - ya) / (yb - ya)) * (H - T - B);
  const ticks = (a: number, b: number) => Array.from({ length: 5 }, (_, i) => a + ((b - a) * i) / 4);
  const sorted = points.slice().sort((p, q) => p.x - q.x);
  const path = sorted.map((p, i) => `${i ? 'L' : 'M'}${sx(p.x).toFixed(1)},${sy(p.y).toFixed(1)}`).join(' ');
  const parts = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif" font-size="12">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${W / 2}" y="22" text-anchor="middle" font-size="15">${opts.title}</text>`,
    `<line x1="${L}" y1="${H - B}" x2="${W - R}" y2="${H - B}" stroke="black"/>`,
    `<line x1="${L}" y1="${T}" x2="${L}" y2="${H - B}" stroke="black"/>`,
    ...ticks(xa, xb).map((t) => `<text x="${sx(t)}" y="${H - B + 18}" text-anchor="middle">${t.toPrecision(3)}</text>`),
    ...ticks(ya, yb).map((t) => `<text x="${L - 6}" y="${sy(t) + 4}" text-anchor="end">${t.toPrecision(4)}</text>`),
    `<text x="${(L + W - R) / 2}" y="${H - 18}" text-anchor="middle">${opts.xLabel}</text>`,
    `<text transform="translate(18 ${(T + H - B) / 2}) rotate(-90)" text-anchor="middle">${opts.yLabel}</text>`,
    `<path d="${path}" fill="none" stroke="#1f77b4" stroke-width="2"/>`,
    ...sorted.map((p) => `<circle cx="${sx(p.x).toFixed(1)}" cy="${sy(p.y).toFixed(1)}" r="3" fill="#1f77b4"/>`),
    '</svg>',
  ];
  return parts.join('\n') + '\n';
}
