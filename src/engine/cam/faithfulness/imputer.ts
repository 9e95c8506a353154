/**
 * ROAD's noisy linear imputer (Rong et al., "A Consistent and Efficient Evaluation Strategy for Attribution
 * Methods", ICML 2022; pytorch-grad-cam's metrics/road.py NoisyLinearImputer): every removed pixel becomes the
 * weighted mean of its eight neighbours (1/6 for the four sides, 1/12 for the four corners; a neighbour outside the
 * image is left out of the mean), solved for all removed pixels at once, then Gaussian noise of standard deviation
 * `noise` is added to them. The image is the normalised network input, so the noise is in those units.
 *
 * pytorch-grad-cam sets the system up as A x = b with A[i,i] = −(sum of the weights of i's neighbours inside the
 * image), A[i,j] = w(i,j) for a removed neighbour j and b_i = −Σ w(i,k) v_k over the kept neighbours k, and solves it
 * with scipy's spsolve (a sparse LU). Here −A is symmetric (the weights of opposite offsets are equal) and positive
 * definite as soon as one pixel is kept (every connected set of removed pixels then borders a kept one; −A is weakly
 * diagonally dominant and irreducibly so), so conjugate gradient solves −A x = −b directly — no normal equations,
 * whose condition number would be the square of this one. The Laplace-like system needs O(width) plain CG
 * iterations on a large removed region; a geometric multigrid V-cycle (Galerkin coarse operators, bilinear
 * interpolation that reproduces constants at the image edge, forward/backward Gauss–Seidel smoothing) as CG's
 * preconditioner keeps it to five to seven at 224 × 224 for any share removed (about 30 ms per channel on one core).
 * A channel that is an affine copy of one already solved (the three normalised channels of a grey X-ray) is not solved
 * again: the solution is affine-equivariant.
 *
 * When every pixel is removed, −A is singular (no kept value anchors the solution) and spsolve returns NaN, so
 * pytorch-grad-cam's score is NaN; here the removed pixels become 0 (the minimum-norm solution) plus the noise. That
 * happens at most-relevant-first's low percentiles when more than p % of the map is exactly 0 (a ReLU'd Grad-CAM).
 */

/** The weights of the neighbouring pixels, as pytorch-grad-cam's neighbors_weights: [row offset, column offset, weight]. */
export const NEIGHBOR_WEIGHTS: readonly (readonly [number, number, number])[] = [
  [1, 1, 1 / 12], [0, 1, 1 / 6], [-1, 1, 1 / 12], [1, -1, 1 / 12],
  [0, -1, 1 / 6], [-1, -1, 1 / 12], [1, 0, 1 / 6], [-1, 0, 1 / 6],
];

/** pytorch-grad-cam's NoisyLinearImputer default noise (absolute, in normalised input units). */
export const DEFAULT_IMPUTER_NOISE = 0.01;

export interface ImputeOptions {
  /** Standard deviation of the Gaussian noise added to the imputed pixels; default 0.01 (pytorch-grad-cam's). 0: none. */
  noise?: number;
  /** Standard normal draws for the noise (seeded by the caller); needed when noise > 0. */
  normal?: () => number;
  /** Stop a channel's CG when ‖b − A x‖ ≤ tolerance · ‖b‖; default 1e-6 (imputed values then within about 1e-6 of the exact solution). */
  tolerance?: number;
  /** Give up after this many CG iterations per channel (the result is then the last iterate); default 100. */
  maxIterations?: number;
}

export interface ImputeResult {
  /** The image with the removed pixels imputed (HWC, as the input). */
  image: Float32Array;
  /** Most CG iterations over the channels (0 when nothing or everything was removed). */
  iterations: number;
  /** Largest relative residual ‖b − A x‖ / ‖b‖ over the channels at the end. */
  residual: number;
  /** Removed pixels. */
  unknowns: number;
}

export const DEFAULT_TOLERANCE = 1e-6;

/**
 * Impute the pixels where `keep` is 0 (HWC float32 `image` of `height`×`width`×`channels`; `keep` one byte per pixel,
 * 1 = kept). Returns a new image; `image` is not changed.
 */
