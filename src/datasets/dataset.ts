// `Dataset`, Hugging Face `datasets`' table, in memory and by column (one array per column). Methods keep
// datasets' names and rules: map (batched, remove_columns), filter, shuffle({ seed }), select,
// train_test_split, rename_column, remove_columns, with_format("tf"), to_json / to_csv / to_parquet.
// Every method returns a new Dataset (columns are shared, never changed in place). `ds[0]` is a row and
// `ds["text"]` a column, through a Proxy; `ds.get(i)` / `ds.column(name)` say the same without it.
import { Generator } from "../utils/random";
import { set_display } from "../utils/displayable";
import { columns_from_rows, make_features, infer_feature, type Cell, type Columns, type Features, type Row } from "./features";
import { dataset_html, dataset_repr } from "./display";
import { write_csv, write_json, write_parquet } from "./writers";

/** How a Dataset gives rows and columns: "js" plain values, "tf" tfjs tensors (set by `with_format`). */
export type Format = "js" | "tf";

/** `map`'s options (Python: `datasets.Dataset.map`'s keywords): batched, batch_size, remove_columns, with_indices. */
export interface MapOptions {
  /** fn receives `{ column: values[] }` for batch_size rows at a time and returns the same shape. @default false */
  batched?: boolean;
  /** Rows per batch (null = the whole dataset as one batch). @default 1000 */
  batch_size?: number | null;
  /** Input columns dropped from the output (fn still sees them). */
  remove_columns?: string | string[];
  /** fn gets the row index (or the batch's indices) as its second argument. @default false */
  with_indices?: boolean;
  /** Ignored (no cache files here); accepted so Python lines port unchanged. */
  load_from_cache_file?: boolean;
  /** Ignored (datasets' progress-bar label); accepted so Python lines port unchanged. */
  desc?: string;
}

/** `Dataset.filter`'s options (Python: `datasets.Dataset.filter`'s keywords): batched, batch_size, with_indices. */
export interface FilterOptions {
  /** fn receives `{ column: values[] }` for batch_size rows at a time and returns one boolean per row. @default false */
  batched?: boolean;
  /** Rows per batch when batched (null = the whole dataset as one batch). @default 1000 */
  batch_size?: number | null;
  /** fn gets the row index (or the batch's indices) as its second argument. @default false */
  with_indices?: boolean;
}

/** `train_test_split`'s options (Python: `datasets.Dataset.train_test_split`'s keywords): test_size, train_size, seed, shuffle. */
export interface SplitOptions {
  /** Fraction (0, 1) or number of test rows (default 0.25 when train_size is not given either; else the rows train_size leaves). */
  test_size?: number | null;
  /** Fraction (0, 1) or number of train rows (default: the rows test_size leaves). */
  train_size?: number | null;
  /** Seed of the shuffle before splitting (datasets draws a random one). @default 0 */
  seed?: number;
  /** Shuffle before splitting. @default true */
  shuffle?: boolean;
}

const ALIASES = new Set(["input_ids", "attention_mask", "token_type_ids", "labels", "label", "label_ids", "special_tokens_mask", "start_positions", "end_positions", "next_sentence_label"]);

/** A column by name; `who` names the caller in the error for an unknown one. */
function need_column(ds: Dataset, name: string, who: string): Cell[] {
  const col = ds._columns[name];
  if (!col) throw new Error(`${who}: column '${name}' not in the dataset; its columns are [${ds.column_names.map((c) => `'${c}'`).join(", ")}]`);
  return col;
}

function as_list(x: string | string[] | undefined): string[] {
  return x === undefined ? [] : typeof x === "string" ? [x] : x;
}

