// torch-style printing of tfjs tensors: `tensor([[ 5.9950, -5.5033]])`, with torch's number formatting
// (fixed / integer-valued / scientific, common width), 80-column wrapping and the 3-edge-item `...` summary
// for tensors over 1000 elements. `util.inspect.custom` on tf.Tensor makes console.log and a tslab cell's
// last expression use it.
import * as util from "util";
import { tf } from "../backend";

/** How tensors are printed (Python: `torch.set_printoptions`); set_printoptions changes them. */
export type PrintOptions = {
  /** Digits after the decimal point (torch: 4). */
  precision: number;
  /** Summarize when a tensor has more elements than this (torch: 1000). */
  threshold: number;
  /** Items kept at each end of a summarized dimension (torch: 3). */
  edgeitems: number;
  /** Characters per line (torch: 80). */
  linewidth: number;
  /** Force (true) or forbid (false) scientific notation; undefined = torch's automatic choice. */
  sci_mode?: boolean;
};

/**
 * How tensors print (torch's print options: precision, threshold, edgeitems, linewidth); change them with set_printoptions.
 * @example
 * ```ts
 * set_printoptions({ precision: 2 })
 * ```
 */
export const print_options: PrintOptions = { precision: 4, threshold: 1000, edgeitems: 3, linewidth: 80 };

/** Like torch.set_printoptions. */
export function set_printoptions(opts: Partial<PrintOptions>): void {
  const limits: { [k: string]: [number, number] } = { precision: [0, 20], threshold: [0, Infinity], edgeitems: [0, 1000], linewidth: [1, 10000] };
  for (const [key, value] of Object.entries(opts)) {
    if (key === "sci_mode") {
      if (value !== undefined && typeof value !== "boolean") throw new Error(`set_printoptions: sci_mode must be true, false or undefined, got ${String(value)}`);
    } else if (!(key in limits)) {
      throw new Error(`set_printoptions: unknown option "${key}"; expected one of precision, threshold, edgeitems, linewidth, sci_mode`);
    } else {
      const [lo, hi] = limits[key];
      if (typeof value !== "number" || !(value >= lo && value <= hi) || (hi !== Infinity && !Number.isInteger(value))) {
        throw new Error(`set_printoptions: ${key} must be ${hi === Infinity ? "a number" : "an integer"} in [${lo}, ${hi}], got ${String(value)}`);
      }
    }
  }
  Object.assign(print_options, opts);
}

type Scalar = number | boolean | string;

/** Python's `'{:.Nf}'.format(x)`: round-half-even on exact binary ties (JS toFixed rounds them up). */
function fixed(x: number, digits: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  let s = x.toFixed(digits);
  const scaled = Math.abs(x) * 10 ** digits;
  const floor = Math.floor(scaled);
  if (scaled - floor === 0.5 && floor % 2 === 0 && (floor + 0.5) / 10 ** digits === Math.abs(x)) {
    s = (Math.sign(x) * floor / 10 ** digits).toFixed(digits);
    if (x < 0 && !s.startsWith("-")) s = "-" + s;
  }
  return s;
}

/** Python's `'{:.Ne}'.format(x)`: at least two exponent digits, signed. */
function sci(x: number, digits: number): string {
  if (!Number.isFinite(x)) return Number.isNaN(x) ? "nan" : x > 0 ? "inf" : "-inf";
  const [mant, exp] = x.toExponential(digits).split("e");
  const e = Number(exp);
  return `${mant}e${e < 0 ? "-" : "+"}${String(Math.abs(e)).padStart(2, "0")}`;
}

/** torch's _Formatter: picks the number format and the common width from the (summarized) values. */
class Formatter {
  private floating: boolean;
  private int_mode = true;
  private sci_mode = false;
  width = 1;

