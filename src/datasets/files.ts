// Which files make which split: `data_files` as datasets takes it (a path, a glob, a list, or
// `{ train, test }`), and the split a repo file belongs to by datasets' naming conventions
// (`data/train-00000-of-00001.parquet`, `default/train/0000.parquet`, `test.csv`, ...).
import * as fs from "fs";
import * as path from "path";

/** load_dataset's `data_files`, as datasets takes it: a path or glob, a list of them, or split → path(s) (`{ train: "train.csv", test: ["test-*.csv"] }`). */
export type DataFiles = string | string[] | Record<string, string | string[]>;

const SPLIT_WORDS: Record<string, string[]> = {
  train: ["train", "training"],
  validation: ["validation", "valid", "val", "dev"],
  test: ["test", "testing", "eval", "evaluation"],
};

/** A glob (`*`, `**`, `?`, `[...]`) as a regular expression over `/`-separated relative paths. */
export function glob_regex(pattern: string): RegExp {
  let re = "";
  for (let i = 0; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === "*" && pattern[i + 1] === "*") {
      const slash = pattern[i + 2] === "/";
      re += slash ? "(?:.*/)?" : ".*";
      i += slash ? 2 : 1;
    } else if (c === "*") re += "[^/]*";
    else if (c === "?") re += "[^/]";
    else if (c === "[") {
      const end = pattern.indexOf("]", i + 1);
      if (end < 0) re += "\\[";
      else {
        re += `[${pattern.slice(i + 1, end).replace(/^!/, "^").replace(/\\/g, "\\\\")}]`;
        i = end;
      }
    } else re += c.replace(/[.+^${}()|\\]/g, "\\$&");
  }
  return new RegExp(`^${re}$`);
}

export const has_magic = (p: string) => /[*?[]/.test(p);

function walk(dir: string, prefix = ""): string[] {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: string[] = [];
  for (const e of entries) {
    if (e.name.startsWith(".")) continue; // hidden files, as datasets skips them
    const rel = prefix ? `${prefix}/${e.name}` : e.name;
    if (e.isDirectory()) out.push(...walk(path.join(dir, e.name), rel));
    else out.push(rel);
  }
  return out;
}

/** Files matching a glob (or the path itself), sorted; `base` resolves relative patterns. */
export function glob_files(pattern: string, base = process.cwd()): string[] {
  const abs = path.resolve(base, pattern);
  if (!has_magic(pattern)) return fs.existsSync(abs) && fs.statSync(abs).isFile() ? [abs] : [];
  const parts = abs.split(path.sep);
  const first = parts.findIndex(has_magic);
  const root = parts.slice(0, first).join(path.sep) || path.sep;
  const re = glob_regex(parts.slice(first).join("/"));
  return walk(root).filter((rel) => re.test(rel)).map((rel) => path.join(root, ...rel.split("/"))).sort();
}

/** What a pattern's folder holds (to say what was there when nothing matched). */
function nearby(pattern: string, base: string): string {
  const abs = path.resolve(base, pattern);
  const parts = abs.split(path.sep);
  const first = parts.findIndex(has_magic);
  let dir = first >= 0 ? parts.slice(0, first).join(path.sep) : path.dirname(abs);
  while (dir && !fs.existsSync(dir)) dir = path.dirname(dir);
  const files = walk(dir).slice(0, 20);
  return files.length ? `${dir} holds: ${files.join(", ")}${files.length === 20 ? ", ..." : ""}` : `${dir} holds no files`;
}

/** `data_files` → split → absolute paths; every pattern must match at least one file. */
export function resolve_data_files(data_files: DataFiles, base = process.cwd()): Record<string, string[]> {
  const map: Record<string, string[]> = typeof data_files === "string" || Array.isArray(data_files) ? { train: ([] as string[]).concat(data_files) } : data_files && typeof data_files === "object"
    ? Object.fromEntries(Object.entries(data_files).map(([k, v]) => [k, ([] as string[]).concat(v)]))
    : (() => { throw new TypeError(`load_dataset: data_files must be a path, a glob, a list of them, or { split: paths }, got ${JSON.stringify(data_files)}`); })();
  const out: Record<string, string[]> = {};
  for (const [split, patterns] of Object.entries(map)) {
    const files: string[] = [];
    const matched: string[] = [];
    for (const p of patterns) {
      if (typeof p !== "string" || !p) throw new TypeError(`load_dataset: data_files['${split}'] has ${JSON.stringify(p)}; expected paths or globs`);
      const hit = glob_files(p, base);
      if (hit.length === 0) {
        const others = matched.length ? ` The other patterns of split '${split}' matched: ${matched.map((f) => path.relative(base, f) || f).join(", ")}.` : "";
        throw new Error(`load_dataset: unable to find '${p}' (data_files of split '${split}'${has_magic(p) ? ": the glob matched no file" : ""}); ${nearby(p, base)}.${others}`);
      }
      for (const f of hit) if (!files.includes(f)) { files.push(f); matched.push(f); }
    }
    out[split] = files;
  }
  return out;
}

/** The split a repo file belongs to by its path (a folder or a file-name prefix naming it), else "train". */
export function split_of(file: string): string {
  const parts = file.toLowerCase().split("/");
  const dirs = parts.slice(0, -1);
  const base = parts[parts.length - 1];
  for (const [split, words] of Object.entries(SPLIT_WORDS)) if (dirs.some((d) => words.includes(d))) return split;
  for (const [split, words] of Object.entries(SPLIT_WORDS)) {
    if (words.some((w) => base.startsWith(w) && /^[-._ 0-9]/.test(base.slice(w.length)))) return split;
  }
  return "train";
}

/** A repo's (or folder's) data files grouped by split; `config` picks `<config>/` in a converted-Parquet layout. */
export function group_by_split(files: string[], is_data: (f: string) => boolean, config?: string): Record<string, string[]> {
  let data = files.filter((f) => is_data(f) && !/(^|\/)\./.test(f));
  // refs/convert/parquet: <config>/<split>/NNNN.parquet — keep one config (the named one, else "default", else the first)
  const configs = [...new Set(data.filter((f) => f.split("/").length === 3).map((f) => f.split("/")[0]))];
  if (configs.length && data.every((f) => f.split("/").length === 3)) {
    const pick = config ?? (configs.includes("default") ? "default" : configs[0]);
    if (!configs.includes(pick)) throw new Error(`load_dataset: config '${config}' not found; the repo has [${configs.map((c) => `'${c}'`).join(", ")}]`);
    data = data.filter((f) => f.startsWith(`${pick}/`));
  } else if (config !== undefined && config !== "default") {
    const under = data.filter((f) => f.startsWith(`${config}/`));
    if (!under.length) throw new Error(`load_dataset: config '${config}' not found (no folder '${config}/' among the data files)`);
    data = under;
  }
  const by: Record<string, string[]> = {};
  for (const f of data) (by[split_of(f)] ??= []).push(f);
  // datasets' order: train, validation, test
  const out: Record<string, string[]> = {};
  for (const k of Object.keys(SPLIT_WORDS)) if (by[k]) out[k] = by[k].sort();
  return out;
}