export function imputeLinear(image: Float32Array, height: number, width: number, channels: number, keep: Uint8Array, o: ImputeOptions = {}): ImputeResult {
  const total = height * width;
  if (image.length !== total * channels) throw new RangeError(`imputer: image has ${image.length} values, expected ${height}x${width}x${channels}`);
  if (keep.length !== total) throw new RangeError(`imputer: mask has ${keep.length} pixels, expected ${height}x${width}`);
  const noise = o.noise ?? DEFAULT_IMPUTER_NOISE;
  if (!(noise >= 0)) throw new RangeError(`imputer: noise must be >= 0, got ${noise}`);
  if (noise > 0 && !o.normal) throw new Error('imputer: noise > 0 needs a normal() source');
  const out = Float32Array.from(image);
  let removed = 0;
  for (let p = 0; p < total; p++) if (!keep[p]) removed++;
  let iterations = 0, residual = 0;
  if (removed === total) {
    out.fill(0);
  } else if (removed > 0) {
    const level = buildLevel(height, width, keep);
    const hierarchy = buildHierarchy(level);
    const b = new Float64Array(level.n), x = new Float64Array(level.n);
    const work = pcgWork(level.n);
    const solvedChannels: number[] = [];
    for (let c = 0; c < channels; c++) {
      // The solution is affine-equivariant (the weights of each equation sum to its diagonal): a channel that is
      // a·(an already solved channel) + b at every kept pixel — a grey X-ray's three normalised channels — is that
      // channel's solution times a plus b, without a solve of its own.
      const same = solvedChannels.map((s) => [s, affineFit(image, keep, channels, s, c)] as const).find(([, fit]) => fit);
      if (same) {
        const [s, fit] = same;
        for (let i = 0; i < level.n; i++) { const p = level.pixel[i]; out[p * channels + c] = fit!.a * out[p * channels + s] + fit!.b; }
        continue;
      }
      fineRhs(level, image, channels, c, b);
      const solved = pcg(hierarchy, b, x, work, o.tolerance ?? DEFAULT_TOLERANCE, o.maxIterations ?? 100);
      iterations = Math.max(iterations, solved.iterations);
      residual = Math.max(residual, solved.residual);
      for (let i = 0; i < level.n; i++) out[level.pixel[i] * channels + c] = x[i];
      solvedChannels.push(c);
    }
  }
  if (noise > 0 && removed > 0) {
    // pytorch-grad-cam adds noise · randn to each imputed value (its draws are torch's; these are the caller's).
    for (let p = 0; p < total; p++) if (!keep[p]) for (let c = 0; c < channels; c++) out[p * channels + c] += noise * o.normal!();
  }
  return { image: out, iterations, residual, unknowns: removed };
}

/**
 * a, b with channel `c` = a·channel `s` + b at every kept pixel (within float32 rounding of the values' scale), or
 * undefined. Fitted on the kept pixels of least and greatest value in channel s.
 */
function affineFit(image: Float32Array, keep: Uint8Array, channels: number, s: number, c: number): { a: number; b: number } | undefined {
  let lo = -1, hi = -1, scale = 0;
  for (let p = 0; p < keep.length; p++) {
    if (!keep[p]) continue;
    const v = image[p * channels + s];
    if (lo < 0 || v < image[lo * channels + s]) lo = p;
    if (hi < 0 || v > image[hi * channels + s]) hi = p;
    scale = Math.max(scale, Math.abs(v), Math.abs(image[p * channels + c]));
  }
  if (lo < 0) return undefined;
  const x0 = image[lo * channels + s], x1 = image[hi * channels + s];
  const a = x1 > x0 ? (image[hi * channels + c] - image[lo * channels + c]) / (x1 - x0) : 0;
  const b = image[lo * channels + c] - a * x0;
  // float32 normalisation of one grey value per channel: a few units in the last place of the largest value.
  const allowed = 8 * scale * 2 ** -24;
  for (let p = 0; p < keep.length; p++) {
    if (keep[p] && Math.abs(a * image[p * channels + s] + b - image[p * channels + c]) > allowed) return undefined;
  }
  return { a, b };
}

/**
 * One grid of the multigrid hierarchy: its unknowns (points of a height×width grid), each with a 9-point stencil of
 * the SPD matrix M = −A (the diagonal, then the couplings to the eight neighbours in NEIGHBOR_WEIGHTS order) and
 * the unknown index of each neighbour (−1: outside, kept, or not coupled).
 */
interface Level {
  height: number;
  width: number;
  n: number;
  /** Grid index (y*width+x) of each unknown. */
  pixel: Int32Array;
  /** Unknown index of each grid point, −1 for a kept one. */
  index: Int32Array;
  diag: Float64Array;
  /** Couplings, 8 per unknown (≤ 0 on the fine level). */
  coef: Float64Array;
  /** Neighbour unknown indices, 8 per unknown (−1: none). */
  nb: Int32Array;
}

