// `%who` / `%whos`: the cells' names (those not starting with _), as IPython lists them — names separated by tabs,
// or a Variable / Type / Data/Info table with a tensor's shape and dtype, an array's length, a value's short repr.
import * as util from "util";

/** %who's (long: %whos's) text; `filter` keeps only these type names (`%who Tensor`). */
export function who(names: Record<string, unknown>, long: boolean, filter: string[]): string {
  const rows = Object.keys(names)
    .filter((k) => !k.startsWith("_"))
    .sort()
    .map((k) => ({ name: k, type: type_name(names[k]), info: data_info(names[k]) }))
    .filter((r) => !filter.length || filter.includes(r.type));
  if (!rows.length) return filter.length ? "No variables match your requested type.\n" : "Interactive namespace is empty.\n";
  if (!long) return rows.map((r) => r.name).join("\t") + "\t\n";
  const vw = Math.max(8, ...rows.map((r) => r.name.length)) + 3;
  const tw = Math.max(4, ...rows.map((r) => r.type.length)) + 3;
  const head = "Variable".padEnd(vw) + "Type".padEnd(tw) + "Data/Info";
  const lines = [head, "-".repeat(head.length + 5), ...rows.map((r) => r.name.padEnd(vw) + r.type.padEnd(tw) + r.info)];
  return lines.join("\n") + "\n";
}

/** A value's type as %whos shows it: JavaScript's typeof for primitives, "class" / "function", else its class name. */
function type_name(v: unknown): string {
  if (v === null) return "null";
  if (typeof v === "function") return /^class[\s{]/.test(Function.prototype.toString.call(v)) ? "class" : "function";
  if (typeof v !== "object") return typeof v;
  if (Array.isArray(v)) return "Array";
  const c = (v as { constructor?: { name?: string } }).constructor?.name;
  return c || "Object";
}

/** %whos's Data/Info: a tensor's shape and dtype, an array's length, a primitive's value, else a short repr. */
function data_info(v: unknown): string {
  const t = v as { shape?: unknown; dtype?: unknown; size?: unknown };
  if (v && typeof v === "object" && Array.isArray(t.shape) && typeof t.dtype === "string") return `shape [${(t.shape as number[]).join(", ")}] ${t.dtype}`;
  if (Array.isArray(v)) return `length ${v.length}`;
  if (v instanceof Map || v instanceof Set) return `size ${v.size}`;
  if (typeof v === "function") return `${(v as { name?: string }).name || "(anonymous)"}`;
  const s = util.inspect(v, { depth: 0, breakLength: Infinity, maxStringLength: 60 }).replace(/\s+/g, " ");
  return s.length > 70 ? s.slice(0, 67) + "..." : s;
}