/** Plain values from what a map function returns (a BatchEncoding's fields; no tensors). */
function plain_output(out: unknown, who: string): Record<string, unknown> {
  if (out === undefined || out === null) return {};
  if (typeof out !== "object" || Array.isArray(out)) throw new TypeError(`${who}: the function must return an object of column → value(s), got ${Array.isArray(out) ? "an array" : typeof out}`);
  const res: Record<string, unknown> = {};
  for (const k of Object.keys(out)) {
    const v = (out as Record<string, unknown>)[k];
    if (v && typeof v === "object" && !Array.isArray(v) && typeof (v as { dataSync?: unknown }).dataSync === "function") {
      throw new TypeError(`${who}: column '${k}' is a tensor; return plain arrays (e.g. call the tokenizer without return_tensors)`);
    }
    res[k] = v;
  }
  return res;
}

/**
 * A table in memory, stored by column (Python: `datasets.Dataset`): `ds[0]` is a row, `ds["text"]` a column.
 * map, filter, select, sort, shuffle, train_test_split, rename / remove / add columns and with_format("tf") return a
 * new Dataset (columns are shared, never changed in place); to_json / to_csv / to_parquet write it. Made by
 * `load_dataset`, `Dataset.from_dict` or `Dataset.from_list`.
 * @example
 * ```ts
 * const ds = Dataset.from_dict({ text: ["good film", "bad film", "fine"], label: [1, 0, 1] });
 * ds.map((row) => ({ n_chars: row.text.length }))["n_chars"]  // [9, 8, 4]
 * ds.filter((row) => row.label === 1).num_rows                  // 2
 * ds.train_test_split({ test_size: 1, seed: 0 })                 // DatasetDict: train 2 rows, test 1 row
 * ```
 */
export class Dataset {
  /** Column name → values (shared between datasets derived from one another; never mutated). */
  readonly _columns: Columns;
  readonly _format: Format;
  /** The split this dataset came from ("train", "test", ...), or null. */
  readonly split: string | null;
  private _features: Features | null;
  private readonly _n: number;
  /** Rows by index and columns by name: `ds[0]`, `ds["text"]` (methods win over a column of the same name). */
  [index: number]: Row;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  [column: string]: any;

  constructor(columns: Columns, options: { split?: string | null; features?: Features | null; format?: Format } = {}) {
    const names = Object.keys(columns);
    const lengths = names.map((n) => columns[n].length);
    if (new Set(lengths).size > 1) {
      throw new Error(`Dataset: columns have different lengths (${names.map((n, i) => `'${n}': ${lengths[i]}`).join(", ")}); every column needs one value per row`);
    }
    this._columns = columns;
    this._n = lengths[0] ?? 0;
    this._features = options.features ?? null;
    this._format = options.format ?? "js";
    this.split = options.split ?? null;
    set_display(this, function (this: Dataset) {
      return { "text/plain": dataset_repr(this), "text/html": dataset_html(this) };
    });
    return new Proxy(this, {
      get(target, prop, receiver) {
        if (typeof prop === "string" && !(prop in target)) {
          if (/^(0|[1-9]\d*)$/.test(prop)) return target.get(Number(prop));
          if (prop in target._columns) return target.column(prop);
        }
        return Reflect.get(target, prop, receiver);
      },
    });
  }

  /** `Dataset.from_dict({ text: [...], label: [...] })`. */
  static from_dict(columns: Record<string, unknown[]>, options: { split?: string } = {}): Dataset {
    if (!columns || typeof columns !== "object") throw new TypeError("Dataset.from_dict: expected an object of column name → array of values");
    for (const [k, v] of Object.entries(columns)) if (!Array.isArray(v)) throw new TypeError(`Dataset.from_dict: column '${k}' is not an array`);
    const ds = new Dataset(columns as Columns, options);
    void ds.features; // mixed types are refused here, naming the rows
    return ds;
  }

  /** `Dataset.from_list([{ text, label }, ...])`. */
  static from_list(rows: Row[], options: { split?: string } = {}): Dataset {
    if (!Array.isArray(rows)) throw new TypeError("Dataset.from_list: expected an array of row objects");
    return Dataset.from_dict(columns_from_rows(rows, "Dataset.from_list"), options);
  }

