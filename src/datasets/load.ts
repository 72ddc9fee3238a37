// `load_dataset`, as Hugging Face `datasets` has it: a builder name ("csv", "json", "parquet", "text") with
// data_files, a local folder, or a hub dataset repo ("user/name", read through bertlab's hub download and
// cache: its Parquet / CSV / JSON files by datasets' naming conventions, or its refs/convert/parquet branch;
// offline when cached; `bertlab/<name>` is a data set shipped in the package). Without `split` the result is a DatasetDict; with one, that split's Dataset.
import * as fs from "fs";
import * as path from "path";
import { hf_hub_download, list_repo_files, LocalEntryNotFoundError } from "../hub";
import { Dataset, DatasetDict } from "./dataset";
import type { Cell, Columns } from "./features";
import { glob_files, glob_regex, group_by_split, resolve_data_files, type DataFiles } from "./files";
import { builder_of, read_file_as, type Builder, type CsvOptions } from "./readers";
import { IterableDataset, IterableDatasetDict } from "./streaming";
import { shipped_dataset_path } from "./shipped";

/** `load_dataset`'s options (Python: `datasets.load_dataset`'s keywords): data_files, data_dir, split, streaming, name, field, revision, cache_dir, token, local_files_only; CSV's sep / delimiter / column_names. */
export interface LoadDatasetOptions extends CsvOptions {
  /** A path, a glob, a list of them, or `{ train: ..., test: ... }`. */
  data_files?: DataFiles;
  /** Folder the data_files (or a builder's files) are relative to. */
  data_dir?: string;
  /** "train", "test", ... or a slice: "train[:100]", "train[10%:]", "test[:-5]". */
  split?: string;
  /** Rows read lazily, file by file (CSV / JSON Lines / text line by line, Parquet by row group): an IterableDataset. @default false */
  streaming?: boolean;
  /** Configuration (a hub dataset's subset: a folder, or a config of refs/convert/parquet). */
  name?: string;
  /** JSON: the key holding the rows. */
  field?: string;
  /** Hub: branch, tag or commit (default "main"; "refs/convert/parquet" for the hub's Parquet conversion). */
  revision?: string;
  /** Hub: the cache folder (default: HF_HUB_CACHE, else HF_HOME/hub, else ~/.cache/huggingface/hub). */
  cache_dir?: string;
  /** Hub: access token for private datasets (default: HF_TOKEN). */
  token?: string;
  /** Hub: use the cache only. @default false */
  local_files_only?: boolean;
}

const BUILDERS: Builder[] = ["csv", "json", "parquet", "text"];
const DATA_EXT = /\.(csv|tsv|json|jsonl|ndjson|parquet|txt)$/i;

/** "train[10:20]", "train[:10%]" → the split and the row range for n rows. */
export function parse_split(split: string): { name: string; range?: (n: number) => [number, number] } {
  const m = /^([\w.-]+)(?:\[(-?\d+%?)?:(-?\d+%?)?\])?$/.exec(split.trim());
  if (!m) throw new Error(`load_dataset: cannot read split '${split}'; expected a name such as 'train', or a slice such as 'train[:100]' or 'train[10%:]'`);
  if (m[2] === undefined && m[3] === undefined && !split.includes("[")) return { name: m[1] };
  const at = (s: string | undefined, n: number, dflt: number) => {
    if (s === undefined) return dflt;
    const v = s.endsWith("%") ? Math.round((Number(s.slice(0, -1)) / 100) * n) : Number(s);
    return Math.max(0, Math.min(n, v < 0 ? n + v : v));
  };
  return { name: m[1], range: (n) => [at(m[2], n, 0), at(m[3], n, n)] };
}

function concat(parts: Columns[], where: string): Columns {
  if (parts.length === 1) return parts[0];
  const names = Object.keys(parts[0] ?? {});
  parts.forEach((p, i) => {
    const k = Object.keys(p);
    if (k.length !== names.length || k.some((c) => !names.includes(c))) {
      throw new Error(`load_dataset: the files of ${where} have different columns: [${names.join(", ")}] in the first, [${k.join(", ")}] in file ${i + 1}`);
    }
  });
  const out: Columns = {};
  for (const n of names) {
    const col: Cell[] = [];
    for (const p of parts) for (const v of p[n]) col.push(v);
    out[n] = col;
  }
  return out;
}