const DY = Int32Array.from(NEIGHBOR_WEIGHTS, ([dy]) => dy);
const DX = Int32Array.from(NEIGHBOR_WEIGHTS, ([, dx]) => dx);
const WEIGHT = Float64Array.from(NEIGHBOR_WEIGHTS, ([, , w]) => w);
/** Slot k of the offset (dy,dx) in NEIGHBOR_WEIGHTS, at (dy+1)*3+(dx+1); −1 for (0,0). */
const SLOT = (() => {
  const slot = new Int8Array(9).fill(-1);
  for (let k = 0; k < 8; k++) slot[(DY[k] + 1) * 3 + DX[k] + 1] = k;
  return slot;
})();

function neighbours(height: number, width: number, index: Int32Array, pixel: Int32Array, n: number): Int32Array {
  const nb = new Int32Array(n * 8).fill(-1);
  for (let i = 0; i < n; i++) {
    const p = pixel[i];
    const y = (p / width) | 0, x = p - y * width;
    for (let k = 0; k < 8; k++) {
      const yy = y + DY[k], xx = x + DX[k];
      if (yy >= 0 && xx >= 0 && yy < height && xx < width) nb[i * 8 + k] = index[yy * width + xx];
    }
  }
  return nb;
}

/** The fine level: pytorch-grad-cam's system, negated. */
function buildLevel(height: number, width: number, keep: Uint8Array): Level {
  const total = height * width;
  const index = new Int32Array(total).fill(-1);
  let n = 0;
  for (let p = 0; p < total; p++) if (!keep[p]) index[p] = n++;
  const pixel = new Int32Array(n);
  for (let p = 0; p < total; p++) if (index[p] >= 0) pixel[index[p]] = p;
  const nb = neighbours(height, width, index, pixel, n);
  const diag = new Float64Array(n), coef = new Float64Array(n * 8);
  for (let i = 0; i < n; i++) {
    const p = pixel[i];
    const y = (p / width) | 0, x = p - y * width;
    let d = 1;
    for (let k = 0; k < 8; k++) {
      const yy = y + DY[k], xx = x + DX[k];
      if (yy < 0 || xx < 0 || yy >= height || xx >= width) d -= WEIGHT[k];
      else if (nb[i * 8 + k] >= 0) coef[i * 8 + k] = -WEIGHT[k];
    }
    diag[i] = d;
  }
  return { height, width, n, pixel, index, diag, coef, nb };
}

/** Channel c of −b: the weighted sum of the kept neighbours' values, per unknown. */
function fineRhs(level: Level, image: Float32Array, channels: number, c: number, b: Float64Array): void {
  const { height, width, n, pixel, index } = level;
  for (let i = 0; i < n; i++) {
    const p = pixel[i];
    const y = (p / width) | 0, x = p - y * width;
    let s = 0;
    for (let k = 0; k < 8; k++) {
      const yy = y + DY[k], xx = x + DX[k];
      if (yy < 0 || xx < 0 || yy >= height || xx >= width) continue;
      const q = yy * width + xx;
      if (index[q] < 0) s += WEIGHT[k] * image[q * channels + c];
    }
    b[i] = s;
  }
}

/** A level, the interpolation from the next coarser level to it, and that coarser level (or a direct solver). */
interface Hierarchy {
  level: Level;
  /** Up to 4 (coarse unknown, weight) pairs per unknown of `level`: value = Σ weight · coarse value (−1 ends the list). */
  pIndex?: Int32Array;
  pWeight?: Float64Array;
  coarse?: Hierarchy;
  /** Dense Cholesky factor of the coarsest level (lower triangle, row-major n×n). */
  chol?: Float64Array;
  /** This level's residual, and the coarse level's right-hand side and correction (V-cycle work arrays). */
  r?: Float64Array;
  rc?: Float64Array;
  ec?: Float64Array;
}

/** At or below this many unknowns a level is solved directly (dense Cholesky). */
const COARSEST = 100;

