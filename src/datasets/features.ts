// Column types, as `datasets` prints them: Value(dtype='string'), Value(dtype='int64'),
// Sequence(feature=Value(dtype='int64'), length=-1, id=None). A column holds one type; nulls (a missing
// CSV field, a JSON null) are allowed in any column. A column that mixes types is refused, naming rows.

export type Scalar = string | number | boolean | null;
/** One value of a column: a string, number, boolean or null, a list of cells, or an object of cells. */
export type Cell = Scalar | Cell[] | { [key: string]: Cell };
/** One row: column name → value (`ds[0]`); with format "tf" its numeric values are tensors. */
export type Row = Record<string, any>;
/** Columnar storage: column name → one value per row. */
export type Columns = Record<string, Cell[]>;

/**
 * A column's type, as datasets' features: Value(dtype) for scalars ("string", "int64", "float64", "bool", or "null"
 * for a column of nulls only), Sequence(feature) for lists, Struct (datasets' dict of features) for objects.
 */
export type Feature =
  | { _type: "Value"; dtype: "string" | "int64" | "float64" | "bool" | "null" }
  | { _type: "Sequence"; feature: Feature }
  | { _type: "Struct"; fields: Record<string, Feature> };
/** Column name → type: a dataset's `ds.features` (Python: `datasets.Features`), printed as datasets prints it. */
export type Features = Record<string, Feature>;

function kind(v: Cell): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "string") return "string";
  if (typeof v === "boolean") return "bool";
  if (typeof v === "number") return Number.isInteger(v) ? "int64" : "float64";
  if (Array.isArray(v)) return "list";
  return "struct";
}

/** Row numbers as "2, 5, 9" (at most 8, then "and N more"). */
export function row_list(rows: number[]): string {
  const shown = rows.slice(0, 8).join(", ");
  return rows.length > 8 ? `${shown} and ${rows.length - 8} more` : shown;
}

/** The type of one column; `where` names it in the error for mixed types ("column 'label' of data.jsonl"). */
export function infer_feature(values: Cell[], where: string, row_offset = 0): Feature {
  const rows = new Map<string, number[]>();
  values.forEach((v, i) => {
    let k = kind(v);
    if (k === "null") return;
    if (k === "int64") k = "number";
    if (k === "float64") k = "number";
    const list = rows.get(k);
    if (list) { if (list.length < 9) list.push(i + row_offset); } else rows.set(k, [i + row_offset]);
  });
  if (rows.size > 1) {
    const parts = [...rows].map(([k, r]) => `${k === "number" ? "numbers" : k === "list" ? "lists" : k === "struct" ? "objects" : k === "bool" ? "booleans" : "strings"} (rows ${row_list(r)})`);
    throw new TypeError(`${where} mixes types: ${parts.join(" and ")}; a column holds one type (convert it, or fix those rows)`);
  }
  const [only] = [...rows.keys()];
  if (only === undefined) return make_feature({ _type: "Value", dtype: "null" });
  if (only === "number") return make_feature({ _type: "Value", dtype: values.every((v) => v === null || Number.isInteger(v)) ? "int64" : "float64" });
  if (only === "string" || only === "bool") return make_feature({ _type: "Value", dtype: only });
  if (only === "list") {
    const inner: Cell[] = [];
    for (const v of values) if (Array.isArray(v)) for (const x of v) inner.push(x);
    return make_feature({ _type: "Sequence", feature: infer_feature(inner, `${where} (its list items)`) });
  }
  const keys = new Set<string>();
  for (const v of values) if (v && typeof v === "object") for (const k of Object.keys(v)) keys.add(k);
  const fields: Record<string, Feature> = {};
  for (const k of keys) fields[k] = infer_feature(values.map((v) => (v && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, Cell>)[k] ?? null : null)), `${where} (field '${k}')`, row_offset);
  return make_feature({ _type: "Struct", fields });
}

const INSPECT = Symbol.for("nodejs.util.inspect.custom");

/** Gives a feature (or a features record) datasets' repr in console.log and a cell's value. */
function with_repr<T extends object>(x: T, repr: () => string): T {
  Object.defineProperty(x, INSPECT, { value: repr, enumerable: false });
  Object.defineProperty(x, "toString", { value: repr, enumerable: false });
  return x;
}

export function make_feature(f: Feature): Feature {
  return with_repr(f, () => feature_repr(f));
}

export function make_features(fs: Features): Features {
  return with_repr(fs, () => features_repr(fs));
}

/** `Value(dtype='string')`, as datasets' repr. */
export function feature_repr(f: Feature): string {
  if (f._type === "Value") return `Value(dtype='${f.dtype}', id=None)`;
  if (f._type === "Sequence") return `Sequence(feature=${feature_repr(f.feature)}, length=-1, id=None)`;
  return `{${Object.entries(f.fields).map(([k, v]) => `'${k}': ${feature_repr(v)}`).join(", ")}}`;
}

/**
 * A dataset's features as datasets prints them (Python: `repr(ds.features)`).
 * @example
 * ```ts
 * features_repr(Dataset.from_dict({ text: ["a"], label: [1] }).features)
 * // "{'text': Value(dtype='string', id=None), 'label': Value(dtype='int64', id=None)}"
 * ```
 */
export function features_repr(fs: Features): string {
  return `{${Object.entries(fs).map(([k, v]) => `'${k}': ${feature_repr(v)}`).join(", ")}}`;
}

/** Columns from a list of row objects (keys of every row; a missing key is null). */
export function columns_from_rows(rows: Row[], where: string): Columns {
  const names: string[] = [];
  const seen = new Set<string>();
  rows.forEach((r, i) => {
    if (r === null || typeof r !== "object" || Array.isArray(r)) throw new TypeError(`${where}: row ${i} is ${r === null ? "null" : Array.isArray(r) ? "an array" : typeof r}; expected an object of column → value`);
    for (const k of Object.keys(r)) if (!seen.has(k)) { seen.add(k); names.push(k); }
  });
  const cols: Columns = {};
  for (const n of names) cols[n] = rows.map((r) => (r[n] === undefined ? null : r[n]));
  return cols;
}
