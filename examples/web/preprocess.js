// A drawing to an MNIST-like 28×28 digit, as LeCun et al. prepared MNIST: the ink's bounding
// box scaled (keeping its aspect ratio, area-averaged so it is anti-aliased) to fit a 20×20
// box, then placed in a 28×28 image with its centre of mass at the centre.
// Pure functions over grey levels (0 = background, 255 = ink): the page and the tests share them.

/** Bounding box of pixels brighter than `ink`, or null for an empty drawing. */
export function inkBox(grey, width, height, ink = 16) {
  let x0 = width, y0 = height, x1 = -1, y1 = -1;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (grey[y * width + x] > ink) {
        if (x < x0) x0 = x;
        if (x > x1) x1 = x;
        if (y < y0) y0 = y;
        if (y > y1) y1 = y;
      }
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, w: x1 - x0 + 1, h: y1 - y0 + 1 };
}

/** 1-D area weights: how much of source cell j lies in output cell i, for n -> m cells. */
function areaWeights(n, m) {
  const scale = n / m;
  const rows = [];
  for (let i = 0; i < m; i++) {
    const a = i * scale, b = (i + 1) * scale, w = [];
    for (let j = Math.floor(a); j < Math.min(n, Math.ceil(b)); j++) {
      w.push([j, (Math.min(b, j + 1) - Math.max(a, j)) / scale]);
    }
    rows.push(w);
  }
  return rows;
}

/** Area-average resample of a w×h crop (row stride `stride`, starting at `off`) to tw×th. */
export function resample(grey, off, stride, w, h, tw, th) {
  const wx = areaWeights(w, tw), wy = areaWeights(h, th);
  const tmp = new Float32Array(h * tw);
  for (let y = 0; y < h; y++) {
    for (let i = 0; i < tw; i++) {
      let s = 0;
      for (const [j, f] of wx[i]) s += grey[off + y * stride + j] * f;
      tmp[y * tw + i] = s;
    }
  }
  const out = new Float32Array(tw * th);
  for (let i = 0; i < th; i++) {
    for (let x = 0; x < tw; x++) {
      let s = 0;
      for (const [j, f] of wy[i]) s += tmp[j * tw + x] * f;
      out[i * tw + x] = s;
    }
  }
  return out;
}

/** Centre of mass (x, y) of a w×h image of non-negative weights. */
export function centreOfMass(img, w, h) {
  let m = 0, sx = 0, sy = 0;
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) {
      const v = img[y * w + x];
      m += v;
      sx += v * (x + 0.5);
      sy += v * (y + 0.5);
    }
  }
  return m > 0 ? { x: sx / m, y: sy / m } : { x: w / 2, y: h / 2 };
}

/** MNIST-style 28×28 uint8 digit from a width×height grey drawing; null when nothing is drawn. */
export function toMnist(grey, width, height, { box = 20, size = 28 } = {}) {
  const b = inkBox(grey, width, height);
  if (!b) return null;
  const s = box / Math.max(b.w, b.h);
  const tw = Math.max(1, Math.round(b.w * s)), th = Math.max(1, Math.round(b.h * s));
  const small = resample(grey, b.y * width + b.x, width, b.w, b.h, tw, th);
  const c = centreOfMass(small, tw, th);
  const dx = Math.round(size / 2 - c.x), dy = Math.round(size / 2 - c.y);
  const out = new Uint8Array(size * size);
  for (let y = 0; y < th; y++) {
    const oy = y + dy;
    if (oy < 0 || oy >= size) continue;
    for (let x = 0; x < tw; x++) {
      const ox = x + dx;
      if (ox >= 0 && ox < size) out[oy * size + ox] = Math.min(255, Math.round(small[y * tw + x]));
    }
  }
  return out;
}

/** Grey levels of RGBA pixels (the canvas's ImageData): the brightest channel, so white ink reads 255. */
export function greyOf(rgba) {
  const g = new Uint8Array(rgba.length / 4);
  for (let i = 0; i < g.length; i++) g[i] = Math.max(rgba[4 * i], rgba[4 * i + 1], rgba[4 * i + 2]);
  return g;
}
