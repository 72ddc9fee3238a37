// File readers for load_dataset: CSV (csv-parse), JSON and JSON Lines, text (one row per line) and Parquet
// (hyparquet), each to columns. Errors name the file and where: a malformed CSV row its line and column, a
// bad JSON line its number; a Parquet file whose magic bytes or footer do not fit its size is refused before
// anything is allocated for it.
import * as fs from "fs";
import { FileFormatError, open_regular_file, pread_exact, read_text_file, MAX_JSON_BYTES } from "../utils/read_file";
import { columns_from_rows, type Cell, type Columns, type Row } from "./features";

export type Builder = "csv" | "json" | "parquet" | "text";

const dynamic_import = new Function("s", "return import(s)") as (specifier: string) => Promise<any>;
let hyparquet: Promise<any> | undefined;
/** hyparquet is ESM-only: a real dynamic import (TypeScript's CommonJS output would turn import() into require). */
export function load_hyparquet(): Promise<any> {
  if (!hyparquet) {
    hyparquet = dynamic_import("hyparquet");
    hyparquet.catch(() => { hyparquet = undefined; });
  }
  return hyparquet;
}

/** The builder for a file name's extension (datasets' _EXTENSION_TO_MODULE), or null. */
export function builder_of(file: string): Builder | null {
  const m = /\.([a-z0-9]+)(\.(gz))?$/i.exec(file);
  const ext = m?.[1].toLowerCase();
  if (ext === "csv" || ext === "tsv") return "csv";
  if (ext === "json" || ext === "jsonl" || ext === "ndjson") return "json";
  if (ext === "parquet") return "parquet";
  if (ext === "txt" || ext === "text") return "text";
  return null;
}

const NUMBER_RE = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$|^[-+]?(inf|Infinity|nan|NaN)$/;

/** A CSV column's values: numbers when every non-empty field is one (as pandas), else strings; empty → null. */
export function type_csv_column(values: string[]): Cell[] {
  if (values.every((v) => v === "" || NUMBER_RE.test(v.trim()))) {
    return values.map((v) => (v === "" ? null : /nan/i.test(v) ? NaN : /inf/i.test(v) ? (v.trim().startsWith("-") ? -Infinity : Infinity) : Number(v)));
  }
  return values.map((v) => v);
}

export interface CsvOptions {
  /** Field separator (default ",", "\t" for .tsv). */
  sep?: string;
  delimiter?: string;
  /** Column names when the file has no header row. */
  column_names?: string[];
}

function csv_error(e: any, file: string, text: string, header: string[]): FileFormatError {
  // the line where the failing field starts (for a quote never closed, where it was opened)
  const line = typeof e.bytes === "number" ? text.slice(0, e.bytes).split("\n").length : e.lines;
  const field = typeof e.index === "number" ? e.index + 1 : undefined;
  const name = typeof e.index === "number" && header[e.index] !== undefined ? ` ('${header[e.index]}')` : "";
  let why = String(e.message).replace(/ at line \d+/, "").replace(/ on line \d+/, "");
  if (e.code === "CSV_RECORD_INCONSISTENT_FIELDS_LENGTH" || e.code === "CSV_RECORD_INCONSISTENT_COLUMNS") {
    const got: number = e.record?.length ?? 0;
    const extra = got > header.length ? `; field ${header.length + 1} has no column` : `; it lacks the column${header.length - got > 1 ? "s" : ""} ${header.slice(got).map((c) => `'${c}'`).join(", ")}`;
    return new FileFormatError(`${file}: line ${e.lines}: a row of ${got} fields under a header of ${header.length} columns ([${header.map((c) => `'${c}'`).join(", ")}])${extra}`, file);
  }
  if (e.code === "CSV_QUOTE_NOT_CLOSED") why = `a quoted field opened here is never closed (the file ends inside it)`;
  return new FileFormatError(`${file}: line ${line}, column ${field ?? "?"}${name}: ${why}`, file);
}

