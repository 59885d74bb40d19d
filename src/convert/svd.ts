// Thin singular value decomposition for truncating weight matrices (lowrank.ts): with B the
// matrix oriented so that it has p = min(m, n) columns, the eigen-decomposition of the
// p x p Gram matrix G = B^T B (Householder reduction to tridiagonal form, then implicit QL
// with Wilkinson shifts) gives B's right singular vectors and s_j^2 = λ_j; the left ones are
// B v_j / s_j. O(m·p^2 + p^3): a 500 x 800 matrix in well under a second. Singular values
// below ~1e-7·s_max lose their relative accuracy (they are squared); truncation never keeps
// them, so that does not matter here.

export interface Svd {
  /** Rows of A and columns of A (A is m x n, row-major), p = min(m, n). */
  m: number;
  n: number;
  p: number;
  /** Left singular vectors, m x p row-major (column j is the j-th vector). */
  u: Float64Array;
  /** Singular values, descending. */
  s: Float64Array;
  /** Right singular vectors, n x p row-major. */
  v: Float64Array;
}

/**
 * Eigen-decomposition of the symmetric p x p matrix a (row-major, overwritten): returns the
 * eigenvalues and the eigenvectors as the columns of a p x p row-major matrix, unsorted.
 */
export function symmetricEigen(a: Float64Array, p: number): { values: Float64Array; vectors: Float64Array } {
  const q = new Float64Array(p * p);
  for (let i = 0; i < p; i++) q[i * p + i] = 1;
  const d = new Float64Array(p), e = new Float64Array(p);
  // 1. Householder: Q^T A Q tridiagonal. Step k zeroes column k below the subdiagonal.
  const v = new Float64Array(p), w = new Float64Array(p);
  for (let k = 0; k < p - 2; k++) {
    let norm = 0;
    for (let i = k + 1; i < p; i++) norm += a[i * p + k] ** 2;
    norm = Math.sqrt(norm);
    if (norm === 0) continue;
    const x0 = a[(k + 1) * p + k];
    const alpha = x0 > 0 ? -norm : norm;
    for (let i = k + 1; i < p; i++) v[i] = a[i * p + k];
    v[k + 1] -= alpha;
    let vv = 0;
    for (let i = k + 1; i < p; i++) vv += v[i] * v[i];
    if (vv === 0) continue;
    const beta = 2 / vv;
    // w = beta A v - (beta^2 v^T A v / 2) v over the trailing block; A -= v w^T + w v^T.
    for (let i = k + 1; i < p; i++) {
      let s = 0;
      for (let j = k + 1; j < p; j++) s += a[i * p + j] * v[j];
      w[i] = beta * s;
    }
    let wv = 0;
    for (let i = k + 1; i < p; i++) wv += w[i] * v[i];
    const h = (beta * wv) / 2;
    for (let i = k + 1; i < p; i++) w[i] -= h * v[i];
    for (let i = k + 1; i < p; i++) for (let j = k + 1; j < p; j++) a[i * p + j] -= v[i] * w[j] + w[i] * v[j];
    a[(k + 1) * p + k] = a[k * p + k + 1] = alpha;
    for (let i = k + 2; i < p; i++) a[i * p + k] = a[k * p + i] = 0;
    // Q = Q H
    for (let r = 0; r < p; r++) {
      let s = 0;
      for (let j = k + 1; j < p; j++) s += q[r * p + j] * v[j];
      s *= beta;
      for (let j = k + 1; j < p; j++) q[r * p + j] -= s * v[j];
    }
  }
  for (let i = 0; i < p; i++) {
    d[i] = a[i * p + i];
    e[i] = i + 1 < p ? a[(i + 1) * p + i] : 0;
  }
  // 2. Implicit QL on the tridiagonal (d, e[i] between i and i+1), rotations accumulated into
  //    Q^T (rows, so that each rotation touches two contiguous rows).
  const qt = new Float64Array(p * p);
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) qt[j * p + i] = q[i * p + j];
  for (let l = 0; l < p; l++) {
    for (let iter = 0; iter < 60; iter++) {
      let m = l;
      for (; m < p - 1; m++) {
        const dd = Math.abs(d[m]) + Math.abs(d[m + 1]);
        if (Math.abs(e[m]) <= Number.EPSILON * dd) break;
      }
      if (m === l) break;
      let g = (d[l + 1] - d[l]) / (2 * e[l]);
      let r = Math.hypot(g, 1);
      g = d[m] - d[l] + e[l] / (g + (g >= 0 ? r : -r));
      let s = 1, c = 1, pp = 0;
      let i = m - 1;
      for (; i >= l; i--) {
        const f = s * e[i], b = c * e[i];
        r = Math.hypot(f, g);
        e[i + 1] = r;
        if (r === 0) {
          d[i + 1] -= pp;
          e[m] = 0;
          break;
        }
        s = f / r;
        c = g / r;
        g = d[i + 1] - pp;
        r = (d[i] - g) * s + 2 * c * b;
        pp = s * r;
        d[i + 1] = g + pp;
        g = c * r - b;
        const r0 = i * p, r1 = r0 + p;
        for (let k = 0; k < p; k++) {
          const t = qt[r1 + k];
          qt[r1 + k] = s * qt[r0 + k] + c * t;
          qt[r0 + k] = c * qt[r0 + k] - s * t;
        }
      }
      if (r === 0 && i >= l) continue;
      d[l] -= pp;
      e[l] = g;
      e[m] = 0;
    }
  }
  for (let i = 0; i < p; i++) for (let j = 0; j < p; j++) q[j * p + i] = qt[i * p + j];
  return { values: d, vectors: q };
}

