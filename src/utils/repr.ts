// Concise reprs, the way transformers and torch print their objects, for console.log / util.inspect and a
// notebook cell's value: `install_repr(Class, fn)` puts `fn` on the class's prototype as `[util.inspect.custom]`
// and as the text/plain of `[Symbol.for("Jupyter.display")]` (Deno's convention, which bertlab's kernel reads).
// The formatters read fields structurally (this folder imports no other bertlab folder): a tokenizer as
// `BertTokenizerFast(name_or_path='…', vocab_size=30522, …)`, an optimizer as torch's `AdamW (\nParameter Group 0\n…)`
// block, a config as `BertConfig { …json… }`, and Python's repr() of plain values (`pyfloat`: 5e-05, 0.1, 1e-08).
import * as util from "util";
import { JUPYTER_DISPLAY, set_display } from "./displayable";

/** Python's repr() of a float (`2.0`, `1e-07`, `5e-05`), so text copied from upstream reads the same. */
export function pyfloat(x: number): string {
  if (Number.isNaN(x)) return "nan";
  if (!Number.isFinite(x)) return x > 0 ? "inf" : "-inf";
  if (x === 0) return Object.is(x, -0) ? "-0.0" : "0.0";
  const [mant, expStr] = x.toExponential().split("e"); // shortest round-trip digits
  const exp = Number(expStr);
  if (exp < -4 || exp >= 16) {
    return `${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  const neg = mant.startsWith("-");
  const digits = mant.replace("-", "").replace(".", "");
  let s: string;
  if (exp >= 0) {
    const intPart = digits.slice(0, exp + 1).padEnd(exp + 1, "0");
    const frac = digits.slice(exp + 1);
    s = `${intPart}.${frac || "0"}`;
  } else {
    s = `0.${"0".repeat(-exp - 1)}${digits}`;
  }
  return neg ? `-${s}` : s;
}

/** Python's repr() of a str: single quotes unless the text has one and no double quote. */
export function pystr(s: string): string {
  const q = s.includes("'") && !s.includes('"') ? '"' : "'";
  const body = s.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\t/g, "\\t").replace(new RegExp(q, "g"), "\\" + q);
  return q + body + q;
}

/**
 * Python's repr() of a plain value: True / False / None, ints as ints (`float_keys` name the keys whose numbers
 * are floats in Python: 0 → 0.0), str quoted, arrays as lists (`tuple` → tuples), objects as dicts.
 */
export function pyrepr(v: unknown, opts: { float?: boolean; tuple?: boolean } = {}): string {
  if (v === null || v === undefined) return "None";
  if (typeof v === "boolean") return v ? "True" : "False";
  if (typeof v === "number") return opts.float || !Number.isInteger(v) ? pyfloat(v) : Number.isSafeInteger(v) ? String(v) : BigInt(Math.round(v)).toString();
  if (typeof v === "string") return pystr(v);
  if (Array.isArray(v)) {
    const items = v.map((x) => pyrepr(x, { float: opts.float }));
    return opts.tuple ? `(${items.join(", ")}${items.length === 1 ? "," : ""})` : `[${items.join(", ")}]`;
  }
  if (typeof v === "object") return `{${Object.entries(v as object).map(([k, x]) => `${pystr(k)}: ${pyrepr(x, { float: opts.float })}`).join(", ")}}`;
  return String(v);
}

/** Puts a concise repr on a class: console.log / util.inspect and a notebook's text/plain show `repr(this)`. */
export function install_repr<T extends object>(cls: { prototype: T }, repr: (self: T) => string): void {
  const proto = cls.prototype as Record<symbol, unknown>;
  Object.defineProperty(proto, util.inspect.custom, {
    value: function (this: T) {
      return repr(this);
    },
    configurable: true,
    writable: true,
  });
  if (!Object.prototype.hasOwnProperty.call(proto, JUPYTER_DISPLAY)) {
    set_display(cls.prototype, function (this: T) {
      return { "text/plain": repr(this) };
    });
  }
}

const class_name = (o: object) => o.constructor?.name ?? "Object";

export type TokenizerLike = {
  name_or_path: string;
  vocab_size: number;
  model_max_length: number;
  padding_side: string;
  truncation_side: string;
  clean_up_tokenization_spaces: boolean;
  additional_special_tokens: string[];
  convert_tokens_to_ids(t: string): number | number[] | null | undefined;
};

const SPECIAL_ATTRIBUTES = ["bos_token", "eos_token", "unk_token", "sep_token", "pad_token", "cls_token", "mask_token"] as const;

/**
 * transformers' `PreTrainedTokenizerBase.__repr__`: `BertTokenizerFast(name_or_path='…', vocab_size=30522,
 * model_max_length=512, is_fast=True, padding_side='right', truncation_side='right', special_tokens={…},
 * clean_up_tokenization_spaces=True),  added_tokens_decoder={\n\t0: AddedToken("[PAD]", …),\n…}`.
 */
export function tokenizer_repr(t: TokenizerLike): string {
  const name = class_name(t);
  const self = t as unknown as Record<string, unknown>;
  const special: Record<string, unknown> = {};
  for (const a of SPECIAL_ATTRIBUTES) if (typeof self[a] === "string") special[a] = self[a];
  if (t.additional_special_tokens?.length) special.additional_special_tokens = t.additional_special_tokens;
  const fields = [
    `name_or_path=${pystr(t.name_or_path ?? "")}`,
    `vocab_size=${t.vocab_size}`,
    `model_max_length=${pyrepr(t.model_max_length)}`,
    `is_fast=${name.endsWith("Fast") ? "True" : "False"}`,
    `padding_side=${pystr(t.padding_side)}`,
    `truncation_side=${pystr(t.truncation_side)}`,
    `special_tokens=${pyrepr(special)}`,
    `clean_up_tokenization_spaces=${pyrepr(t.clean_up_tokenization_spaces)}`,
  ];
  const specials = new Set([...SPECIAL_ATTRIBUTES.map((a) => self[a]).filter((x): x is string => typeof x === "string"), ...(t.additional_special_tokens ?? [])]);
  const added = self.added_tokens_decoder instanceof Map ? (self.added_tokens_decoder as Map<number, string>) : new Map<number, string>();
  const decoder = new Map<number, { token: string; special: boolean }>();
  for (const s of specials) {
    const id = t.convert_tokens_to_ids(s);
    if (typeof id === "number") decoder.set(id, { token: s, special: true });
  }
  for (const [id, token] of added) if (!decoder.has(id)) decoder.set(id, { token, special: specials.has(token) });
  const rows = [...decoder.entries()]
    .sort(([a], [b]) => a - b)
    .map(([id, { token, special: sp }]) => `\t${id}: AddedToken(${JSON.stringify(token)}, rstrip=False, lstrip=False, single_word=False, normalized=${sp ? "False" : "True"}, special=${sp ? "True" : "False"}),`);
  return `${name}(${fields.join(", ")}),  added_tokens_decoder={\n${rows.join("\n")}\n}`;
}

export type OptimizerLike = { param_groups: Array<Record<string, unknown>> };

/** torch's `Optimizer.__repr__`: the class name, then each parameter group's options (sorted, params left out). */
export function optimizer_repr(o: OptimizerLike): string {
  const lines = [`${class_name(o)} (`];
  (o.param_groups ?? []).forEach((g, i) => {
    lines.push(`Parameter Group ${i}`);
    for (const k of Object.keys(g).sort()) {
      if (k === "params" || g[k] === undefined) continue;
      const v = g[k];
      lines.push(`    ${k}: ${Array.isArray(v) ? pyrepr(v, { float: true, tuple: true }) : pyrepr(v, { float: typeof v === "number" })}`);
    }
  });
  lines.push(")");
  return lines.join("\n");
}

export type SchedulerLike = { optimizer: object; last_epoch: number; get_last_lr(): number[] };

/** A scheduler in one line: `LambdaLR(optimizer=AdamW, last_epoch=10, last_lr=[4.5e-05])`, plus its own settings. */
export function scheduler_repr(s: SchedulerLike, fields: string[] = []): string {
  const self = s as unknown as Record<string, unknown>;
  const own = fields.filter((f) => self[f] !== undefined).map((f) => `${f}=${pyrepr(self[f])}`);
  return `${class_name(s)}(optimizer=${class_name(s.optimizer)}, ${own.length ? own.join(", ") + ", " : ""}last_epoch=${s.last_epoch}, last_lr=${pyrepr(s.get_last_lr(), { float: true })})`;
}

/** transformers' `PretrainedConfig.__repr__`: `BertConfig {\n  "key": value, …\n}` (its to_json_string). */
export function config_repr(c: { to_json_string(): string }): string {
  return `${class_name(c)} ${c.to_json_string().replace(/\n$/, "")}`;
}

/** A Python dataclass's repr over sorted fields, one per line (transformers' `TrainingArguments.__str__`). */
export function dataclass_repr(o: object, dict: Record<string, unknown>): string {
  const rows = Object.keys(dict)
    .sort()
    .map((k) => `${k}=${typeof dict[k] === "string" ? dict[k] : pyrepr(dict[k])},\n`);
  return `${class_name(o)}(\n${rows.join("")})`;
}

/** A one-line summary of a field for composite reprs (Trainer): a class name, an array's length, a value. */
export function short_repr(v: unknown): string {
  if (v === null || v === undefined) return "None";
  if (Array.isArray(v)) return `${v.length} row${v.length === 1 ? "" : "s"}`;
  if (typeof v === "function") {
    const c = (v as { constructor?: { name?: string } }).constructor?.name; // a callable instance (a model, a tokenizer)
    return c && c !== "Function" && c !== "AsyncFunction" ? c : (v as { name?: string }).name || "function";
  }
  if (typeof v === "object") return class_name(v);
  return pyrepr(v);
}
