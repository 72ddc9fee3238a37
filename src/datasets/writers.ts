// A Dataset to a file, all or nothing (src/utils' atomic write: a temp file beside the target, one rename):
// JSON Lines (or a JSON array), CSV (csv-parse's quoting rules, written by hand: quote a field holding the
// separator, a quote or a line break) and Parquet (hyparquet-writer). A failed write leaves the old file.
import { writeFileAtomic } from "../utils/fs";
import type { Dataset } from "./dataset";
import type { Cell } from "./features";

const dynamic_import = new Function("s", "return import(s)") as (specifier: string) => Promise<any>;

/** JSON Lines by default (`lines: true`, as datasets); `lines: false` writes one JSON array. */
export async function write_json(ds: Dataset, file: string, options: { lines?: boolean } = {}): Promise<number> {
  const rows = ds.to_list();
  const text = options.lines === false ? JSON.stringify(rows) + "\n" : rows.map((r) => JSON.stringify(r)).join("\n") + (rows.length ? "\n" : "");
  await writeFileAtomic(file, text);
  return Buffer.byteLength(text);
}

function csv_field(v: Cell, sep: string): string {
  if (v === null || v === undefined) return "";
  const s = typeof v === "object" ? JSON.stringify(v) : String(v);
  return s.includes(sep) || /["\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export async function write_csv(ds: Dataset, file: string, options: { sep?: string } = {}): Promise<number> {
  const sep = options.sep ?? ",";
  const names = ds.column_names;
  const lines = [names.map((n) => csv_field(n, sep)).join(sep)];
  for (let i = 0; i < ds.num_rows; i++) lines.push(names.map((n) => csv_field(ds._columns[n][i], sep)).join(sep));
  const text = lines.join("\n") + "\n";
  await writeFileAtomic(file, text);
  return Buffer.byteLength(text);
}

/** Parquet: int64 columns as INT64 (bigint), floats as DOUBLE, strings, booleans; lists / objects as JSON-typed text (read back parsed). */
export async function write_parquet(ds: Dataset, file: string): Promise<number> {
  const { parquetWriteBuffer } = await dynamic_import("hyparquet-writer");
  const features = ds.features;
  const columnData = ds.column_names.map((name) => {
    const f = features[name];
    const values = ds._columns[name];
    if (f._type === "Value" && f.dtype === "int64") return { name, data: values.map((v) => (v === null ? null : BigInt(v as number))), type: "INT64" };
    if (f._type === "Value" && f.dtype === "float64") return { name, data: values, type: "DOUBLE" };
    if (f._type === "Value" && f.dtype === "bool") return { name, data: values, type: "BOOLEAN" };
    if (f._type === "Value" && (f.dtype === "string" || f.dtype === "null")) return { name, data: values, type: "STRING" };
    return { name, data: values.map((v) => (v === null ? null : JSON.stringify(v))), type: "JSON" };
  });
  const bytes = new Uint8Array(parquetWriteBuffer({ columnData }));
  await writeFileAtomic(file, bytes);
  return bytes.byteLength;
}
