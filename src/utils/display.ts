// Rich display of bertlab's values in notebooks, by the convention of Deno's Jupyter kernel (displayable.ts:
// a `[Symbol.for("Jupyter.display")]()` method returning a MIME bundle such as `{ "text/plain": ...,
// "text/html": ... }`). Here: tensors (torch-style text + a small HTML table) and model output records (a summary of
// their fields and shapes). The method is always non-enumerable, so spreading, printing and disposing a
// value see the same keys as before.
import { tf } from "../backend";
import { format_tensor, value_formatter } from "./format";
import { JUPYTER_DISPLAY, MimeBundle, escape_html, set_display } from "./displayable";

export { JUPYTER_DISPLAY, is_displayable, set_display, escape_html } from "./displayable";
export type { MimeBundle, Displayable } from "./displayable";

const TABLE_STYLE = "border-collapse:collapse;font-family:monospace;font-size:12px";
const CELL = "padding:1px 6px;border:1px solid #ddd;text-align:right";
const HEAD = "padding:1px 6px;border:1px solid #ddd;background:#f4f4f4;color:#555;text-align:right";
/** Rows/columns shown in an HTML table before the middle is elided (first and last HTML_EDGE kept). */
const HTML_MAX = 12;
const HTML_EDGE = 5;

/** Indices kept along a dim of length n for a table; -1 marks the elided middle. */
function table_indices(n: number): number[] {
  if (n <= HTML_MAX) return Array.from({ length: n }, (_, i) => i);
  return [...Array.from({ length: HTML_EDGE }, (_, i) => i), -1, ...Array.from({ length: HTML_EDGE }, (_, i) => n - HTML_EDGE + i)];
}

/** `<table>` of a [rows, cols] grid given as a cell function, with index headers and elided middles. */
export function html_grid(rows: number, cols: number, cell: (r: number, c: number) => string, row_label = (r: number) => String(r), col_label = (c: number) => String(c)): string {
  const ri = table_indices(rows), ci = table_indices(cols);
  const head = `<tr><th style="${HEAD}"></th>${ci.map((c) => `<th style="${HEAD}">${c < 0 ? "…" : escape_html(col_label(c))}</th>`).join("")}</tr>`;
  const body = ri.map((r) => `<tr><th style="${HEAD}">${r < 0 ? "⋮" : escape_html(row_label(r))}</th>`
    + ci.map((c) => `<td style="${CELL}">${r < 0 || c < 0 ? (r < 0 && c < 0 ? "⋱" : r < 0 ? "⋮" : "…") : escape_html(cell(r, c))}</td>`).join("") + "</tr>").join("");
  return `<table style="${TABLE_STYLE}">${head}${body}</table>`;
}

function shape_text(t: tf.Tensor): string {
  return `[${t.shape.join(", ")}]`;
}

/** A tensor's bundle: torch's print as text/plain; shape, dtype and a small table (≤ 2-D) as text/html. */
export function tensor_bundle(t: tf.Tensor): MimeBundle {
  const text = format_tensor(t);
  const caption = `<div style="font-family:monospace;font-size:12px;color:#555">tensor · shape ${shape_text(t)} · ${t.dtype}</div>`;
  if (t.isDisposed || t.rank > 2 || t.size === 0) {
    return { "text/plain": text, "text/html": `${caption}<pre>${escape_html(text)}</pre>` };
  }
  const data = Array.from(t.dataSync() as ArrayLike<number | string>, (v) => (t.dtype === "bool" ? v !== 0 : v));
  const [rows, cols] = t.rank === 2 ? t.shape : [1, t.rank === 1 ? t.shape[0] : 1];
  const shown = table_indices(rows).filter((r) => r >= 0).flatMap((r) => table_indices(cols).filter((c) => c >= 0).map((c) => data[r * cols + c]));
  const fmt = value_formatter(shown, t.dtype);
  const grid = html_grid(rows, cols, (r, c) => fmt(data[r * cols + c]), t.rank === 2 ? String : () => "");
  return { "text/plain": text, "text/html": `${caption}${grid}` };
}

let installed = false;

/** Installs the Jupyter.display method on tf.Tensor.prototype (non-enumerable). Idempotent. */
export function install_tensor_display(): void {
  if (installed) return;
  installed = true;
  set_display(tf.Tensor.prototype, function (this: tf.Tensor) {
    return tensor_bundle(this);
  });
}

/** One line per field: name, dtype and shape (lists of tensors as `n × …`), small tensors' values inline. */
function describe_field(v: unknown): { kind: string; value: string } {
  if (v instanceof tf.Tensor) {
    const small = !v.isDisposed && v.size <= 8;
    return { kind: `${v.dtype} ${shape_text(v)}`, value: small ? format_tensor(v).replace(/\s*\n\s*/g, " ") : "" };
  }
  if (Array.isArray(v) && v.length > 0 && v.every((x) => x instanceof tf.Tensor)) {
    const first = v[0] as tf.Tensor;
    const same = v.every((x) => (x as tf.Tensor).dtype === first.dtype && shape_text(x as tf.Tensor) === shape_text(first));
    return { kind: same ? `${v.length} × ${first.dtype} ${shape_text(first)}` : `${v.length} tensors`, value: "" };
  }
  if (Array.isArray(v)) return { kind: `list of ${v.length}`, value: "" };
  if (v === null || v === undefined) return { kind: String(v), value: "" };
  return { kind: typeof v, value: typeof v === "object" ? "" : String(v) };
}

/**
 * A model output record's bundle: a summary of its fields (dtype, shape; values of tensors of ≤ 8 elements).
 * `name` heads it, e.g. "BertForPreTraining output"; `engine` says which engine ran the forward.
 */
export function output_bundle(record: object, name: string, engine?: string | null): MimeBundle {
  const fields = Object.entries(record).filter(([, v]) => v !== undefined).map(([k, v]) => ({ key: k, ...describe_field(v) }));
  const head = `${name}${engine ? ` (engine: ${engine})` : ""}`;
  const kw = Math.max(0, ...fields.map((f) => f.key.length)), tw = Math.max(0, ...fields.map((f) => f.kind.length));
  const text = [head, ...fields.map((f) => `  ${f.key.padEnd(kw)}  ${f.value ? `${f.kind.padEnd(tw)}  ${f.value}` : f.kind}`)].join("\n");
  const rows = fields.map((f) => `<tr><td style="${CELL};text-align:left">${escape_html(f.key)}</td><td style="${CELL};text-align:left">${escape_html(f.kind)}</td>`
    + `<td style="${CELL};text-align:left">${escape_html(f.value)}</td></tr>`).join("");
  const html = `<div style="font-family:monospace;font-size:12px;color:#555">${escape_html(head)}</div>`
    + `<table style="${TABLE_STYLE}"><tr><th style="${HEAD};text-align:left">field</th><th style="${HEAD};text-align:left">dtype · shape</th><th style="${HEAD};text-align:left">value</th></tr>${rows}</table>`;
  return { "text/plain": text, "text/html": html };
}

/** Marks a model output record as displayable (the summary above), without changing its enumerable keys. */
export function set_output_display<T extends object>(record: T, name: string): T {
  return set_display(record, function (this: T) {
    return output_bundle(this, name, (this as { engine?: string | null }).engine);
  });
}
