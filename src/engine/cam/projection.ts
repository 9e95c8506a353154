import * as tf from '@tensorflow/tfjs';

/**
 * pytorch-grad-cam's `get_2d_projection` (utils/svd_on_activations.py) for one activation [1,h,w,c]: NaN set to 0,
 * the h*w × c matrix centred per channel (column means subtracted), projected on its first right singular
 * vector — the first principal component — giving an [h,w] map (Eigen-CAM, and eigen_smooth).
 *
 * tfjs has no SVD. The first singular pair comes from the top eigenvector of the smaller Gram matrix, in float64
 * (./topEigenvector): the channel Gram matrix XᵀX (c × c) when h*w ≥ c, else the position Gram matrix XXᵀ
 * (h*w × h*w, e.g. 49 × 49 instead of 1024 × 1024 for DenseNet121 at 224 px), whose top eigenvector u gives the
 * same projection X v₁ = σ₁ u₁.
 *
 * The sign of a principal component is arbitrary (numpy's LAPACK picks one; so does any other solver). It is
 * fixed here so that the projection correlates positively with the channel mean of the (uncentred)
 * activation; test/parity/make_torch.py applies the same rule to pytorch-grad-cam's projection before comparing.
 */
export function principalProjection(activation: tf.Tensor4D): tf.Tensor2D {
  const [, h, w, c] = activation.shape;
  const x = Float64Array.from(activation.dataSync(), (v) => (Number.isNaN(v) ? 0 : v));
  return tf.tensor2d(projectRows(x, h * w, c), [h, w]);
}

/** Projection of the n rows of x (n × c, row-major) on the first principal component of its centred columns. */
export function projectRows(x: Float64Array, n: number, c: number): Float32Array {
  const mean = new Float64Array(c);
  for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) mean[k] += x[i * c + k];
  for (let k = 0; k < c; k++) mean[k] /= n;
  const xc = new Float64Array(n * c);
  for (let i = 0; i < n; i++) for (let k = 0; k < c; k++) xc[i * c + k] = x[i * c + k] - mean[k];

  const p = new Float64Array(n);
  if (c <= n) {
    // Channel Gram matrix XᵀX (c × c); p = X v.
    const g = new Float64Array(c * c);
    for (let i = 0; i < n; i++) {
      const row = i * c;
      for (let a = 0; a < c; a++) {
        const xa = xc[row + a];
        if (xa === 0) continue;
        const ga = a * c;
        for (let b = a; b < c; b++) g[ga + b] += xa * xc[row + b];
      }
    }
    symmetrise(g, c);
    const { vector } = topEigenvector(g, c);
    for (let i = 0; i < n; i++) {
      let s = 0;
      for (let k = 0; k < c; k++) s += xc[i * c + k] * vector[k];
      p[i] = s;
    }
  } else {
    // Position Gram matrix XXᵀ (n × n); p = σ u = sqrt(λ) u.
    const g = new Float64Array(n * n);
    for (let i = 0; i < n; i++) {
      for (let j = i; j < n; j++) {
        let s = 0;
        for (let k = 0; k < c; k++) s += xc[i * c + k] * xc[j * c + k];
        g[i * n + j] = s;
      }
    }
    symmetrise(g, n);
    const { vector, value } = topEigenvector(g, n);
    const sigma = Math.sqrt(Math.max(0, value));
    for (let i = 0; i < n; i++) p[i] = sigma * vector[i];
  }

  // Sign: positive correlation with the channel mean of each row (p has zero mean, so the dot product decides).
  let dot = 0;
  for (let i = 0; i < n; i++) {
    let m = 0;
    for (let k = 0; k < c; k++) m += x[i * c + k];
    dot += p[i] * (m / c);
  }
  return Float32Array.from(p, (v) => (dot < 0 ? -v : v));
}

/** Copy the upper triangle of a square matrix into its lower one. */
function symmetrise(g: Float64Array, m: number): void {
  for (let a = 0; a < m; a++) for (let b = 0; b < a; b++) g[a * m + b] = g[b * m + a];
}

/**
 * Top eigenpair of a symmetric positive semi-definite m × m matrix (row-major, float64) by power iteration,
 * accelerated by repeated squaring: while the iterate has not settled, A ← A² / trace(A²), which raises the
 * eigenvalue ratio λ₂/λ₁ to ever higher powers (after k squarings, 2^k). The vector is then refined on the
 * original matrix and the eigenvalue is its Rayleigh quotient. A zero matrix gives a zero vector.
 */
export function topEigenvector(g: Float64Array, m: number): { vector: Float64Array; value: number } {
  let trace = 0;
  for (let a = 0; a < m; a++) trace += g[a * m + a];
  if (!(trace > 0)) return { vector: new Float64Array(m), value: 0 };
  let a: Float64Array = Float64Array.from(g, (v) => v / trace);
  // A fixed start with no special direction (a start orthogonal to the top eigenvector would stall).
  let v: Float64Array = new Float64Array(m);
  for (let i = 0; i < m; i++) v[i] = 1 + 0.5 * Math.sin(1.7 * i + 0.3);
  normalise(v);
  const TOL = 1e-12;
  for (let round = 0; round < 12; round++) {
    let settled = false;
    for (let it = 0; it < 100 && !settled; it++) {
      const next = matVec(a, v, m);
      if (!normalise(next)) return { vector: new Float64Array(m), value: 0 };
      settled = maxAbsDiff(next, v) < TOL;
      v = next;
    }
    if (settled) break;
    a = squareScaled(a, m);
  }
  for (let it = 0; it < 3; it++) {
    const next = matVec(g, v, m);
    if (!normalise(next)) break;
    v = next;
  }
  const gv = matVec(g, v, m);
  let value = 0;
  for (let i = 0; i < m; i++) value += v[i] * gv[i];
  return { vector: v, value };
}

function matVec(a: Float64Array, v: Float64Array, m: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(m);
  for (let i = 0; i < m; i++) {
    let s = 0;
    const row = i * m;
    for (let j = 0; j < m; j++) s += a[row + j] * v[j];
    out[i] = s;
  }
  return out;
}

/** Scale to unit length in place, with a sign convention (largest-magnitude entry positive) so iterates compare. */
function normalise(v: Float64Array): boolean {
  let norm = 0;
  let big = 0;
  for (let i = 0; i < v.length; i++) {
    norm += v[i] * v[i];
    if (Math.abs(v[i]) > Math.abs(v[big])) big = i;
  }
  norm = Math.sqrt(norm);
  if (!(norm > 0) || !Number.isFinite(norm)) return false;
  const s = v[big] < 0 ? -1 / norm : 1 / norm;
  for (let i = 0; i < v.length; i++) v[i] *= s;
  return true;
}

function maxAbsDiff(a: Float64Array, b: Float64Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return d;
}

/** A² / trace(A²) for a symmetric A (the product is symmetric: compute the upper triangle). */
function squareScaled(a: Float64Array, m: number): Float64Array<ArrayBuffer> {
  const out = new Float64Array(m * m);
  for (let i = 0; i < m; i++) {
    for (let j = i; j < m; j++) {
      let s = 0;
      const ri = i * m;
      const rj = j * m;
      for (let k = 0; k < m; k++) s += a[ri + k] * a[rj + k]; // A symmetric: (A²)ij = row i · row j
      out[i * m + j] = s;
    }
  }
  symmetrise(out, m);
  let trace = 0;
  for (let i = 0; i < m; i++) trace += out[i * m + i];
  if (trace > 0) for (let i = 0; i < out.length; i++) out[i] /= trace;
  return out;
}
