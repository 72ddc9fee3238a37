// Strict checks of a BERT call's integer inputs, made once before any engine runs (so "auto" never
// falls back to an engine that would coerce a bad value). PyTorch raises for a float, NaN or
// out-of-range id (`IndexError: index out of range in self`, or "expected scalar type Long"); tfjs would
// silently truncate 7592.9 to 7592, turn NaN into 0 and wrap 2^32 + 7592 to 7592. Here every value of
// input_ids, token_type_ids, position_ids, the masks, labels, next_sentence_label and start/end positions
// must be a number (not a string, boolean or bigint), an integer, and in range; the error names the
// input, the position, the value and what was expected:
//   input_ids[0][1] = 7592.9 is not an integer token id (expected an integer in [0, 30522))
// Labels may be -100 (ignored by the loss, as in PyTorch); float labels are allowed only where HF
// takes them (sequence classification regression / multi-label). An empty batch is a clear error.
import { tf } from "../backend";

/** The config keys the checks read (a bertlab BertConfig has them all). */
export interface CheckedConfig {
  vocab_size?: number;
  type_vocab_size?: number;
  max_position_embeddings?: number;
  num_labels?: number;
  problem_type?: string | null;
}

type Rule = {
  /** What one value is, for the message ("token id", "label"). */
  what: string;
  /** Allowed range [lo, hi); null: any integer. */
  range: [number, number] | null;
  why?: string;
  /** -100 is accepted (the loss's ignore_index). */
  ignore_index?: boolean;
  /** Non-integer finite numbers are accepted (regression / multi-label targets). */
  floats?: boolean;
};

function where(name: string, index: number[]): string {
  return `${name}${index.map((i) => `[${i}]`).join("")}`;
}

function show(v: unknown): string {
  if (typeof v === "string") return JSON.stringify(v.length > 40 ? v.slice(0, 37) + "..." : v);
  if (typeof v === "bigint") return `${v}n`;
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (typeof v === "object") return Array.isArray(v) ? "an array" : "an object";
  return String(v);
}

function expected(r: Rule): string {
  const ints = r.range ? `an integer in [${r.range[0]}, ${r.range[1]})` : "an integer";
  return `expected ${r.floats ? "a finite number" : ints}${r.ignore_index ? " or -100 (ignored)" : ""}${r.why ? `: ${r.why}` : ""}`;
}

/** Throws when one value breaks the rule. */
function check_value(name: string, index: number[], v: unknown, r: Rule): void {
  const at = () => where(name, index);
  if (typeof v !== "number") {
    const kind = typeof v === "string" ? "a string" : typeof v === "boolean" ? "a boolean" : typeof v === "bigint" ? "a bigint" : Array.isArray(v) ? "an array (the nesting is ragged)" : `${show(v)}`;
    throw new TypeError(`${at()} = ${show(v)} is ${kind}, not a ${r.what} (${expected(r)})`);
  }
  if (r.floats) {
    if (!Number.isFinite(v)) throw new RangeError(`${at()} = ${v} is not a finite ${r.what} (${expected(r)})`);
    return;
  }
  if (!Number.isInteger(v)) throw new RangeError(`${at()} = ${v} is not an integer ${r.what} (${expected(r)})`);
  if (r.ignore_index && v === -100) return;
  if (r.range && (v < r.range[0] || v >= r.range[1])) throw new RangeError(`${at()} = ${v} is out of range for a ${r.what} (${expected(r)})`);
}

function unravel(flat: number, shape: number[]): number[] {
  const out = new Array<number>(shape.length);
  for (let d = shape.length - 1; d >= 0; d--) {
    out[d] = flat % shape[d];
    flat = Math.floor(flat / shape[d]);
  }
  return out;
}

/** Checks every value of one input (tensor, typed array or nested array); returns its shape. */
function check_input(name: string, v: unknown, r: Rule): number[] {
  if (v instanceof tf.Tensor) {
    if (v.isDisposed) throw new Error(`${name}: the tensor was already disposed`);
    if (v.dtype === "string" || v.dtype === "complex64") throw new TypeError(`${name}: a ${v.dtype} tensor is not a tensor of ${r.what}s (${expected(r)})`);
    const data = v.dataSync() as ArrayLike<number>;
    for (let i = 0; i < data.length; i++) check_value(name, unravel(i, v.shape), Number(data[i]), r);
    return v.shape.slice();
  }
  if (ArrayBuffer.isView(v) && !(v instanceof DataView)) {
    const data = v as unknown as ArrayLike<number | bigint>;
    for (let i = 0; i < data.length; i++) check_value(name, [i], data[i], r);
    return [data.length];
  }
  if (typeof v === "number") {
    check_value(name, [], v, r);
    return [];
  }
  if (!Array.isArray(v)) throw new TypeError(`${name}: expected a tf.Tensor or a nested array of numbers, got ${show(v)}`);
  const shape: number[] = [];
  for (let level: unknown = v; Array.isArray(level); level = level[0]) shape.push(level.length);
  const walk = (x: unknown, index: number[]): void => {
    if (index.length === shape.length) return check_value(name, index, x, r);
    if (!Array.isArray(x)) return check_value(name, index, x, r); // a number where an array belongs: ragged
    if (x.length !== shape[index.length]) throw new RangeError(`${where(name, index)} has ${x.length} entries, but ${where(name, [...index.slice(0, -1), 0].slice(0, index.length))} has ${shape[index.length]}: the nested array is ragged (pad the batch)`);
    for (let i = 0; i < x.length; i++) walk(x[i], [...index, i]);
  };
  walk(v, []);
  return shape;
}