  get num_rows(): number {
    return this._n;
  }
  /** Same as num_rows (Python's len(ds)); lets code written for arrays take a Dataset. */
  get length(): number {
    return this._n;
  }
  get num_columns(): number {
    return this.column_names.length;
  }
  get shape(): [number, number] {
    return [this._n, this.num_columns];
  }
  get column_names(): string[] {
    return Object.keys(this._columns);
  }
  /** Each column's type (inferred once; a column mixing types is an error naming its rows). */
  get features(): Features {
    if (!this._features) {
      const f: Features = {};
      for (const n of this.column_names) f[n] = infer_feature(this._columns[n], `column '${n}'`);
      this._features = make_features(f);
    }
    return this._features;
  }
  get format(): { type: Format | null; columns: string[] } {
    return { type: this._format === "js" ? null : this._format, columns: this.column_names };
  }

  private derive(columns: Columns, keep_features = false): Dataset {
    return new Dataset(columns, { split: this.split, format: this._format, features: keep_features ? this._features : null });
  }

  private check_index(i: number, who: string): number {
    if (!Number.isInteger(i)) throw new TypeError(`${who}: row index must be an integer, got ${i}`);
    const j = i < 0 ? i + this._n : i;
    if (j < 0 || j >= this._n) throw new RangeError(`${who}: index ${i} is out of bounds for a dataset of ${this._n} rows`);
    return j;
  }

  /** Row `i` as an object (negative counts from the end); tensors per field with format "tf". */
  get(i: number): Row {
    const j = this.check_index(i, "Dataset.get");
    const row: Row = {};
    for (const n of this.column_names) row[n] = this._columns[n][j];
    return this._format === "tf" ? to_tf(row) : row;
  }

  /** A column's values (a copy), or a tensor with format "tf". */
  column(name: string): any {
    const col = need_column(this, name, "Dataset.column");
    return this._format === "tf" ? to_tf({ [name]: col })[name] : col.slice();
  }

  /** Rows [start, end) as `{ column: values[] }` (Python's ds[start:end]). */
  slice(start = 0, end = this._n): Record<string, any> {
    const out: Record<string, Cell[]> = {};
    for (const n of this.column_names) out[n] = this._columns[n].slice(start, end);
    return this._format === "tf" ? to_tf(out) : out;
  }

  *[Symbol.iterator](): IterableIterator<Row> {
    for (let i = 0; i < this._n; i++) yield this.get(i);
  }

  /** Batches of `batch_size` rows as `{ column: values[] }`. */
  *iter(options: { batch_size: number; drop_last_batch?: boolean }): IterableIterator<Record<string, any>> {
    const bs = options.batch_size;
    if (!(Number.isInteger(bs) && bs > 0)) throw new Error(`Dataset.iter: batch_size must be a positive integer, got ${bs}`);
    for (let i = 0; i < this._n; i += bs) {
      if (options.drop_last_batch && i + bs > this._n) break;
      yield this.slice(i, Math.min(i + bs, this._n));
    }
  }

  to_list(): Row[] {
    const rows: Row[] = [];
    for (let i = 0; i < this._n; i++) {
      const row: Row = {};
      for (const n of this.column_names) row[n] = this._columns[n][i];
      rows.push(row);
    }
    return rows;
  }
  to_dict(): Record<string, Cell[]> {
    return this.slice();
  }