  constructor(values: Scalar[], floating: boolean, private opts: PrintOptions) {
    this.floating = floating;
    if (!floating) {
      for (const v of values) this.width = Math.max(this.width, this.plain(v).length);
    } else {
      const finite = (values as number[]).filter((v) => Number.isFinite(v) && v !== 0);
      if (finite.length) {
        let min = Infinity;
        let max = 0;
        for (const v of finite) {
          const a = Math.abs(v);
          if (a < min) min = a;
          if (a > max) max = a;
        }
        this.int_mode = finite.every((v) => v === Math.ceil(v));
        const p = opts.precision;
        if (this.int_mode) {
          this.sci_mode = max / min > 1000 || max > 1e8;
          for (const v of finite) this.width = Math.max(this.width, this.sci_mode ? sci(v, p).length : fixed(v, 0).length + 1);
        } else {
          this.sci_mode = max / min > 1000 || max > 1e8 || min < 1e-4;
          for (const v of finite) this.width = Math.max(this.width, (this.sci_mode ? sci(v, p) : fixed(v, p)).length);
        }
      }
      if (opts.sci_mode !== undefined) this.sci_mode = opts.sci_mode;
    }
  }

  private plain(v: Scalar): string {
    if (typeof v === "boolean") return v ? "True" : "False";
    if (typeof v === "string") return `'${v}'`;
    return String(v);
  }

  format(v: Scalar): string {
    let s: string;
    if (!this.floating) s = this.plain(v);
    else if (this.sci_mode) s = sci(v as number, this.opts.precision);
    else if (this.int_mode) s = fixed(v as number, 0) + (Number.isFinite(v) ? "." : "");
    else s = fixed(v as number, this.opts.precision);
    return s.padStart(this.width);
  }
}

/** Flat values + shape → the values torch's formatter sees when summarizing (edge items of every long dim). */
function summarized(data: ArrayLike<Scalar>, shape: number[], summarize: boolean, edge: number): Scalar[] {
  if (!summarize) return Array.from(data);
  const out: Scalar[] = [];
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const walk = (dim: number, offset: number) => {
    if (dim === shape.length) {
      out.push(data[offset]);
      return;
    }
    for (const i of kept(shape[dim], summarize, edge)) {
      if (i >= 0) walk(dim + 1, offset + i * strides[dim]);
    }
  };
  walk(0, 0);
  return out;
}

/** Indices shown along a dim; -1 marks the `...`. */
function kept(n: number, summarize: boolean, edge: number): number[] {
  if (!summarize || n <= 2 * edge) return Array.from({ length: n }, (_, i) => i);
  const head = Array.from({ length: edge }, (_, i) => i);
  const tail = Array.from({ length: edge }, (_, i) => n - edge + i);
  return [...head, -1, ...tail];
}

/** The bracketed body of a tensor, as torch's _tensor_str_with_formatter. */
function tensor_body(
  data: ArrayLike<Scalar>,
  shape: number[],
  opts: PrintOptions,
  indent: number,
  summarize: boolean,
  fmt: Formatter,
): string {
  const strides = shape.map((_, i) => shape.slice(i + 1).reduce((a, b) => a * b, 1));
  const rec = (dim: number, offset: number, ind: number): string => {
    const idx = kept(shape[dim], summarize && opts.edgeitems > 0, opts.edgeitems);
    if (dim === shape.length - 1) {
      const items = idx.map((i) => (i < 0 ? " ..." : fmt.format(data[offset + i])));
      const per_line = Math.max(1, Math.floor((opts.linewidth - ind) / (fmt.width + 2)));
      const lines: string[] = [];
      for (let i = 0; i < items.length; i += per_line) lines.push(items.slice(i, i + per_line).join(", "));
      return "[" + lines.join(",\n" + " ".repeat(ind + 1)) + "]";
    }
    const parts = idx.map((i) => (i < 0 ? "..." : rec(dim + 1, offset + i * strides[dim], ind + 1)));
    const rank_left = shape.length - dim;
    return "[" + parts.join("," + "\n".repeat(rank_left - 1) + " ".repeat(ind + 1)) + "]";
  };
  return rec(0, 0, indent);
}