function buildHierarchy(level: Level): Hierarchy {
  if (level.n <= COARSEST) return { level, chol: cholesky(level) };
  const { height, width, n, pixel, index } = level;
  const ch = (height + 1) >> 1, cw = (width + 1) >> 1;
  // Coarse point (Y,X) sits on grid point (2Y,2X); it is an unknown when that point is one.
  const cIndex = new Int32Array(ch * cw).fill(-1);
  let cn = 0;
  for (let Y = 0; Y < ch; Y++) for (let X = 0; X < cw; X++) if (index[2 * Y * width + 2 * X] >= 0) cIndex[Y * cw + X] = cn++;
  if (cn === 0 || cn === n) return { level, chol: n <= 2000 ? cholesky(level) : undefined };
  const cPixel = new Int32Array(cn);
  for (let q = 0; q < ch * cw; q++) if (cIndex[q] >= 0) cPixel[cIndex[q]] = q;
  // Bilinear interpolation from the coarse unknowns; a kept coarse point contributes 0 (the error vanishes at a kept
  // pixel). A point past the last coarse row or column (even sizes) takes the last one whole: the image edge is a
  // natural (Neumann) boundary, where the interpolation must reproduce constants.
  const pIndex = new Int32Array(n * 4).fill(-1);
  const pWeight = new Float64Array(n * 4);
  for (let i = 0; i < n; i++) {
    const p = pixel[i];
    const y = (p / width) | 0, x = p - y * width;
    const y0 = y >> 1, x0 = x >> 1;
    const twoY = (y & 1) === 1 && y0 + 1 < ch, twoX = (x & 1) === 1 && x0 + 1 < cw;
    const w = (twoY ? 0.5 : 1) * (twoX ? 0.5 : 1);
    let s = 0;
    for (let a = 0; a <= (twoY ? 1 : 0); a++) {
      for (let c = 0; c <= (twoX ? 1 : 0); c++) {
        const J = cIndex[(y0 + a) * cw + x0 + c];
        if (J < 0) continue;
        pIndex[i * 4 + s] = J;
        pWeight[i * 4 + s] = w;
        s++;
      }
    }
  }
  // Galerkin coarse operator Pᵀ M P: again a 9-point stencil (bilinear interpolation of a 9-point stencil).
  const cDiag = new Float64Array(cn), cCoef = new Float64Array(cn * 8);
  const cY = new Int32Array(cn), cX = new Int32Array(cn);
  for (let I = 0; I < cn; I++) { cY[I] = (cPixel[I] / cw) | 0; cX[I] = cPixel[I] - cY[I] * cw; }
  const { diag, coef, nb } = level;
  for (let i = 0; i < n; i++) {
    for (let a = 0; a < 4; a++) {
      const I = pIndex[i * 4 + a];
      if (I < 0) break;
      const pa = pWeight[i * 4 + a];
      const slotBase = 4 - cY[I] * 3 - cX[I]; // SLOT index of J is (YJ − YI + 1)·3 + (XJ − XI + 1)
      for (let t = -1; t < 8; t++) {
        const j = t < 0 ? i : nb[i * 8 + t];
        if (j < 0) continue;
        const v = pa * (t < 0 ? diag[i] : coef[i * 8 + t]);
        for (let b = 0; b < 4; b++) {
          const J = pIndex[j * 4 + b];
          if (J < 0) break;
          if (J === I) cDiag[I] += v * pWeight[j * 4 + b];
          else cCoef[I * 8 + SLOT[slotBase + cY[J] * 3 + cX[J]]] += v * pWeight[j * 4 + b];
        }
      }
    }
  }
  const cNb = neighbours(ch, cw, cIndex, cPixel, cn);
  const coarse: Level = { height: ch, width: cw, n: cn, pixel: cPixel, index: cIndex, diag: cDiag, coef: cCoef, nb: cNb };
  return { level, pIndex, pWeight, coarse: buildHierarchy(coarse), r: new Float64Array(n), rc: new Float64Array(cn), ec: new Float64Array(cn) };
}

/** Dense Cholesky factor of a small level's matrix; undefined if it is not positive definite (then smoothing only). */
function cholesky(level: Level): Float64Array | undefined {
  const { n, diag, coef, nb } = level;
  const a = new Float64Array(n * n);
  for (let i = 0; i < n; i++) {
    a[i * n + i] = diag[i];
    for (let k = 0; k < 8; k++) if (nb[i * 8 + k] >= 0) a[i * n + nb[i * 8 + k]] += coef[i * 8 + k];
  }
  for (let j = 0; j < n; j++) {
    let d = a[j * n + j];
    for (let k = 0; k < j; k++) d -= a[j * n + k] * a[j * n + k];
    if (!(d > 0)) return undefined;
    const l = Math.sqrt(d);
    a[j * n + j] = l;
    for (let i = j + 1; i < n; i++) {
      let s = a[i * n + j];
      for (let k = 0; k < j; k++) s -= a[i * n + k] * a[j * n + k];
      a[i * n + j] = s / l;
    }
  }
  return a;
}