async function read_split(files: string[], builder: Builder | null, options: LoadDatasetOptions, split: string): Promise<Dataset> {
  const parts: Columns[] = [];
  for (const f of files) {
    const b = builder ?? builder_of(f);
    if (!b) throw new Error(`load_dataset: cannot tell how to read ${f}; name the builder: load_dataset("csv" | "json" | "parquet" | "text", { data_files })`);
    try {
      parts.push(await read_file_as(b, f, options));
    } catch (e) {
      if (/bertlab reads at most/.test((e as Error).message)) (e as Error).message += "; pass streaming: true to read it row by row (an IterableDataset)";
      throw e;
    }
  }
  const ds = new Dataset(concat(parts, `split '${split}'`), { split });
  try {
    void ds.features;
  } catch (e) {
    (e as Error).message = `load_dataset (split '${split}', ${files.length === 1 ? files[0] : `${files.length} files`}): ${(e as Error).message}`;
    throw e;
  }
  return ds;
}

async function hub_files(repo: string, options: LoadDatasetOptions): Promise<Record<string, string[]>> {
  const hub = { repo_type: "dataset" as const, cache_dir: options.cache_dir, token: options.token, local_files_only: options.local_files_only };
  const tries = options.revision ? [options.revision] : ["main", "refs/convert/parquet"];
  let last: Error | null = null;
  for (const revision of tries) {
    let listed;
    try {
      listed = await list_repo_files(repo, { ...hub, revision });
    } catch (e) {
      if (e instanceof LocalEntryNotFoundError && tries.length > 1) { last = e; continue; }
      throw e;
    }
    let files = listed.files;
    if (options.data_dir) files = files.filter((f) => f.startsWith(`${options.data_dir!.replace(/\/+$/, "")}/`));
    if (options.data_files === undefined && !files.some((f) => DATA_EXT.test(f))) {
      last = new Error(`load_dataset: '${repo}' (revision '${revision}') has no data files (.parquet, .csv, .json, .jsonl, .txt) among [${files.slice(0, 20).join(", ")}]`);
      continue;
    }
    const groups = options.data_files !== undefined
      ? select_repo_data_files(files, options.data_files)
      : group_by_split(files, (f) => DATA_EXT.test(f), options.name);
    if (Object.keys(groups).length === 0) {
      last = new Error(`load_dataset: '${repo}' (revision '${revision}') has no data files (.parquet, .csv, .json, .jsonl, .txt) among [${files.slice(0, 20).join(", ")}]`);
      continue;
    }
    const out: Record<string, string[]> = {};
    for (const [split, list] of Object.entries(groups)) {
      out[split] = [];
      for (const f of list) out[split].push(await hf_hub_download(repo, f, { ...hub, revision }));
    }
    return out;
  }
  throw last ?? new Error(`load_dataset: '${repo}' has no data files`);
}

/** data_files given for a hub repo: globs over the repo's file list. */
function select_repo_data_files(files: string[], data_files: DataFiles): Record<string, string[]> {
  const map = typeof data_files === "string" || Array.isArray(data_files) ? { train: data_files } : data_files;
  const out: Record<string, string[]> = {};
  for (const [split, pats] of Object.entries(map)) {
    out[split] = [];
    for (const p of ([] as string[]).concat(pats)) {
      const hit = files.filter((f) => glob_regex(p).test(f));
      if (!hit.length) throw new Error(`load_dataset: no file of the repo matches '${p}' (split '${split}'); its files: ${files.slice(0, 20).join(", ")}`);
      out[split].push(...hit);
    }
  }
  return out;
}

