// Input helpers shared by the builders: tensor → plain arrays, shape checks with clear errors,
// softmax / sigmoid, Python-style percent rounding, token-label expressions.

/** Anything with tfjs's `arraySync` (a tf.Tensor), converted locally so plots never hold tensors. */
export interface TensorLike { arraySync(): unknown; shape: number[] }

export type Numeric1D = number[] | Float32Array | Float64Array | TensorLike;
export type Numeric2D = number[][] | TensorLike;

export function is_tensor_like(x: unknown): x is TensorLike {
  return typeof x === "object" && x !== null && typeof (x as TensorLike).arraySync === "function" && Array.isArray((x as TensorLike).shape);
}

/** Converts tensors and typed arrays to nested plain arrays (recursively). */
export function to_plain(x: unknown): unknown {
  if (is_tensor_like(x)) return x.arraySync();
  if (ArrayBuffer.isView(x) && !(x instanceof DataView)) return Array.from(x as unknown as ArrayLike<number>);
  if (Array.isArray(x)) return x.map(to_plain);
  return x;
}

/** Nesting depth of a plain array (depth of its first elements): 1 for number[], 2 for number[][]... */
export function depth(x: unknown): number {
  let d = 0;
  let cur = x;
  while (Array.isArray(cur)) {
    d++;
    cur = cur[0];
  }
  return d;
}

export function describe_shape(x: unknown): string {
  const dims: number[] = [];
  let cur = x;
  while (Array.isArray(cur)) {
    dims.push(cur.length);
    cur = cur[0];
  }
  return dims.length ? `[${dims.join(", ")}]` : typeof x;
}

export function vector(x: unknown, name: string): number[] {
  let v = to_plain(x);
  // Accept a leading batch axis of size 1 ([1, n]), as HF outputs (start_logits) have one.
  if (depth(v) === 2 && (v as unknown[]).length === 1) v = (v as unknown[])[0];
  if (!Array.isArray(v) || v.some((e) => typeof e !== "number")) {
    throw new Error(`${name}: expected a 1-D array of numbers, got shape ${describe_shape(v)}`);
  }
  return v as number[];
}

export function matrix(x: unknown, name: string): number[][] {
  let m = to_plain(x);
  // Accept a leading batch axis of size 1 ([1, rows, cols]) as HF outputs have one.
  if (depth(m) === 3 && (m as unknown[]).length === 1) m = (m as unknown[])[0];
  if (!Array.isArray(m) || depth(m) !== 2) throw new Error(`${name}: expected a 2-D array [rows, cols], got shape ${describe_shape(m)}`);
  const rows = m as number[][];
  const cols = rows[0]?.length ?? 0;
  rows.forEach((r, i) => {
    if (!Array.isArray(r) || r.length !== cols) throw new Error(`${name}: row ${i} has ${Array.isArray(r) ? r.length : "no"} values, expected ${cols} (ragged array)`);
  });
  return rows;
}

export function check_finite(values: number[], name: string): void {
  const i = values.findIndex((v) => !Number.isFinite(v));
  if (i >= 0) throw new Error(`${name}: value at index ${i} is ${values[i]}, expected a finite number`);
}

export function softmax(row: number[]): number[] {
  const max = Math.max(...row);
  const e = row.map((v) => Math.exp(v - max));
  const s = e.reduce((a, b) => a + b, 0);
  return e.map((v) => v / s);
}

export function sigmoid(v: number): number {
  return 1 / (1 + Math.exp(-v));
}

export type ScoreFunction = "softmax" | "sigmoid" | "none";

/** Applies a pipeline-style `function_to_apply` to one row of logits. */
export function apply_function(row: number[], fn: ScoreFunction): number[] {
  if (fn === "softmax") return softmax(row);
  if (fn === "sigmoid") return row.map(sigmoid);
  if (fn === "none") return row.slice();
  throw new Error(`function_to_apply '${fn}' is not known; expected softmax, sigmoid or none`);
}

/** Python's round() (half to even), so `percent(0.105)` prints like the seed's `int(round(p * 100))`. */
export function py_round(x: number): number {
  const r = Math.round(x);
  return Math.abs(x % 1) === 0.5 && r % 2 !== 0 ? r - 1 : r;
}