/**
 * Singular values of the m x n row-major matrix a (descending) and the singular vectors of
 * its smaller side: `side` 'right' (n <= m) gives V (n x p), 'left' gives U (m x p).
 */
export interface GramSvd {
  m: number;
  n: number;
  p: number;
  s: Float64Array;
  side: 'left' | 'right';
  /** The vectors of `side`, p-dimensional columns of a p x p row-major matrix, in the order of s. */
  basis: Float64Array;
}

export function gramSvd(a: ArrayLike<number>, m: number, n: number): GramSvd {
  const side = n <= m ? 'right' : 'left';
  const p = Math.min(m, n);
  const x = Float64Array.from(a);
  // G = A^T A (p = n) or A A^T (p = m), upper triangle then mirrored.
  const g = new Float64Array(p * p);
  if (side === 'right') {
    for (let i = 0; i < m; i++) {
      const row = i * n;
      for (let j = 0; j < p; j++) {
        const v = x[row + j];
        if (v === 0) continue;
        for (let k = j; k < p; k++) g[j * p + k] += v * x[row + k];
      }
    }
  } else {
    for (let j = 0; j < p; j++) {
      for (let k = j; k < p; k++) {
        let t = 0;
        for (let l = 0; l < n; l++) t += x[j * n + l] * x[k * n + l];
        g[j * p + k] = t;
      }
    }
  }
  for (let j = 0; j < p; j++) for (let k = 0; k < j; k++) g[j * p + k] = g[k * p + j];
  const { values, vectors } = symmetricEigen(g, p);
  const order = Array.from({ length: p }, (_, j) => j).sort((i, j) => values[j] - values[i]);
  const s = Float64Array.from(order, (j) => Math.sqrt(Math.max(0, values[j])));
  const basis = new Float64Array(p * p);
  order.forEach((j, k) => {
    for (let i = 0; i < p; i++) basis[i * p + k] = vectors[i * p + j];
  });
  return { m, n, p, s, side, basis };
}

/**
 * Rank-r factors of a: a ≈ left (m x r) · right (r x n), both row-major, each carrying
 * sqrt(s) of the singular values (balanced, so neither factor's range dwarfs the other's:
 * they are quantized separately).
 */
export function lowRankFactors(a: ArrayLike<number>, g: GramSvd, r: number): { left: Float64Array; right: Float64Array } {
  const { m, n, p } = g;
  const left = new Float64Array(m * r), right = new Float64Array(r * n);
  for (let k = 0; k < r; k++) {
    const sk = g.s[k];
    const root = Math.sqrt(sk);
    if (sk === 0) continue;
    if (g.side === 'right') {
      // a v_k = s_k u_k: left[:,k] = a v_k / sqrt(s_k), right[k,:] = sqrt(s_k) v_k^T
      for (let j = 0; j < n; j++) right[k * n + j] = root * g.basis[j * p + k];
      for (let i = 0; i < m; i++) {
        let t = 0;
        for (let j = 0; j < n; j++) t += a[i * n + j] * g.basis[j * p + k];
        left[i * r + k] = t / root;
      }
    } else {
      // u_k^T a = s_k v_k^T: left[:,k] = sqrt(s_k) u_k, right[k,:] = u_k^T a / sqrt(s_k)
      for (let i = 0; i < m; i++) left[i * r + k] = root * g.basis[i * p + k];
      for (let j = 0; j < n; j++) {
        let t = 0;
        for (let i = 0; i < m; i++) t += g.basis[i * p + k] * a[i * n + j];
        right[k * n + j] = t / root;
      }
    }
  }
  return { left, right };
}

/** Full thin SVD, a = u · diag(s) · v^T (tests and small matrices). */
export function svd(a: ArrayLike<number>, m: number, n: number): Svd {
  const g = gramSvd(a, m, n);
  const p = g.p;
  const { left, right } = lowRankFactors(a, g, p);
  const u = new Float64Array(m * p), v = new Float64Array(n * p);
  for (let k = 0; k < p; k++) {
    const root = Math.sqrt(g.s[k]);
    if (root === 0) continue;
    for (let i = 0; i < m; i++) u[i * p + k] = left[i * p + k] / root;
    for (let j = 0; j < n; j++) v[j * p + k] = right[k * n + j] / root;
  }
  return { m, n, p, u, s: g.s, v };
}

/** Smallest rank whose singular values keep at least `fraction` of the energy (sum of s^2). */
export function rankForEnergy(s: Float64Array, fraction: number): number {
  const total = s.reduce((a, x) => a + x * x, 0);
  if (total === 0) return 1;
  let acc = 0;
  for (let r = 0; r < s.length; r++) {
    acc += s[r] * s[r];
    if (acc >= fraction * total * (1 - 1e-12)) return r + 1;
  }
  return s.length;
}

/** Fraction of the energy the first r singular values keep. */
export function energyKept(s: Float64Array, r: number): number {
  let all = 0, kept = 0;
  for (let i = 0; i < s.length; i++) {
    all += s[i] * s[i];
    if (i < r) kept += s[i] * s[i];
  }
  return all ? kept / all : 1;
}