/**
 * Loads a dataset the way Hugging Face `datasets` does.
 *
 * ```ts
 * const ds = await load_dataset("csv", { data_files: { train: "train.csv", test: "test.csv" } });
 * const one = await load_dataset("json", { data_files: "data/*.jsonl", split: "train" });
 * const hub = await load_dataset("user/reviews");           // a hub dataset repo (cached; offline afterwards)
 * ```
 */
export async function load_dataset(path_or_name: string, options: LoadDatasetOptions & { streaming: true; split: string }): Promise<IterableDataset>;
export async function load_dataset(path_or_name: string, options: LoadDatasetOptions & { streaming: true }): Promise<IterableDatasetDict>;
export async function load_dataset(path_or_name: string, options: LoadDatasetOptions & { split: string }): Promise<Dataset>;
export async function load_dataset(path_or_name: string, options?: LoadDatasetOptions): Promise<DatasetDict>;
export async function load_dataset(path_or_name: string, options: LoadDatasetOptions = {}): Promise<any> {
  if (typeof path_or_name !== "string" || !path_or_name) throw new TypeError(`load_dataset: expected a builder name ("csv", "json", "parquet", "text"), a folder or a hub dataset id, got ${JSON.stringify(path_or_name)}`);
  let files: Record<string, string[]>;
  let builder: Builder | null = null;
  if ((BUILDERS as string[]).includes(path_or_name)) {
    builder = path_or_name as Builder;
    if (options.data_files === undefined) throw new Error(`load_dataset("${path_or_name}"): give data_files (a path, a glob, a list, or { train, test })`);
    files = resolve_data_files(options.data_files, options.data_dir ?? process.cwd());
  } else if ((fs.existsSync(path_or_name) && fs.statSync(path_or_name).isDirectory()) || shipped_dataset_path(path_or_name)) {
    const folder = fs.existsSync(path_or_name) ? path_or_name : shipped_dataset_path(path_or_name)!;
    const root = path.resolve(folder, options.data_dir ?? "");
    if (options.data_files !== undefined) files = resolve_data_files(options.data_files, root);
    else {
      const rel = glob_files("**", root).map((f) => path.relative(root, f).split(path.sep).join("/"));
      const groups = group_by_split(rel, (f) => DATA_EXT.test(f), options.name);
      if (!Object.keys(groups).length) throw new Error(`load_dataset: the folder ${root} has no data files (.parquet, .csv, .json, .jsonl, .txt); it holds [${rel.slice(0, 20).join(", ")}]`);
      files = Object.fromEntries(Object.entries(groups).map(([k, v]) => [k, v.map((f) => path.join(root, f))]));
    }
  } else if (/^[\w.-]+\/[\w.-]+$/.test(path_or_name) && !fs.existsSync(path_or_name)) {
    files = await hub_files(path_or_name, options);
  } else {
    throw new Error(`load_dataset: '${path_or_name}' is not a builder ("csv", "json", "parquet", "text"), an existing folder, or a hub dataset id ('user/name')`);
  }
  const wanted = options.split !== undefined ? parse_split(options.split) : null;
  if (wanted && !(wanted.name in files)) {
    throw new Error(`load_dataset: unknown split '${wanted.name}'; the data has [${Object.keys(files).map((s) => `'${s}'`).join(", ")}]`);
  }
  if (options.streaming) {
    const make = (split: string) => IterableDataset.from_files(files[split], builder, options, split);
    if (wanted) {
      if (wanted.range) throw new Error("load_dataset: a sliced split ('train[:100]') needs the whole split; with streaming use .take(n) / .skip(n)");
      return make(wanted.name);
    }
    return new IterableDatasetDict(Object.fromEntries(Object.keys(files).map((s) => [s, make(s)])));
  }
  if (wanted) {
    const ds = await read_split(files[wanted.name], builder, options, wanted.name);
    if (!wanted.range) return ds;
    const [a, b] = wanted.range(ds.num_rows);
    return ds.select(Array.from({ length: Math.max(0, b - a) }, (_, i) => a + i)).with_split(options.split!);
  }
  const splits: Record<string, Dataset> = {};
  for (const [split, list] of Object.entries(files)) splits[split] = await read_split(list, builder, options, split);
  return new DatasetDict(splits);
}