export function percent(p: number): string {
  return `${py_round(p * 100)}%`;
}

/**
 * A value (string, number, array of them) as a literal in a vega expression. Strings are JSON with U+2028 /
 * U+2029 escaped (vega's expression parser, like ES5, ends a string literal at them: "Unexpected token
 * ILLEGAL"); a string that names an Object.prototype member ("constructor", "toString", "__proto__"...) is
 * written as a concatenation ("c" + "onstructor"): vega fails on such a literal ("Operator not defined").
 */
export function vega_literal(value: unknown): string {
  // Array.from visits holes (map skips them, and `[,"a"]` is not a vega expression); undefined is null, as in JSON
  if (Array.isArray(value)) return `[${Array.from(value, vega_literal).join(",")}]`;
  if (typeof value !== "string") return JSON.stringify(value) ?? "null";
  const lit = (t: string) => JSON.stringify(t).replace(/[\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16)}`);
  return value.length > 1 && value in {} ? `(${lit(value[0])} + ${lit(value.slice(1))})` : lit(value);
}

/** A field or axis title of any text: vega-lite copies titles unescaped into expressions (aria descriptions), so U+2028 / U+2029 become spaces. */
export function safe_title(title: string): string {
  return title.replace(/[\u2028\u2029]/g, " ");
}

/** A vega expression that maps an integer axis value to its token label (tokens may repeat, e.g. [SEP]). */
export function label_expr(labels: string[]): string {
  return `${vega_literal(labels)}[datum.value]`;
}

/**
 * The index of each value in `order` as a numeric field, for sorting by it: vega-lite's `sort: [..names]`
 * breaks when a name is an Object.prototype member (`constructor`, `toString`: "Operator not defined"), so
 * charts sort nominal fields of user text with `{ field: <name>_order, op: "min" }` instead.
 */
export function order_index(order: string[]): (value: string) => number {
  const at = new Map<string, number>();
  order.forEach((v, i) => at.has(v) || at.set(v, i));
  return (value) => at.get(value) ?? order.length;
}

export function check_labels(labels: unknown, n: number, name: string): string[] {
  if (!Array.isArray(labels) || labels.some((l) => typeof l !== "string")) throw new Error(`${name}: expected an array of strings`);
  if (labels.length !== n) throw new Error(`${name}: got ${labels.length} labels for ${n} values`);
  return labels as string[];
}

export function range(n: number): number[] {
  return Array.from({ length: n }, (_, i) => i);
}

export function argmax(row: number[]): number {
  let best = 0;
  for (let i = 1; i < row.length; i++) if (row[i] > row[best]) best = i;
  return best;
}

/** Short number for legend labels: 1e-7, 0.5, 2e-5. */
export function short_number(v: number): string {
  if (v !== 0 && (Math.abs(v) < 1e-3 || Math.abs(v) >= 1e5)) return v.toExponential().replace(/\.?0+e/, "e").replace("e+", "e");
  return String(Number(v.toPrecision(6)));
}

/** Splits a label into lines of at most `width` characters at spaces (a longer word stays whole): never cut. */
export function wrap_label(label: string, width = 30): string[] {
  const lines: string[] = [];
  let cur = "";
  for (const word of label.split(/\s+/).filter(Boolean)) {
    if (cur && cur.length + 1 + word.length > width) {
      lines.push(cur);
      cur = word;
    } else cur = cur ? `${cur} ${word}` : word;
  }
  if (cur || lines.length === 0) lines.push(cur);
  return lines;
}

/**
 * An axis `labelExpr` drawing long labels on several lines (vega draws an array of strings as lines), so axis
 * labels are wrapped, not cut with "…". Labels that fit stay as they are.
 */
export function wrapped_label_expr(labels: string[], width = 30): string | undefined {
  const long = labels.filter((l) => wrap_label(l, width).length > 1);
  if (long.length === 0) return undefined;
  // two arrays and indexof, not an object: a label named "constructor" must not find Object's constructor
  return `indexof(${vega_literal(long)}, datum.value) >= 0 ? ${vega_literal(long.map((l) => wrap_label(l, width)))}[indexof(${vega_literal(long)}, datum.value)] : datum.label`;
}
