// `load_dataset(..., { streaming: true })`: an IterableDataset that reads its files only while being iterated
// (CSV through csv-parse's stream parser, JSON Lines and text line by line, Parquet one row group at a time),
// so a file larger than memory loads. map / filter / take / skip / shuffle are lazy: they wrap the stream and
// run as rows are pulled (`for await (const row of ds)`), as datasets' IterableDataset.
import * as fs from "fs";
import * as readline from "readline";
import { set_display, escape_html } from "../utils/displayable";
import { FileFormatError, open_regular_file } from "../utils/read_file";
import { Generator as Rng } from "../utils/random";
import type { Cell, Row } from "./features";
import { builder_of, open_parquet, type Builder, type CsvOptions } from "./readers";
import type { MapOptions } from "./dataset";

type Source = () => AsyncIterable<Row>;

const NUMBER_RE = /^[-+]?(\d+(\.\d*)?|\.\d+)([eE][-+]?\d+)?$/;

/** A streamed CSV field: a number when it reads as one, null when empty, else the string. */
function csv_value(v: string): Cell {
  if (v === "") return null;
  return NUMBER_RE.test(v) ? Number(v) : v;
}

function check_file(file: string, what: string): void {
  const { fd } = open_regular_file(file, what); // refuses directories, FIFOs, devices; names a missing file
  fs.closeSync(fd);
}

async function* csv_rows(file: string, options: CsvOptions): AsyncIterable<Row> {
  check_file(file, "CSV file");
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { parse } = require("csv-parse") as typeof import("csv-parse");
  const delimiter = options.sep ?? options.delimiter ?? (/\.tsv$/i.test(file) ? "\t" : ",");
  const parser = fs.createReadStream(file, { highWaterMark: 1 << 16 }).pipe(parse({ delimiter, skip_empty_lines: true, bom: true }));
  let header: string[] | null = options.column_names ?? null;
  let line = header ? 0 : 1;
  try {
    for await (const rec of parser as AsyncIterable<string[]>) {
      if (!header) { header = rec; continue; }
      line = (parser as any).info?.lines ?? line + 1;
      if (rec.length !== header.length) throw new FileFormatError(`${file}: line ${line} has ${rec.length} fields, the header has ${header.length} ([${header.map((h) => `'${h}'`).join(", ")}])`, file);
      const row: Row = {};
      for (let j = 0; j < header.length; j++) row[header[j]] = csv_value(rec[j]);
      yield row;
    }
  } catch (e) {
    if (e instanceof FileFormatError) throw e;
    const err = e as any;
    const col = typeof err.index === "number" ? `, column ${err.index + 1}${typeof err.column === "string" ? ` ('${err.column}')` : ""}` : "";
    throw new FileFormatError(`${file}: line ${err.lines ?? "?"}${col}: ${String(err.message).replace(/ (at|on) line \d+/, "")}`, file);
  }
}

async function* lines_of(file: string, what: string): AsyncIterable<[string, number]> {
  check_file(file, what);
  const rl = readline.createInterface({ input: fs.createReadStream(file, { highWaterMark: 1 << 16 }), crlfDelay: Infinity });
  let n = 0;
  for await (const line of rl) yield [line, ++n];
}

async function* json_rows(file: string): AsyncIterable<Row> {
  for await (const [line, n] of lines_of(file, "JSON Lines file")) {
    if (line.trim() === "") continue;
    let row: unknown;
    try {
      row = JSON.parse(line);
    } catch (e) {
      throw new FileFormatError(`${file}: line ${n} is not valid JSON (${(e as Error).message}): ${line.slice(0, 80)}`, file);
    }
    if (!row || typeof row !== "object" || Array.isArray(row)) throw new FileFormatError(`${file}: line ${n} is not a JSON object (streaming reads JSON Lines: one object per line)`, file);
    yield row as Row;
  }
}

async function* text_rows(file: string): AsyncIterable<Row> {
  for await (const [line] of lines_of(file, "text file")) yield { text: line };
}

async function* parquet_rows(file: string): AsyncIterable<Row> {
  const pq = await open_parquet(file);
  try {
    for (let g = 0; g < pq.groups.length; g++) {
      const cols = await pq.read_group(g); // one row group in memory at a time
      for (let i = 0; i < pq.groups[g]; i++) {
        const row: Row = {};
        for (const n of pq.names) row[n] = cols[n][i];
        yield row;
      }
    }
  } finally {
    pq.close();
  }
}

