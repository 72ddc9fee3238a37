// The score functions and small numeric helpers the pipelines share (numpy's, in float64 on
// float32 logits; results are rounded to float32 as the Python pipelines return them).

/** Rounds to the nearest float32, as the Python pipelines' numpy/torch float32 scores. */
export const f32 = Math.fround;

/** softmax over one row (max-shifted, as transformers' pipelines). */
export function softmax(row: ArrayLike<number>): number[] {
  let max = -Infinity;
  for (let i = 0; i < row.length; i++) if (row[i] > max) max = row[i];
  const e = new Array<number>(row.length);
  let sum = 0;
  for (let i = 0; i < row.length; i++) sum += e[i] = Math.exp(row[i] - max);
  for (let i = 0; i < row.length; i++) e[i] /= sum;
  return e;
}

/** 1 / (1 + exp(-x)) per value. */
export function sigmoid(row: ArrayLike<number>): number[] {
  return Array.from(row, (x) => 1 / (1 + Math.exp(-x)));
}

/** Index of the first maximum (numpy's argmax). */
export function argmax(row: ArrayLike<number>): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/** Indices of the k largest values, largest first (ties: lower index first). */
export function topk_indices(values: ArrayLike<number>, k: number): number[] {
  const idx = Array.from({ length: values.length }, (_, i) => i);
  if (k >= values.length) return idx.sort((a, b) => values[b] - values[a] || a - b);
  // Partial selection: keep a small sorted list of the best k.
  const best: number[] = [];
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (best.length === k && v <= values[best[k - 1]]) continue;
    let j = best.length;
    while (j > 0 && values[best[j - 1]] < v) j--;
    best.splice(j, 0, i);
    if (best.length > k) best.pop();
  }
  return best;
}

/** A readable description of a bad argument for error messages. */
export function describe(v: unknown): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (Array.isArray(v)) return `an array of ${v.length}`;
  if (typeof v === "string") return JSON.stringify(v.length > 60 ? v.slice(0, 57) + "..." : v);
  if (typeof v === "object") return `an object with keys ${JSON.stringify(Object.keys(v as object))}`;
  return `${typeof v} ${String(v)}`;
}

/** Throws unless v is an integer >= min (named `name` in the message). */
export function check_int(name: string, v: unknown, min: number): number {
  if (typeof v !== "number" || !Number.isInteger(v) || v < min) {
    throw new TypeError(`${name} must be an integer >= ${min}, got ${describe(v)}`);
  }
  return v;
}