  /** datasets' `map`: fn(row) → new / updated fields, or fn(batch) → columns with `batched: true`. */
  map(fn: (x: any, idx?: any) => unknown, options: MapOptions = {}): Dataset {
    if (typeof fn !== "function") throw new TypeError("Dataset.map: expected a function");
    const remove = as_list(options.remove_columns);
    for (const r of remove) need_column(this, r, "Dataset.map (remove_columns)");
    const kept = this.column_names.filter((n) => !remove.includes(n));
    const out: Record<string, unknown[]> = {};
    const order: string[] = [];
    const push = (k: string, values: unknown[], at: number) => {
      if (!(k in out)) {
        if (at > 0) throw new Error(`Dataset.map: column '${k}' first appears at row ${at}; the function must return the same fields for every row`);
        out[k] = [];
        order.push(k);
      }
      for (const v of values) out[k].push(v);
    };
    let rows_out = 0;
    if (!options.batched) {
      for (let i = 0; i < this._n; i++) {
        const row = this.get(i);
        const res = plain_output(options.with_indices ? fn(row, i) : fn(row), "Dataset.map");
        const merged: Row = {};
        for (const k of kept) merged[k] = row[k];
        Object.assign(merged, res);
        for (const k of Object.keys(merged)) push(k, [merged[k]], i);
        for (const k of order) if (!(k in merged)) throw new Error(`Dataset.map: the function returned no '${k}' for row ${i}; it must return the same fields for every row`);
      }
      rows_out = this._n;
    } else {
      const bs = options.batch_size === null ? Math.max(1, this._n) : options.batch_size ?? 1000;
      if (!(Number.isInteger(bs) && bs > 0)) throw new Error(`Dataset.map: batch_size must be a positive integer or null, got ${bs}`);
      for (let start = 0; start < this._n; start += bs) {
        const end = Math.min(start + bs, this._n);
        const batch: Record<string, Cell[]> = {};
        for (const n of this.column_names) batch[n] = this._columns[n].slice(start, end);
        const idx = Array.from({ length: end - start }, (_, k) => start + k);
        const res = plain_output(options.with_indices ? fn(batch, idx) : fn(batch), "Dataset.map (batched)");
        const lens = Object.entries(res).map(([k, v]) => {
          if (!Array.isArray(v)) throw new TypeError(`Dataset.map (batched): column '${k}' must be an array with one value per row, got ${typeof v}`);
          return [k, v.length] as const;
        });
        const n_out = lens.length ? lens[0][1] : end - start;
        const bad = lens.find(([, l]) => l !== n_out);
        if (bad) throw new Error(`Dataset.map (batched): columns returned for rows ${start}–${end - 1} have different lengths (${lens.map(([k, l]) => `'${k}': ${l}`).join(", ")})`);
        const carry = kept.filter((k) => !(k in res));
        if (n_out !== end - start && carry.length) {
          throw new Error(`Dataset.map (batched): the function returned ${n_out} rows for a batch of ${end - start}, so the input columns [${carry.map((c) => `'${c}'`).join(", ")}] cannot be kept; `
            + "remove them with remove_columns (as datasets requires)");
        }
        const merged: Record<string, unknown[]> = {};
        for (const k of carry) merged[k] = batch[k];
        Object.assign(merged, res);
        for (const k of Object.keys(merged)) push(k, merged[k], rows_out);
        rows_out += n_out;
      }
      if (this._n === 0) for (const k of kept) push(k, [], 0);
    }
    const cols: Columns = {};
    for (const k of order) cols[k] = out[k] as Cell[];
    const ds = this.derive(cols);
    void ds.features; // a function that returns mixed types is caught here, naming rows
    return ds;
  }

  /** Rows for which fn(row) (or, batched, fn(batch)[k]) is true. */
  filter(fn: (x: any, idx?: any) => unknown, options: FilterOptions = {}): Dataset {
    if (typeof fn !== "function") throw new TypeError("Dataset.filter: expected a function");
    const keep: number[] = [];
    if (!options.batched) {
      for (let i = 0; i < this._n; i++) if (options.with_indices ? fn(this.get(i), i) : fn(this.get(i))) keep.push(i);
    } else {
      const bs = options.batch_size === null ? Math.max(1, this._n) : options.batch_size ?? 1000;
      for (let start = 0; start < this._n; start += bs) {
        const end = Math.min(start + bs, this._n);
        const idx = Array.from({ length: end - start }, (_, k) => start + k);
        const mask = options.with_indices ? fn(this.slice(start, end), idx) : fn(this.slice(start, end));
        if (!Array.isArray(mask) || mask.length !== end - start) throw new TypeError(`Dataset.filter (batched): the function must return one boolean per row (${end - start}), got ${Array.isArray(mask) ? mask.length : typeof mask}`);
        mask.forEach((m, k) => m && keep.push(start + k));
      }
    }
    return this.select(keep);
  }