const LM_HEADS = ["BertForMaskedLM", "BertForPreTraining", "BertLMHeadModel"];

/** The rule for `labels` of a given head, or null when the head takes no labels. */
function label_rule(arch: string, config: CheckedConfig, labels: unknown, num_choices: number | undefined): Rule | null {
  if (LM_HEADS.includes(arch)) return { what: "label (token id)", range: [0, config.vocab_size ?? 30522], why: `config.vocab_size is ${config.vocab_size ?? 30522}`, ignore_index: true };
  if (arch === "BertForNextSentencePrediction") return { what: "label", range: [0, 2], why: "0 = is next, 1 = random", ignore_index: true };
  if (arch === "BertForTokenClassification") return { what: "label", range: [0, config.num_labels ?? 2], why: `config.num_labels is ${config.num_labels ?? 2}`, ignore_index: true };
  if (arch === "BertForMultipleChoice") return { what: "label", range: [0, num_choices ?? Infinity], why: `input_ids has ${num_choices} choices`, ignore_index: true };
  if (arch === "BertForSequenceClassification") {
    const n = config.num_labels ?? 2;
    const p = config.problem_type;
    // HF: regression for num_labels 1, multi-label for float labels; integer labels pick single-label.
    const floats = p === "regression" || p === "multi_label_classification" || (!p && (n === 1 || !all_integers(labels)));
    return floats ? { what: "label", range: null, floats: true } : { what: "label", range: [0, n], why: `config.num_labels is ${n}`, ignore_index: true };
  }
  return null;
}

function all_integers(v: unknown): boolean {
  if (v instanceof tf.Tensor) return v.dtype === "int32" || v.dtype === "bool";
  if (typeof v === "number") return Number.isInteger(v);
  if (Array.isArray(v)) return v.every(all_integers);
  return true; // other values fail the strict check anyway
}

/**
 * Validates a model call's integer inputs before any engine runs; throws a TypeError / RangeError naming
 * the input, the position and the value. `arch` is the model class name (it decides what labels are).
 */
export function check_model_inputs(arch: string, config: CheckedConfig, inputs: Record<string, unknown>): void {
  const vocab = config.vocab_size ?? 30522;
  let num_choices: number | undefined;
  if (inputs.input_ids != null) {
    const shape = check_input("input_ids", inputs.input_ids, { what: "token id", range: [0, vocab], why: `config.vocab_size is ${vocab}` });
    if (shape.length === 0 || shape.some((d) => d === 0)) {
      throw new RangeError(`input_ids is empty (shape [${shape}]): expected [batch, seq] with at least one sequence of at least one token`);
    }
    if (arch === "BertForMultipleChoice") num_choices = shape[1];
  }
  if (inputs.token_type_ids != null) {
    const n = config.type_vocab_size ?? 2;
    check_input("token_type_ids", inputs.token_type_ids, { what: "token type id", range: [0, n], why: `config.type_vocab_size is ${n}` });
  }
  if (inputs.position_ids != null) {
    const n = config.max_position_embeddings ?? 512;
    check_input("position_ids", inputs.position_ids, { what: "position id", range: [0, n], why: `config.max_position_embeddings is ${n}` });
  }
  for (const name of ["attention_mask", "encoder_attention_mask"]) {
    if (inputs[name] != null) check_input(name, inputs[name], { what: "mask value", range: [0, 2], why: "1 = attend, 0 = masked" });
  }
  if (inputs.labels != null) {
    const rule = label_rule(arch, config, inputs.labels, num_choices);
    if (rule) check_input("labels", inputs.labels, rule);
  }
  if (inputs.next_sentence_label != null) check_input("next_sentence_label", inputs.next_sentence_label, { what: "label", range: [0, 2], why: "0 = is next, 1 = random", ignore_index: true });
  for (const name of ["start_positions", "end_positions"]) {
    if (inputs[name] != null) check_input(name, inputs[name], { what: "token position", range: null });
  }
}