function rows_of(file: string, builder: Builder | null, options: CsvOptions): AsyncIterable<Row> {
  const b = builder ?? builder_of(file);
  switch (b) {
    case "csv": return csv_rows(file, options);
    case "json": return json_rows(file);
    case "text": return text_rows(file);
    case "parquet": return parquet_rows(file);
    default: throw new Error(`load_dataset (streaming): cannot tell how to read ${file}; name the builder ("csv", "json", "parquet", "text")`);
  }
}

/**
 * A dataset read as a stream (Python: `datasets.IterableDataset`): rows come from its files (or a generator) only
 * while it is iterated with `for await`, so a file larger than memory loads. map, filter, take, skip, shuffle (through
 * a buffer, approximate), rename_column and remove_columns are lazy; `to_dataset()` reads it all into a Dataset.
 * Made by `load_dataset(..., { streaming: true })` or `IterableDataset.from_generator`.
 * @example
 * ```ts
 * const ds = await load_dataset("csv", { data_files: "reviews.csv", split: "train", streaming: true });
 * for await (const row of ds.filter((r) => r.label === 1).take(3)) console.log(row.text);
 * ```
 */
export class IterableDataset {
  readonly split: string | null;
  /** The files it reads (its shards). */
  readonly files: string[];
  private readonly source: Source;

  constructor(source: Source, options: { split?: string | null; files?: string[] } = {}) {
    this.source = source;
    this.split = options.split ?? null;
    this.files = options.files ?? [];
    set_display(this, function (this: IterableDataset) {
      return { "text/plain": this.to_string(), "text/html": `<pre>${escape_html(this.to_string())}</pre>` };
    });
  }

  static from_files(files: string[], builder: Builder | null, options: CsvOptions = {}, split: string | null = null): IterableDataset {
    return new IterableDataset(async function* () {
      for (const f of files) yield* rows_of(f, builder, options);
    }, { split, files });
  }

  /** `IterableDataset.from_generator(function* () { yield { text, label } })`. */
  static from_generator(gen: () => Iterable<Row> | AsyncIterable<Row>): IterableDataset {
    return new IterableDataset(async function* () { yield* gen(); });
  }

  get num_shards(): number {
    return Math.max(1, this.files.length);
  }

  [Symbol.asyncIterator](): AsyncIterator<Row> {
    return this.source()[Symbol.asyncIterator]();
  }

  private derive(source: Source): IterableDataset {
    return new IterableDataset(source, { split: this.split, files: this.files });
  }

  /** Lazy: fn runs on each row (or batch of batch_size rows) as the stream is read. */
  map(fn: (x: any, idx?: any) => unknown, options: MapOptions = {}): IterableDataset {
    if (typeof fn !== "function") throw new TypeError("IterableDataset.map: expected a function");
    const remove = typeof options.remove_columns === "string" ? [options.remove_columns] : options.remove_columns ?? [];
    const src = this.source;
    if (!options.batched) {
      return this.derive(async function* () {
        let i = 0;
        for await (const row of src()) {
          const res = (options.with_indices ? fn(row, i) : fn(row)) as Row | undefined;
          i++;
          const out: Row = {};
          for (const k of Object.keys(row)) if (!remove.includes(k)) out[k] = row[k];
          yield Object.assign(out, res ?? {});
        }
      });
    }
    const bs = options.batch_size ?? 1000;
    if (!(Number.isInteger(bs) && bs > 0)) throw new Error(`IterableDataset.map: batch_size must be a positive integer, got ${bs}`);
    return this.derive(async function* () {
      let batch: Row[] = [];
      let start = 0;
      const flush = function* (rows: Row[]): Generator<Row> {
        const cols: Record<string, Cell[]> = {};
        for (const k of Object.keys(rows[0])) cols[k] = rows.map((r) => r[k]);
        const idx = rows.map((_, k) => start + k);
        const res = ((options.with_indices ? fn(cols, idx) : fn(cols)) ?? {}) as Record<string, unknown[]>;
        const n = Object.values(res)[0]?.length ?? rows.length;
        const carry = Object.keys(cols).filter((k) => !remove.includes(k) && !(k in res));
        if (n !== rows.length && carry.length) throw new Error(`IterableDataset.map (batched): the function returned ${n} rows for a batch of ${rows.length}; remove the input columns [${carry.join(", ")}] with remove_columns`);
        for (let i = 0; i < n; i++) {
          const out: Row = {};
          for (const k of carry) out[k] = cols[k][i];
          for (const [k, v] of Object.entries(res)) out[k] = v[i];
          yield out;
        }
        start += rows.length;
      };
      for await (const row of src()) {
        batch.push(row);
        if (batch.length === bs) { yield* flush(batch); batch = []; }
      }
      if (batch.length) yield* flush(batch);
    });
  }