  /** The rows at `indices`, in that order. */
  select(indices: Iterable<number>): Dataset {
    const idx = Array.from(indices, (i) => this.check_index(i, "Dataset.select"));
    const cols: Columns = {};
    for (const n of this.column_names) {
      const src = this._columns[n];
      cols[n] = idx.map((i) => src[i]);
    }
    return this.derive(cols, true);
  }

  /** Rows ordered by a column (stable; nulls last, as datasets). */
  sort(column: string, options: { reverse?: boolean } = {}): Dataset {
    const col = need_column(this, column, "Dataset.sort");
    const sign = options.reverse ? -1 : 1;
    const order = Array.from({ length: this._n }, (_, i) => i).sort((a, b) => {
      const x = col[a], y = col[b];
      if (x === null || y === null) return x === y ? a - b : x === null ? 1 : -1;
      return (x < y ? -sign : x > y ? sign : 0) || a - b;
    });
    return this.select(order);
  }

  /** The distinct values of a column, in order of first appearance. */
  unique(column: string): Cell[] {
    const seen = new Set<string>();
    const out: Cell[] = [];
    for (const v of need_column(this, column, "Dataset.unique")) {
      const key = JSON.stringify(v);
      if (!seen.has(key)) { seen.add(key); out.push(v); }
    }
    return out;
  }

  /** A permutation of the rows, the same for the same seed (bertlab's Generator: xoshiro128**). */
  shuffle(options: { seed?: number; generator?: Generator } = {}): Dataset {
    const g = options.generator ?? new Generator(options.seed ?? 0);
    return this.select(g.randperm(this._n));
  }

  /** `{ train, test }`: shuffled (seeded) then cut, sizes as datasets rounds them (test: ceil, train: floor). */
  train_test_split(options: SplitOptions = {}): DatasetDict {
    const n = this._n;
    let { test_size, train_size } = options;
    if ((test_size ?? null) === null && (train_size ?? null) === null) test_size = 0.25;
    const count = (v: number, name: string, round: (x: number) => number): number => {
      if (!(v > 0)) throw new Error(`train_test_split: ${name}=${v} should be a positive float in (0, 1) or a positive int`);
      if (v < 1) return round(v * n);
      if (!Number.isInteger(v)) throw new Error(`train_test_split: ${name}=${v} should be a float in (0, 1) or an int`);
      return v;
    };
    let n_test = test_size != null ? count(test_size, "test_size", Math.ceil) : -1;
    let n_train = train_size != null ? count(train_size, "train_size", Math.floor) : -1;
    if (n_test < 0) n_test = n - n_train;
    if (n_train < 0) n_train = n - n_test;
    if (n_train + n_test > n) throw new Error(`train_test_split: train_size (${n_train}) + test_size (${n_test}) = ${n_train + n_test} is more than the dataset's ${n} rows`);
    if (n_train === 0) throw new Error(`train_test_split: with n_samples=${n}, test_size=${test_size} and train_size=${train_size}, the train split would be empty; adjust the sizes`);
    const order = options.shuffle === false ? Array.from({ length: n }, (_, i) => i) : new Generator(options.seed ?? 0).randperm(n);
    const train = this.select(order.slice(0, n_train));
    const test = this.select(order.slice(n_train, n_train + n_test));
    return new DatasetDict({ train: train.with_split("train"), test: test.with_split("test") });
  }

  /** The same rows labelled as another split. */
  with_split(split: string | null): Dataset {
    return new Dataset(this._columns, { split, features: this._features, format: this._format });
  }

  rename_column(original: string, new_name: string): Dataset {
    need_column(this, original, "Dataset.rename_column");
    if (original !== new_name && new_name in this._columns) throw new Error(`Dataset.rename_column: column '${new_name}' already exists`);
    return this.rename_columns({ [original]: new_name });
  }

