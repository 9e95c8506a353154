/**
 * One seeded PRNG for everything random in a run (split, sampler, augmentation), so a seed reproduces a run.
 * Generator: sfc32 (small, fast, passes PractRand), seeded by hashing a text key with cyrb128.
 * `fork(label)` derives a stream from the seed and the label only — not from how many numbers were drawn —
 * so adding a draw in one place (say, augmentation) never shifts another stream (say, the split).
 */
export interface Rng {
  /** Uniform in [0, 1). */
  next(): number;
  /** Uniform integer in [0, n). */
  int(n: number): number;
  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T>(a: T[]): T[];
  /** An independent stream derived from this stream's seed key and `label`. */
  fork(label: string): Rng;
}

export function createRng(seed: number): Rng {
  if (!Number.isFinite(seed)) throw new Error(`Random seed must be a finite number, got ${seed}.`);
  return rngFromKey(`seed:${seed}`);
}

function rngFromKey(key: string): Rng {
  const next = sfc32(...cyrb128(key));
  for (let i = 0; i < 12; i++) next(); // warm up: the first outputs of sfc32 still echo the seed
  const rng: Rng = {
    next,
    int(n: number): number {
      if (!Number.isInteger(n) || n <= 0) throw new Error(`rng.int(n) needs a positive integer, got ${n}.`);
      return Math.floor(next() * n);
    },
    shuffle<T>(a: T[]): T[] {
      for (let i = a.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const t = a[i];
        a[i] = a[j];
        a[j] = t;
      }
      return a;
    },
    fork: (label: string) => rngFromKey(`${key}/${label}`),
  };
  return rng;
}

/** 128-bit string hash (bryc's cyrb128), used only to spread a seed key over sfc32's four state words. */
function cyrb128(str: string): [number, number, number, number] {
  let h1 = 1779033703, h2 = 3144134277, h3 = 1013904242, h4 = 2773480762;
  for (let i = 0; i < str.length; i++) {
    const k = str.charCodeAt(i);
    h1 = h2 ^ Math.imul(h1 ^ k, 597399067);
    h2 = h3 ^ Math.imul(h2 ^ k, 2869860233);
    h3 = h4 ^ Math.imul(h3 ^ k, 951274213);
    h4 = h1 ^ Math.imul(h4 ^ k, 2716044179);
  }
  h1 = Math.imul(h3 ^ (h1 >>> 18), 597399067);
  h2 = Math.imul(h4 ^ (h2 >>> 22), 2869860233);
  h3 = Math.imul(h1 ^ (h3 >>> 17), 951274213);
  h4 = Math.imul(h2 ^ (h4 >>> 19), 2716044179);
  h1 ^= h2 ^ h3 ^ h4;
  h2 ^= h1;
  h3 ^= h1;
  h4 ^= h1;
  return [h1 >>> 0, h2 >>> 0, h3 >>> 0, h4 >>> 0];
}

function sfc32(a: number, b: number, c: number, d: number): () => number {
  return () => {
    a >>>= 0; b >>>= 0; c >>>= 0; d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return (t >>> 0) / 4294967296;
  };
}

/**
 * Run `fn` with Math.random drawn from `rng`. tfjs seeds its initialisers and dropout masks from Math.random
 * when a layer has no seed of its own, so this makes weight initialisation follow the run's seed too.
 */
export async function withMathRandom<T>(rng: Rng, fn: () => Promise<T>): Promise<T> {
  const original = Math.random;
  Math.random = rng.next;
  try {
    return await fn();
  } finally {
    Math.random = original;
  }
}

/** withMathRandom for a synchronous `fn` (a training step: its dropout masks then follow the run's seed). */
export function withMathRandomSync<T>(rng: Rng, fn: () => T): T {
  const original = Math.random;
  Math.random = rng.next;
  try {
    return fn();
  } finally {
    Math.random = original;
  }
}