/** Formats raw values like torch prints a tensor (the `tensor(` prefix and suffixes included). */
export function format_values(
  data: ArrayLike<Scalar>,
  shape: number[],
  dtype: string,
  opts: Partial<PrintOptions> = {},
): string {
  const o: PrintOptions = { ...print_options, ...opts };
  const prefix = "tensor(";
  const indent = prefix.length;
  const numel = shape.reduce((a, b) => a * b, 1);
  const floating = dtype === "float32" || dtype === "float16" || dtype === "float64";
  const suffixes: string[] = [];
  let body: string;
  if (numel === 0) {
    body = "[]";
    if (!(shape.length === 1 && shape[0] === 0)) suffixes.push(`size=(${shape.join(", ")})`);
  } else {
    const summarize = numel > o.threshold;
    const fmt = new Formatter(summarized(data, shape, summarize, o.edgeitems), floating, o);
    body = shape.length === 0 ? fmt.format(data[0]).trim() : tensor_body(data, shape, o, indent, summarize, fmt);
  }
  if (!["float32", "int32", "bool"].includes(dtype)) suffixes.push(`dtype=${dtype}`);
  // torch's _add_suffixes: a suffix that would overflow the line goes on its own line.
  let s = prefix + body;
  let last = s.length - s.lastIndexOf("\n") + 1;
  for (const suffix of suffixes) {
    if (last + suffix.length + 2 > o.linewidth) {
      s += ",\n" + " ".repeat(indent) + suffix;
      last = indent + suffix.length;
    } else {
      s += ", " + suffix;
      last += suffix.length + 2;
    }
  }
  return s + ")";
}

/** torch's number format for these values (common width and mode), one element at a time, trimmed: for tables. */
export function value_formatter(values: ArrayLike<Scalar>, dtype: string, opts: Partial<PrintOptions> = {}): (v: Scalar) => string {
  const floating = dtype === "float32" || dtype === "float16" || dtype === "float64";
  const fmt = new Formatter(Array.from(values), floating, { ...print_options, ...opts });
  return (v) => fmt.format(v).trim();
}

/** torch-style repr of a tfjs tensor, e.g. `tensor([[ 5.9950, -5.5033]])`. Reads the data synchronously. */
export function format_tensor(t: tf.Tensor, opts: Partial<PrintOptions> = {}): string {
  if (!(t instanceof tf.Tensor)) throw new Error(`format_tensor: expected a tf.Tensor, got ${util.inspect(t, { depth: 0 })}`);
  if (t.isDisposed) return `tensor(<disposed>, shape=[${t.shape.join(", ")}], dtype=${t.dtype})`;
  const data = t.dataSync() as ArrayLike<Scalar>;
  const values: ArrayLike<Scalar> = t.dtype === "bool" ? Array.from(data as ArrayLike<number>, (v) => v !== 0) : data;
  return format_values(values, t.shape, t.dtype, opts);
}

/** Formats any value for a cell: tensors torch-style, everything else through util.inspect (tensors inside too). */
export function format(value: unknown): string {
  if (typeof value === "string") return value;
  if (value instanceof tf.Tensor) return format_tensor(value);
  return util.inspect(value, { depth: 4, colors: false, maxArrayLength: 50 });
}

/** Python-like print: values separated by spaces, tensors shown torch-style. */
export function print(...values: unknown[]): void {
  install_inspect();
  process.stdout.write(values.map(format).join(" ") + "\n");
}

let installed = false;

/** Makes util.inspect (console.log, tslab's last-expression printing) show tensors torch-style. Idempotent. */
export function install_inspect(): void {
  if (installed) return;
  installed = true;
  Object.defineProperty(tf.Tensor.prototype, util.inspect.custom, {
    value: function (this: tf.Tensor) {
      return format_tensor(this);
    },
    configurable: true,
    writable: true,
    enumerable: false,
  });
}

/** Shorthand used in cells: `inspect(outputs)` returns the text a cell would print. */
export function inspect(value: unknown): string {
  install_inspect();
  return format(value);
}
