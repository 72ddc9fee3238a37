// The one seedable, serialisable random number generator of bertlab: weight init and dropout
// (src/nn), data shuffling, MLM masking and NSP pairing (src/training). The algorithm is
// xoshiro128** (Blackman & Vigna, 2018) seeded through splitmix32, so a seed gives the same stream
// on every platform, and `get_state()` / `set_state()` let a checkpoint resume the stream exactly.
// Names follow torch: `new Generator().manual_seed(s)`, `get_state`, `set_state`, `randint`, `randperm`.

/** What `Generator.get_state()` returns: plain JSON, written into rng_state.json by checkpoints. */
export interface GeneratorState {
  algorithm: "xoshiro128**";
  /** The four 32-bit words of xoshiro128** state, as unsigned integers. */
  s: [number, number, number, number];
  /** The seed this stream started from (for information). */
  seed: number;
}

function splitmix32(x: number): () => number {
  let state = x >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/**
 * A seedable random generator (Python: `torch.Generator`): uniform and normal draws, its state saved with checkpoints.
 * @example
 * ```ts
 * const g = new Generator(42); g.random()
 * ```
 */
export class Generator {
  private s = new Uint32Array(4);
  private initial_seed_ = 0;

  constructor(seed = 0) {
    this.manual_seed(seed);
  }

  /** Restarts the stream from `seed` (a finite number; non-integers and large values are hashed). Returns this. */
  manual_seed(seed: number): this {
    if (typeof seed !== "number" || !Number.isFinite(seed)) {
      throw new Error(`Generator.manual_seed: seed must be a finite number, got ${String(seed)}`);
    }
    // Mix both 32-bit halves of the seed so seeds above 2**32 still differ.
    const lo = seed >>> 0;
    const hi = Math.floor(Math.abs(seed) / 4294967296) >>> 0;
    const sm = splitmix32(lo ^ Math.imul(hi, 0x27d4eb2d) ^ (seed < 0 ? 0x5bd1e995 : 0));
    for (let i = 0; i < 4; i++) this.s[i] = sm();
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) this.s[0] = 1; // the all-zero state is a fixed point
    this.initial_seed_ = seed;
    return this;
  }

  initial_seed(): number {
    return this.initial_seed_;
  }

  /** Next raw 32-bit unsigned integer. */
  next_uint32(): number {
    const s = this.s;
    const result = Math.imul(rotl(Math.imul(s[1], 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1] << 9) >>> 0;
    s[2] ^= s[0];
    s[3] ^= s[1];
    s[1] ^= s[2];
    s[0] ^= s[3];
    s[2] ^= t;
    s[3] = rotl(s[3], 11);
    return result;
  }

  /** Uniform float in [0, 1) with 53 random bits (like Python's random.random()). */
  random(): number {
    const a = this.next_uint32() >>> 5; // 27 bits
    const b = this.next_uint32() >>> 6; // 26 bits
    return (a * 67108864 + b) / 9007199254740992;
  }

  /**
   * Uniform integer, torch style: `randint(high)` → [0, high), `randint(low, high)` → [low, high).
   * Unbiased (rejection sampling). Bounds must be integers with low < high ≤ low + 2**32.
   */
  randint(lowOrHigh: number, high?: number): number {
    const low = high === undefined ? 0 : lowOrHigh;
    const hi = high === undefined ? lowOrHigh : high;
    if (!Number.isInteger(low) || !Number.isInteger(hi) || hi <= low || hi - low > 4294967296) {
      throw new Error(`Generator.randint: expected integers low < high with high - low <= 2**32, got low=${low}, high=${hi}`);
    }
    const n = hi - low;
    if (n === 4294967296) return low + this.next_uint32();
    const limit = 4294967296 - (4294967296 % n); // largest multiple of n that fits
    let x: number;
    do x = this.next_uint32();
    while (x >= limit);
    return low + (x % n);
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    if (!(p >= 0 && p <= 1)) throw new Error(`Generator.bernoulli: p must be in [0, 1], got ${p}`);
    return this.random() < p;
  }

  /** Standard normal sample scaled to mean/std (Box–Muller; two uniforms per call, no cached spare). */
  normal(mean = 0, std = 1): number {
    let u = 0;
    while (u === 0) u = this.random();
    const v = this.random();
    return mean + std * Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
  }

  /** Fisher–Yates shuffle in place; returns the same array. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.randint(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** A random permutation of 0..n-1 (torch.randperm). */
  randperm(n: number): number[] {
    if (!Number.isInteger(n) || n < 0) throw new Error(`Generator.randperm: n must be a non-negative integer, got ${n}`);
    return this.shuffle(Array.from({ length: n }, (_, i) => i));
  }

  /** A fresh integer seed in [0, 2**31) — e.g. for `tf.dropout(x, rate, undefined, seed)` or tf initialisers. */
  seed_int(): number {
    return this.next_uint32() >>> 1;
  }

  /**
   * n samples of normal(mean, std) as float32 (Marsaglia's polar method: no trigonometry, fast for big
   * weight tables). Samples come in pairs and an odd last one is dropped, so the state stays four words.
   */
  normal_array(n: number, mean = 0, std = 1): Float32Array {
    const out = new Float32Array(n);
    let i = 0;
    while (i < n) {
      let u: number;
      let v: number;
      let s: number;
      do {
        u = 2 * this.random() - 1;
        v = 2 * this.random() - 1;
        s = u * u + v * v;
      } while (s >= 1 || s === 0);
      const f = Math.sqrt((-2 * Math.log(s)) / s);
      out[i++] = mean + std * u * f;
      if (i < n) out[i++] = mean + std * v * f;
    }
    return out;
  }

  get_state(): GeneratorState {
    return { algorithm: "xoshiro128**", s: [this.s[0], this.s[1], this.s[2], this.s[3]], seed: this.initial_seed_ };
  }

  set_state(state: GeneratorState): this {
    if (!state || state.algorithm !== "xoshiro128**" || !Array.isArray(state.s) || state.s.length !== 4) {
      throw new Error(`Generator.set_state: expected { algorithm: "xoshiro128**", s: [4 uint32] }, got ${JSON.stringify(state)}`);
    }
    for (let i = 0; i < 4; i++) {
      const w = state.s[i];
      if (!Number.isInteger(w) || w < 0 || w > 0xffffffff) throw new Error(`Generator.set_state: s[${i}]=${w} is not a uint32`);
      this.s[i] = w;
    }
    if ((this.s[0] | this.s[1] | this.s[2] | this.s[3]) === 0) throw new Error("Generator.set_state: the all-zero state is invalid for xoshiro128**");
    this.initial_seed_ = typeof state.seed === "number" ? state.seed : 0;
    return this;
  }

  /** An independent copy at the same position in the stream. */
  clone(): Generator {
    return new Generator().set_state(this.get_state());
  }
}