export function read_csv(file: string, options: CsvOptions = {}): Columns {
  const text = read_text_file(file, "CSV file", MAX_JSON_BYTES);
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parse } = require("csv-parse/sync") as typeof import("csv-parse/sync");
  const delimiter = options.sep ?? options.delimiter ?? (/\.tsv$/i.test(file) ? "\t" : ",");
  let records: string[][];
  try {
    records = parse(text, { delimiter, skip_empty_lines: true, bom: true, columns: false, relax_column_count: false }) as string[][];
  } catch (e) {
    let header: string[] = options.column_names ?? [];
    try {
      if (!options.column_names) header = (parse(text, { delimiter, bom: true, to_line: 1 }) as string[][])[0] ?? [];
    } catch {
      // the header itself is malformed: the error names the line
    }
    throw csv_error(e, file, text, header);
  }
  const header = options.column_names ?? records.shift() ?? [];
  const width = header.length;
  records.forEach((r, i) => {
    if (r.length !== width) {
      throw new FileFormatError(`${file}: row ${i + 1} (line ${i + (options.column_names ? 1 : 2)}) has ${r.length} fields, the header has ${width} ([${header.map((c) => `'${c}'`).join(", ")}])`, file);
    }
  });
  const dup = header.find((h, i) => header.indexOf(h) !== i);
  if (dup !== undefined) throw new FileFormatError(`${file}: the header names column '${dup}' twice`, file);
  const cols: Columns = {};
  header.forEach((h, j) => { cols[h] = type_csv_column(records.map((r) => r[j])); });
  return cols;
}

/** JSON Lines (one object per line), a JSON array of objects, or an object whose `field` holds the rows. */
export function read_json(file: string, options: { field?: string } = {}): Columns {
  const text = read_text_file(file, "JSON file", MAX_JSON_BYTES);
  const first = /\S/.exec(text)?.[0];
  // a whole-file JSON document (an array, or one object); anything else is read as JSON Lines
  let value: unknown;
  let whole = false;
  if (first === "[" || first === "{") {
    try {
      value = JSON.parse(text);
      whole = true;
    } catch (e) {
      if (first === "[") throw new FileFormatError(`${file} is not valid JSON: ${(e as Error).message}`, file);
    }
  }
  if (whole) {
    if (options.field !== undefined) {
      const inner = (value as Record<string, unknown>)?.[options.field];
      if (!Array.isArray(inner)) throw new FileFormatError(`${file}: field '${options.field}' is not an array of rows`, file);
      value = inner;
    }
    if (Array.isArray(value)) return columns_from_rows(value as Row[], file);
    const obj = value as Record<string, unknown>;
    if (Object.keys(obj).length && Object.values(obj).every(Array.isArray)) return obj as Columns; // { column: [values] }
    return columns_from_rows([obj as Row], file); // JSON Lines of one line
  }
  const rows: Row[] = [];
  const lines = text.split("\n");
  lines.forEach((line, i) => {
    if (line.trim() === "") return;
    try {
      rows.push(JSON.parse(line));
    } catch (e) {
      throw new FileFormatError(`${file}: line ${i + 1} is not valid JSON (${(e as Error).message}): ${line.slice(0, 80)}`, file);
    }
  });
  return columns_from_rows(rows, file);
}

/** One row per line (`{ text }`), line endings removed, empty lines kept (as datasets' text builder). */
export function read_text(file: string): Columns {
  const text = read_text_file(file, "text file", MAX_JSON_BYTES);
  const lines = text.split(/\r?\n/);
  if (lines.length && lines[lines.length - 1] === "") lines.pop();
  return { text: lines };
}

/** Checks a Parquet file's frame: PAR1 at both ends and a footer length that fits. Returns its size. */
export function check_parquet_frame(file: string): number {
  const { fd, size } = open_regular_file(file, "Parquet file");
  try {
    if (size < 12) throw new FileFormatError(`${file} is not a Parquet file: ${size} bytes is too short for the PAR1 magic bytes and a footer (truncated?)`, file);
    const head = Buffer.alloc(4), tail = Buffer.alloc(8);
    pread_exact(fd, head, 0, 4, 0, file);
    pread_exact(fd, tail, 0, 8, size - 8, file);
    if (head.toString("latin1") !== "PAR1") throw new FileFormatError(`${file} is not a Parquet file: it does not start with the PAR1 magic bytes`, file);
    if (tail.subarray(4).toString("latin1") !== "PAR1") throw new FileFormatError(`${file} is truncated or not a Parquet file: it does not end with the PAR1 magic bytes (${size} bytes)`, file);
    const footer = tail.readUInt32LE(0);
    if (footer + 12 > size) throw new FileFormatError(`${file} is truncated or corrupt: its footer claims ${footer} bytes of metadata, but the file has only ${size} bytes`, file);
    return size;
  } finally {
    fs.closeSync(fd);
  }
}