  filter(fn: (x: any, idx?: any) => unknown): IterableDataset {
    const src = this.source;
    return this.derive(async function* () {
      let i = 0;
      for await (const row of src()) if (fn(row, i++)) yield row;
    });
  }

  take(n: number): IterableDataset {
    const src = this.source;
    return this.derive(async function* () {
      if (n <= 0) return;
      let i = 0;
      for await (const row of src()) {
        yield row;
        if (++i >= n) return;
      }
    });
  }

  skip(n: number): IterableDataset {
    const src = this.source;
    return this.derive(async function* () {
      let i = 0;
      for await (const row of src()) if (i++ >= n) yield row;
    });
  }

  /** Approximate shuffle through a buffer of `buffer_size` rows (default 1000), as datasets streams do. */
  shuffle(options: { seed?: number; buffer_size?: number } = {}): IterableDataset {
    const src = this.source;
    const size = options.buffer_size ?? 1000;
    const seed = options.seed ?? 0;
    return this.derive(async function* () {
      const g = new Rng(seed);
      const buf: Row[] = [];
      for await (const row of src()) {
        if (buf.length < size) { buf.push(row); continue; }
        const j = g.randint(size);
        yield buf[j];
        buf[j] = row;
      }
      while (buf.length) yield buf.splice(g.randint(buf.length), 1)[0];
    });
  }

  rename_column(a: string, b: string): IterableDataset {
    return this.map((row: Row) => ({ [b]: row[a] }), { remove_columns: [a] });
  }

  remove_columns(names: string | string[]): IterableDataset {
    return this.map(() => ({}), { remove_columns: names });
  }

  /** Batches of rows as `{ column: values[] }`. */
  async *iter(options: { batch_size: number; drop_last_batch?: boolean }): AsyncIterable<Record<string, Cell[]>> {
    let rows: Row[] = [];
    const cols = (rs: Row[]) => Object.fromEntries(Object.keys(rs[0]).map((k) => [k, rs.map((r) => r[k])]));
    for await (const row of this) {
      rows.push(row);
      if (rows.length === options.batch_size) { yield cols(rows); rows = []; }
    }
    if (rows.length && !options.drop_last_batch) yield cols(rows);
  }

  /** Reads the whole stream into an in-memory Dataset (mind the size). */
  async to_dataset(): Promise<import("./dataset").Dataset> {
    const rows: Row[] = [];
    for await (const r of this) rows.push(r);
    const { Dataset } = await import("./dataset");
    return Dataset.from_list(rows, { split: this.split ?? undefined });
  }

  to_string(): string {
    return `IterableDataset({\n    features: Unknown,\n    num_shards: ${this.num_shards}\n})`;
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.to_string();
  }
}

/**
 * Named streamed splits (Python: `datasets.IterableDatasetDict`): `ds.train`, `ds["test"]` are IterableDatasets;
 * what `load_dataset(..., { streaming: true })` returns without `split`. `keys()` lists the splits; `map` maps each lazily.
 * @example
 * ```ts
 * const dd = await load_dataset("json", { data_files: { train: "train.jsonl", test: "test.jsonl" }, streaming: true });
 * for await (const row of dd.map((r) => ({ n_chars: r.text.length })).train.take(2)) console.log(row.n_chars);
 * ```
 */
export class IterableDatasetDict {
  [split: string]: any;
  constructor(splits: Record<string, IterableDataset>) {
    for (const [k, v] of Object.entries(splits)) Object.defineProperty(this, k, { value: v, enumerable: true });
  }
  keys(): string[] {
    return Object.keys(this);
  }
  map(fn: (x: any, idx?: any) => unknown, options: MapOptions = {}): IterableDatasetDict {
    return new IterableDatasetDict(Object.fromEntries(this.keys().map((k) => [k, (this[k] as IterableDataset).map(fn, options)])));
  }
  to_string(): string {
    return `IterableDatasetDict({\n${this.keys().map((k) => `    ${k}: ${(this[k] as IterableDataset).to_string().split("\n").join("\n    ")}`).join("\n")}\n})`;
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.to_string();
  }
}