  rename_columns(mapping: Record<string, string>): Dataset {
    for (const k of Object.keys(mapping)) need_column(this, k, "Dataset.rename_columns");
    const cols: Columns = {};
    for (const n of this.column_names) {
      const to = mapping[n] ?? n;
      if (to in cols) throw new Error(`Dataset.rename_columns: two columns would be named '${to}'`);
      cols[to] = this._columns[n];
    }
    return this.derive(cols);
  }

  remove_columns(names: string | string[]): Dataset {
    const list = as_list(names);
    for (const n of list) need_column(this, n, "Dataset.remove_columns");
    const cols: Columns = {};
    for (const n of this.column_names) if (!list.includes(n)) cols[n] = this._columns[n];
    return this.derive(cols);
  }

  select_columns(names: string | string[]): Dataset {
    const cols: Columns = {};
    for (const n of as_list(names)) cols[n] = need_column(this, n, "Dataset.select_columns");
    return this.derive(cols);
  }

  add_column(name: string, values: unknown[]): Dataset {
    if (name in this._columns) throw new Error(`Dataset.add_column: column '${name}' already exists`);
    if (!Array.isArray(values) || values.length !== this._n) throw new Error(`Dataset.add_column: '${name}' needs ${this._n} values, got ${Array.isArray(values) ? values.length : typeof values}`);
    const ds = this.derive({ ...this._columns, [name]: values as Cell[] });
    void ds.features;
    return ds;
  }

  /** Rows and columns as tfjs tensors ("tf") or plain values (null / "js" / "numpy" / "python"). */
  with_format(type: string | null): Dataset {
    const t: Format = type === "tf" || type === "tensorflow" ? "tf" : type === null || type === "js" || type === "python" || type === "numpy" ? "js" : (() => {
      throw new Error(`Dataset.with_format: unknown format '${type}'; bertlab has "tf" (tfjs tensors) and null (plain values)`);
    })();
    return new Dataset(this._columns, { split: this.split, features: this._features, format: t });
  }

  /** The rows a DataCollator / Trainer take: numeric columns only (text columns dropped, as Trainer's remove_unused_columns). */
  to_features(): Row[] {
    const f = this.features;
    const numeric = this.column_names.filter((n) => is_numeric(f[n]) || ALIASES.has(n));
    const rows: Row[] = new Array(this._n);
    for (let i = 0; i < this._n; i++) {
      const row: Row = {};
      for (const n of numeric) row[n] = this._columns[n][i];
      rows[i] = row;
    }
    return rows;
  }

  /** JSON Lines (default) or, with `lines: false`, one JSON array; written all-or-nothing. Returns the bytes written. */
  to_json(file: string, options: { lines?: boolean } = {}): Promise<number> {
    return write_json(this, file, options);
  }
  to_csv(file: string, options: { sep?: string } = {}): Promise<number> {
    return write_csv(this, file, options);
  }
  to_parquet(file: string): Promise<number> {
    return write_parquet(this, file);
  }

  to_string(): string {
    return dataset_repr(this);
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return dataset_repr(this);
  }
  toJSON(): Row[] {
    return this.to_list();
  }
}

function is_numeric(f: Features[string]): boolean {
  if (f._type === "Value") return f.dtype === "int64" || f.dtype === "float64" || f.dtype === "bool";
  if (f._type === "Sequence") return is_numeric(f.feature) || (f.feature._type === "Value" && f.feature.dtype === "null");
  return false;
}

/** Plain values → tfjs tensors (int32 for integer columns, float32 otherwise); strings stay strings. */
function to_tf(values: Record<string, unknown>): Record<string, unknown> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const { tf } = require("../backend") as typeof import("../backend");
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(values)) {
    const flat = Array.isArray(v) ? (v as unknown[]).flat(Infinity) : [v];
    if (flat.length && flat.every((x) => typeof x === "number")) {
      const ints = flat.every((x) => Number.isInteger(x));
      try {
        out[k] = tf.tensor(v as number[], undefined, ints ? "int32" : "float32");
      } catch (e) {
        throw new Error(`with_format("tf"): column '${k}' has rows of different lengths and cannot be one tensor; pad them first (e.g. tokenizer padding: "max_length") or use a DataCollator (${(e as Error).message})`);
      }
    } else out[k] = v;
  }
  return out;
}

