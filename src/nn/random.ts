// Seedable random numbers for weight init and dropout. One global generator (like torch.manual_seed)
// plus `Generator` instances for code that wants its own stream. Deterministic across backends:
// init values are made in JavaScript, not by a tfjs kernel.

/** mulberry32: small, fast, 32-bit state; good enough for init and dropout masks. */
export class Generator {
  private state: number;
  private spare: number | null = null;

  constructor(seed = 0) {
    this.state = seed >>> 0;
  }

  manual_seed(seed: number): this {
    if (!Number.isFinite(seed)) throw new Error(`manual_seed: expected a finite number, got ${seed}`);
    this.state = Math.floor(seed) >>> 0;
    this.spare = null;
    return this;
  }

  /** Uniform in [0, 1). */
  uniform(): number {
    let t = (this.state = (this.state + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }

  /** Standard normal (Box–Muller, both values used). */
  normal(): number {
    if (this.spare !== null) {
      const s = this.spare;
      this.spare = null;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.uniform();
    const v = this.uniform();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  /** A 31-bit integer, e.g. a seed for a tfjs random op. */
  int(): number {
    return Math.floor(this.uniform() * 2147483647);
  }

  /** n samples of normal(mean, std) as float32 (Marsaglia's polar method: no trigonometry, fast for big tables). */
  normal_array(n: number, mean = 0, std = 1): Float32Array {
    const out = new Float32Array(n);
    let i = 0;
    if (this.spare !== null && n > 0) {
      out[i++] = mean + std * this.spare;
      this.spare = null;
    }
    while (i < n) {
      let u: number;
      let v: number;
      let s: number;
      do {
        u = 2 * this.uniform() - 1;
        v = 2 * this.uniform() - 1;
        s = u * u + v * v;
      } while (s >= 1 || s === 0);
      const f = Math.sqrt((-2 * Math.log(s)) / s);
      out[i++] = mean + std * u * f;
      if (i < n) out[i++] = mean + std * v * f;
      else this.spare = v * f;
    }
    return out;
  }
}

/** The default generator used by weight init and dropout when none is given. */
export const default_generator = new Generator(0);

/** Seeds the default generator (init of new weights, dropout masks), like torch.manual_seed. */
export function manual_seed(seed: number): void {
  default_generator.manual_seed(seed);
}