/** hyparquet's AsyncBuffer over a file, read with pread (nothing more than the slices asked for). */
export function parquet_source(file: string, size: number): { byteLength: number; slice(start: number, end?: number): Promise<ArrayBuffer>; close(): void } {
  const { fd } = open_regular_file(file, "Parquet file");
  return {
    byteLength: size,
    async slice(start: number, end = size) {
      if (start < 0 || end > size || end < start) throw new FileFormatError(`${file}: a read of bytes [${start}, ${end}) falls outside the file's ${size} bytes (corrupt metadata)`, file);
      const buf = new Uint8Array(end - start);
      pread_exact(fd, buf, 0, end - start, start, file);
      return buf.buffer;
    },
    close() { fs.closeSync(fd); },
  };
}

/** Plain JS values from hyparquet's (INT64 as bigint → number when exact). */
export function plain_parquet_value(v: unknown, file: string, column: string): Cell {
  if (typeof v === "bigint") {
    const n = Number(v);
    if (!Number.isSafeInteger(n)) throw new FileFormatError(`${file}: column '${column}' holds ${v}, beyond JavaScript's exact integers (±2^53)`, file);
    return n;
  }
  if (v instanceof Date) return v.toISOString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString("utf8");
  if (Array.isArray(v)) return v.map((x) => plain_parquet_value(x, file, column));
  if (v && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, plain_parquet_value(x, file, column)]));
  return v as Cell;
}

/** Row groups of a Parquet file: its metadata, and a reader of one group's rows as columns. */
export async function open_parquet(file: string): Promise<{ names: string[]; groups: number[]; read_group(g: number): Promise<Columns>; close(): void }> {
  const size = check_parquet_frame(file);
  const hp = await load_hyparquet();
  const source = parquet_source(file, size);
  let meta: any;
  try {
    meta = await hp.parquetMetadataAsync(source);
  } catch (e) {
    source.close();
    throw new FileFormatError(`${file}: cannot read its Parquet metadata (${(e as Error).message})`, file);
  }
  const children = hp.parquetSchema(meta).children;
  const names: string[] = children.map((c: any) => c.element.name);
  // JSON columns (how to_parquet stores lists and objects) come back parsed
  const json = new Set<string>(children.filter((c: any) => c.element.converted_type === "JSON" || c.element.logical_type?.type === "JSON").map((c: any) => c.element.name));
  const groups: number[] = meta.row_groups.map((g: any) => Number(g.num_rows));
  const starts = groups.map((_, i) => groups.slice(0, i).reduce((a, b) => a + b, 0));
  return {
    names, groups,
    async read_group(g: number): Promise<Columns> {
      let rows: Record<string, unknown>[];
      try {
        rows = await hp.parquetReadObjects({ file: source, metadata: meta, rowStart: starts[g], rowEnd: starts[g] + groups[g] });
      } catch (e) {
        throw new FileFormatError(`${file}: row group ${g} cannot be read (${(e as Error).message})`, file);
      }
      const cols: Columns = {};
      for (const n of names) {
        cols[n] = rows.map((r) => {
          const v = r[n];
          if (json.has(n) && typeof v === "string") {
            try {
              return JSON.parse(v) as Cell;
            } catch {
              throw new FileFormatError(`${file}: column '${n}' is marked JSON but holds ${v.slice(0, 40)}`, file);
            }
          }
          return plain_parquet_value(v, file, n);
        });
      }
      return cols;
    },
    close: () => source.close(),
  };
}

export async function read_parquet(file: string): Promise<Columns> {
  const pq = await open_parquet(file);
  try {
    const cols: Columns = Object.fromEntries(pq.names.map((n) => [n, [] as Cell[]]));
    for (let g = 0; g < pq.groups.length; g++) {
      const part = await pq.read_group(g);
      for (const n of pq.names) for (const v of part[n]) cols[n].push(v);
    }
    return cols;
  } finally {
    pq.close();
  }
}

export async function read_file_as(builder: Builder, file: string, options: CsvOptions & { field?: string }): Promise<Columns> {
  switch (builder) {
    case "csv": return read_csv(file, options);
    case "json": return read_json(file, options);
    case "text": return read_text(file);
    case "parquet": return read_parquet(file);
  }
}