function choleskySolve(l: Float64Array, n: number, b: Float64Array, x: Float64Array): void {
  for (let i = 0; i < n; i++) {
    let s = b[i];
    for (let k = 0; k < i; k++) s -= l[i * n + k] * x[k];
    x[i] = s / l[i * n + i];
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = x[i];
    for (let k = i + 1; k < n; k++) s -= l[k * n + i] * x[k];
    x[i] = s / l[i * n + i];
  }
}

/** y = M x. */
function apply(level: Level, x: Float64Array, y: Float64Array): void {
  const { n, diag, coef, nb } = level;
  for (let i = 0; i < n; i++) {
    let s = diag[i] * x[i];
    const o = i * 8;
    for (let k = 0; k < 8; k++) {
      const j = nb[o + k];
      if (j >= 0) s += coef[o + k] * x[j];
    }
    y[i] = s;
  }
}

/** One Gauss–Seidel sweep on M x = b, forward or backward. */
function gaussSeidel(level: Level, b: Float64Array, x: Float64Array, backward: boolean): void {
  const { n, diag, coef, nb } = level;
  for (let s = 0; s < n; s++) {
    const i = backward ? n - 1 - s : s;
    let r = b[i];
    const o = i * 8;
    for (let k = 0; k < 8; k++) {
      const j = nb[o + k];
      if (j >= 0) r -= coef[o + k] * x[j];
    }
    x[i] = r / diag[i];
  }
}

/**
 * x ≈ M⁻¹ b by one V-cycle from x = 0: forward Gauss–Seidel, the coarse correction (restriction = interpolationᵀ),
 * backward Gauss–Seidel, a direct solve on the coarsest level — a symmetric positive definite operator, so PCG may
 * use it as its preconditioner.
 */
function vCycle(h: Hierarchy, b: Float64Array, x: Float64Array): void {
  const level = h.level;
  x.fill(0);
  if (h.chol) { choleskySolve(h.chol, level.n, b, x); return; }
  gaussSeidel(level, b, x, false);
  if (h.coarse) {
    const { pIndex, pWeight } = h;
    const r = h.r!, rc = h.rc!, ec = h.ec!;
    apply(level, x, r);
    rc.fill(0);
    for (let i = 0; i < level.n; i++) {
      const ri = b[i] - r[i];
      for (let a = 0; a < 4; a++) {
        const I = pIndex![i * 4 + a];
        if (I < 0) break;
        rc[I] += pWeight![i * 4 + a] * ri;
      }
    }
    vCycle(h.coarse, rc, ec);
    for (let i = 0; i < level.n; i++) {
      let e = 0;
      for (let a = 0; a < 4; a++) {
        const I = pIndex![i * 4 + a];
        if (I < 0) break;
        e += pWeight![i * 4 + a] * ec[I];
      }
      x[i] += e;
    }
  }
  gaussSeidel(level, b, x, true);
}

interface PcgWork { r: Float64Array; z: Float64Array; p: Float64Array; q: Float64Array }

function pcgWork(n: number): PcgWork {
  return { r: new Float64Array(n), z: new Float64Array(n), p: new Float64Array(n), q: new Float64Array(n) };
}

/** Multigrid-preconditioned conjugate gradient on M x = b from x = 0 (x is overwritten). */
function pcg(h: Hierarchy, b: Float64Array, x: Float64Array, w: PcgWork, tolerance: number, maxIterations: number): { iterations: number; residual: number } {
  const level = h.level;
  const { r, z, p, q } = w;
  const n = level.n;
  x.fill(0);
  r.set(b);
  const bNorm = Math.sqrt(dot(b, b, n));
  if (bNorm === 0) return { iterations: 0, residual: 0 };
  vCycle(h, r, z);
  p.set(z);
  let rz = dot(r, z, n);
  let residual = 1;
  let iterations = 0;
  while (iterations < maxIterations && residual > tolerance) {
    iterations++;
    apply(level, p, q);
    const pq = dot(p, q, n);
    if (!(pq > 0)) break;
    const alpha = rz / pq;
    for (let i = 0; i < n; i++) { x[i] += alpha * p[i]; r[i] -= alpha * q[i]; }
    residual = Math.sqrt(dot(r, r, n)) / bNorm;
    if (residual <= tolerance) break;
    vCycle(h, r, z);
    const next = dot(r, z, n);
    const beta = next / rz;
    rz = next;
    for (let i = 0; i < n; i++) p[i] = z[i] + beta * p[i];
  }
  return { iterations, residual };
}

function dot(a: Float64Array, b: Float64Array, n: number): number {
  let s = 0;
  for (let i = 0; i < n; i++) s += a[i] * b[i];
  return s;
}
