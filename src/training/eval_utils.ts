// Gathering predictions across evaluation batches (HF nested_concat with padding_index -100) and
// the small numeric helpers the Trainer's logs use.

/** A nested number array of any depth. */
export type Nested = number | Nested[];

function depth(x: Nested): number {
  return Array.isArray(x) ? 1 + (x.length ? depth(x[0]) : 0) : 0;
}

function padTo(x: Nested[], len: number, pad: number): Nested[] {
  if (x.length >= len) return x;
  const proto = x[0];
  const filler = (p: Nested): Nested => (Array.isArray(p) ? p.map(filler) : pad);
  return [...x, ...Array.from({ length: len - x.length }, () => (proto === undefined ? pad : filler(proto)))];
}

/** Concatenates along the batch axis; rows whose second axis differs (sequence length) are padded with `pad`. */
export function concat_padded(parts: Nested[][], pad = -100): Nested[] {
  if (parts.length === 0) return [];
  if (depth(parts[0] as Nested) < 2) return parts.flat();
  const maxLen = Math.max(...parts.map((p) => Math.max(0, ...p.map((row) => (Array.isArray(row) ? row.length : 0)))));
  return parts.flat().map((row) => (Array.isArray(row) ? padTo(row, maxLen, pad) : row));
}

/** Python's round(x, n) for logging (half-way cases differ only in the last printed digit). */
export function round_to(x: number, digits: number): number {
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

/** HF speed_metrics: `<split>_runtime`, `<split>_samples_per_second`, `<split>_steps_per_second`. */
export function speed_metrics(split: string, start_ms: number, num_samples?: number, num_steps?: number): Record<string, number> {
  const runtime = (performance.now() - start_ms) / 1000;
  const out: Record<string, number> = { [`${split}_runtime`]: round_to(runtime, 4) };
  if (num_samples !== undefined) out[`${split}_samples_per_second`] = round_to(num_samples / runtime, 3);
  if (num_steps !== undefined) out[`${split}_steps_per_second`] = round_to(num_steps / runtime, 3);
  return out;
}