/** datasets' `concatenate_datasets`: the rows of each in turn; every dataset needs the same columns. */
export function concatenate_datasets(dsets: Dataset[]): Dataset {
  if (!Array.isArray(dsets) || dsets.length === 0 || dsets.some((d) => !(d instanceof Dataset))) throw new TypeError("concatenate_datasets: expected a non-empty list of Datasets");
  const names = dsets[0].column_names;
  dsets.forEach((d, i) => {
    const n = d.column_names;
    if (n.length !== names.length || n.some((c) => !names.includes(c))) {
      throw new Error(`concatenate_datasets: dataset ${i} has columns [${n.map((c) => `'${c}'`).join(", ")}], dataset 0 has [${names.map((c) => `'${c}'`).join(", ")}]; they must match`);
    }
  });
  const cols: Columns = {};
  for (const c of names) cols[c] = dsets.flatMap((d) => d._columns[c]);
  const ds = new Dataset(cols, { split: dsets[0].split });
  void ds.features;
  return ds;
}

/** `DatasetDict`: named splits (`ds.train`, `ds["test"]`), with the Dataset methods applied to each. */
export class DatasetDict {
  [split: string]: any;
  constructor(splits: Record<string, Dataset>) {
    for (const [k, v] of Object.entries(splits)) {
      if (!(v instanceof Dataset)) throw new TypeError(`DatasetDict: split '${k}' is not a Dataset`);
      Object.defineProperty(this, k, { value: v, enumerable: true, configurable: true, writable: false });
    }
    set_display(this, function (this: DatasetDict) {
      return { "text/plain": this.to_string(), "text/html": Object.entries(this.splits()).map(([k, d]) => `<h4>${k}</h4>${dataset_html(d)}`).join("\n") };
    });
  }
  splits(): Record<string, Dataset> {
    const out: Record<string, Dataset> = {};
    for (const k of Object.keys(this)) out[k] = this[k] as Dataset;
    return out;
  }
  keys(): string[] {
    return Object.keys(this);
  }
  get num_rows(): Record<string, number> {
    return Object.fromEntries(Object.entries(this.splits()).map(([k, d]) => [k, d.num_rows]));
  }
  get column_names(): Record<string, string[]> {
    return Object.fromEntries(Object.entries(this.splits()).map(([k, d]) => [k, d.column_names]));
  }
  private each(f: (d: Dataset) => Dataset): DatasetDict {
    return new DatasetDict(Object.fromEntries(Object.entries(this.splits()).map(([k, d]) => [k, f(d)])));
  }
  map(fn: (x: any, idx?: any) => unknown, options: MapOptions = {}): DatasetDict {
    return this.each((d) => d.map(fn, options));
  }
  filter(fn: (x: any, idx?: any) => unknown, options: FilterOptions = {}): DatasetDict {
    return this.each((d) => d.filter(fn, options));
  }
  shuffle(options: { seed?: number } = {}): DatasetDict {
    return this.each((d) => d.shuffle(options));
  }
  rename_column(a: string, b: string): DatasetDict {
    return this.each((d) => d.rename_column(a, b));
  }
  remove_columns(names: string | string[]): DatasetDict {
    return this.each((d) => d.remove_columns(names));
  }
  with_format(type: string | null): DatasetDict {
    return this.each((d) => d.with_format(type));
  }
  to_string(): string {
    const body = Object.entries(this.splits()).map(([k, d]) => `    ${k}: ${dataset_repr(d).split("\n").join("\n    ")}`).join("\n");
    return `DatasetDict({\n${body}\n})`;
  }
  [Symbol.for("nodejs.util.inspect.custom")](): string {
    return this.to_string();
  }
}

