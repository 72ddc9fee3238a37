// How a Dataset shows as a cell's value: datasets' own repr as text, plus an HTML table of its first rows.
import { escape_html } from "../utils/displayable";
import type { Dataset } from "./dataset";

/** `Dataset({\n    features: ['text', 'label'],\n    num_rows: 100\n})`, as datasets prints it. */
export function dataset_repr(ds: Dataset): string {
  return `Dataset({\n    features: [${ds.column_names.map((c) => `'${c}'`).join(", ")}],\n    num_rows: ${ds.num_rows}\n})`;
}

function cell_text(v: unknown, max = 80): string {
  const s = typeof v === "string" ? v : JSON.stringify(v) ?? "null";
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
}

/** The repr in a <pre>, then a table of the first `rows` rows (long cells cut at 80 characters). */
export function dataset_html(ds: Dataset, rows = 5): string {
  const names = ds.column_names;
  const n = Math.min(rows, ds.num_rows);
  const head = names.map((c) => `<th>${escape_html(c)}</th>`).join("");
  const body: string[] = [];
  for (let i = 0; i < n; i++) {
    const cells = names.map((c) => `<td>${escape_html(cell_text(ds._columns[c][i]))}</td>`).join("");
    body.push(`<tr><th>${i}</th>${cells}</tr>`);
  }
  const more = ds.num_rows > n ? `<p style="color:#666;margin:2px 0">first ${n} of ${ds.num_rows} rows</p>` : "";
  return `<pre>${escape_html(dataset_repr(ds))}</pre><table class="bertlab-dataset"><thead><tr><th></th>${head}</tr></thead><tbody>${body.join("")}</tbody></table>${more}`;
}
