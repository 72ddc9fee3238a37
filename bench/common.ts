// One row of `npm run bench`'s table (also written as JSON under bench/results/).
export interface BenchRow {
  engine: string; // e.g. "bertlab tokenizer", "tfjs-wasm", "onnx", "pytorch"
  workload: string; // e.g. "tokenize single", "bert-base forward"
  shape: string; // e.g. "b1 s128", "1000 texts"
  threads: number;
  median_ms: number | null; // null: the engine is missing on this machine
  /** this engine's time divided by the peer's (e.g. PyTorch, Rust tokenizers); null when no peer ran. */
  ratio: number | null;
  peer: string | null;
  note?: string;
  extra?: Record<string, number | string>;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2;
}

/** Cosine similarity of two equally long vectors (int8 vs fp32 outputs). */
export function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, na = 0, nb = 0;
  for (let i = 0; i < a.length; i++) {
    d += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return d / Math.sqrt(na * nb);
}
