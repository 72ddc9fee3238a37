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
