// What every attribution method shares: one encoded sentence as plain arrays, the [PAD] baseline, the
// target logit F of any head, and F run with the embeddings' output replaced (captum's layer hook on
// `bert.embeddings`). Always on tfjs (the hook and gradients live there), in eval mode.
import { tf } from "../backend";
import { with_engine } from "../engines/sync";
import type { Module } from "../nn";
import type { BertPreTrainedModel } from "../models";

/** One sentence (or pair) as a tokenizer returns it: tensors or arrays, [seq] or [1, seq]. */
export interface ExplainInputs {
  input_ids: tf.Tensor | number[] | number[][];
  attention_mask?: tf.Tensor | number[] | number[][];
  token_type_ids?: tf.Tensor | number[] | number[][];
  special_tokens_mask?: tf.Tensor | number[] | number[][];
}

/** What the methods need of a tokenizer (a BertTokenizer has it). */
export interface TokenizerLike {
  all_special_ids: number[];
  pad_token_id: number | null;
  convert_ids_to_tokens(ids: number[]): string[];
}

/**
 * Which output is explained (F):
 * - a number, or `{ class }`: that class's logit (sequence classification, NSP / pre-training's seq_relationship);
 * - `{ class, position }`: a token's label logit (token classification);
 * - `{ start }` / `{ end }`: the question-answering start / end logit at that token position;
 * - `{ token_id, position }`: the MLM logit of a vocabulary id at a (masked) position.
 */
export type AttributionTarget =
  | number
  | { class: number; position?: number }
  | { start: number }
  | { end: number }
  | { token_id: number; position: number };

/** How the attribution baseline is built: [PAD] everywhere except the special tokens (captum's BERT tutorial), or explicit ids. */
export interface BaselineOptions {
  /** Gives the special ids (kept in the baseline), the [PAD] id and the tokens' text. */
  tokenizer?: TokenizerLike;
  /** Special token ids kept in the baseline (when no tokenizer is given). */
  special_ids?: number[];
  /** The baseline ids outright (overrides the [PAD] rule). */
  baseline_ids?: number[];
}

export interface Encoded {
  input_ids: number[];
  attention_mask: number[];
  token_type_ids: number[];
  special_tokens_mask?: number[];
}

function row(name: string, v: ExplainInputs[keyof ExplainInputs]): number[] | undefined {
  if (v == null) return undefined;
  const a = (v instanceof tf.Tensor ? v.arraySync() : v) as number[] | number[][];
  if (Array.isArray(a[0])) {
    if (a.length !== 1) throw new Error(`${name}: explanations take one sentence (a batch of 1), got a batch of ${a.length}`);
    return (a[0] as number[]).slice();
  }
  return (a as number[]).slice();
}

/** The inputs as plain arrays of one sequence (mask 1s and type 0s by default). */
export function encode(inputs: ExplainInputs): Encoded {
  if (!inputs || inputs.input_ids == null) throw new Error("explain: inputs must hold input_ids (e.g. tokenizer(text, { return_tensors: 'tf' }))");
  const input_ids = row("input_ids", inputs.input_ids)!;
  const n = input_ids.length;
  const attention_mask = row("attention_mask", inputs.attention_mask) ?? new Array(n).fill(1);
  const token_type_ids = row("token_type_ids", inputs.token_type_ids) ?? new Array(n).fill(0);
  for (const [k, v] of [["attention_mask", attention_mask], ["token_type_ids", token_type_ids]] as const) {
    if (v.length !== n) throw new Error(`explain: ${k} has ${v.length} positions, input_ids ${n}`);
  }
  return { input_ids, attention_mask, token_type_ids, special_tokens_mask: row("special_tokens_mask", inputs.special_tokens_mask) };
}

/** captum tutorial's reference: every non-special token replaced by [PAD], special tokens kept. */
export function pad_baseline(model: BertPreTrainedModel, enc: Encoded, opts: BaselineOptions): number[] {
  if (opts.baseline_ids) {
    if (opts.baseline_ids.length !== enc.input_ids.length) throw new Error(`baseline_ids has ${opts.baseline_ids.length} ids, input_ids ${enc.input_ids.length}`);
    return opts.baseline_ids.slice();
  }
  const pad = opts.tokenizer?.pad_token_id ?? model.config.pad_token_id ?? 0;
  const special = opts.tokenizer ? new Set(opts.tokenizer.all_special_ids) : opts.special_ids ? new Set(opts.special_ids) : null;
  if (special) return enc.input_ids.map((id) => (special.has(id) ? id : pad));
  if (enc.special_tokens_mask) return enc.input_ids.map((id, i) => (enc.special_tokens_mask![i] ? id : pad));
  throw new Error("explain: cannot tell special tokens from words: pass { tokenizer }, { special_ids }, { baseline_ids }, or inputs with special_tokens_mask");
}

/** Tokens for display: the tokenizer's, else the ids as text. */
export function tokens_of(enc: Encoded, tokenizer?: TokenizerLike): string[] {
  return tokenizer ? tokenizer.convert_ids_to_tokens(enc.input_ids) : enc.input_ids.map(String);
}

/** The target's F for each row of a batch output: [batch]. */
export function target_scores(out: Record<string, unknown>, target: AttributionTarget, model_name = "model"): tf.Tensor1D {
  const get = (k: string) => out[k] as tf.Tensor | undefined;
  const need = (t: tf.Tensor | undefined, what: string): tf.Tensor => {
    if (!t) throw new Error(`explain: target ${JSON.stringify(target)} needs ${what}, which ${model_name} does not return`);
    return t;
  };
  const pick = (t: tf.Tensor, index: number[], what: string): tf.Tensor1D => {
    index.forEach((v, i) => {
      const size = t.shape[i + 1];
      if (!(Number.isInteger(v) && v >= 0 && v < size)) throw new Error(`explain: target ${what} ${v} is out of range 0..${size - 1}`);
    });
    const begin = [0, ...index];
    return t.slice(begin, [-1, ...index.map(() => 1)]).reshape([-1]) as tf.Tensor1D;
  };
  const t = typeof target === "number" ? { class: target } : target;
  if ("start" in t) return pick(need(get("start_logits"), "start_logits (question answering)"), [t.start], "start");
  if ("end" in t) return pick(need(get("end_logits"), "end_logits (question answering)"), [t.end], "end");
  if ("token_id" in t) {
    const logits = need(get("logits") ?? get("prediction_logits"), "MLM logits");
    if (logits.rank !== 3) throw new Error(`explain: target { token_id, position } needs token logits [batch, seq, vocab]; ${model_name} gives [${logits.shape}]`);
    return pick(logits, [t.position, t.token_id], "position / token_id");
  }
  const logits = need(get("seq_relationship_logits") ?? get("logits"), "class logits");
  if (logits.rank === 3) {
    if (t.position === undefined) throw new Error(`explain: ${model_name} scores every token; give the target as { class, position }`);
    return pick(logits, [t.position, t.class], "position / class");
  }
  return pick(logits, [t.class], "class");
}

/** The `bert.embeddings` module of a task model (or a BertModel's own). */
export function embeddings_module(model: BertPreTrainedModel): Module & { forward(a: object): tf.Tensor3D } {
  const hit = model.named_modules().find(([p]) => p === "bert.embeddings" || p === "embeddings");
  if (!hit) throw new Error(`${model.constructor.name} has no embeddings module`);
  return hit[1] as Module & { forward(a: object): tf.Tensor3D };
}

/** Runs `fn` in eval mode on tfjs (restoring the model's mode). */
export function in_eval<T>(model: BertPreTrainedModel, fn: () => T): T {
  const was = model.training;
  if (was) model.eval();
  try {
    return with_engine(model, "tfjs", fn);
  } finally {
    if (was) model.train();
  }
}

/** The embeddings' output for these ids [1, seq, hidden] (what captum's layer attributions start from). */
export function embed(model: BertPreTrainedModel, enc: Encoded, ids: number[] = enc.input_ids): tf.Tensor3D {
  return tf.tidy(() => embeddings_module(model).forward({
    input_ids: tf.tensor2d([ids], undefined, "int32"),
    token_type_ids: tf.tensor2d([enc.token_type_ids], undefined, "int32"),
  }));
}

/** Model inputs repeated `n` times (the embeddings' output is replaced, so the ids only give shapes). */
function batch_inputs(enc: Encoded, n: number): Record<string, tf.Tensor> {
  const rep = (v: number[]) => tf.tensor2d(new Array(n).fill(v), undefined, "int32");
  return { input_ids: rep(enc.input_ids), attention_mask: rep(enc.attention_mask), token_type_ids: rep(enc.token_type_ids) };
}

/** F for each row of `emb` [n, seq, hidden] used as the embeddings' output: [n]. Call inside tidy / grad. */
export function forward_from_embeddings(model: BertPreTrainedModel, enc: Encoded, emb: tf.Tensor, target: AttributionTarget, head_mask?: tf.Tensor): tf.Tensor1D {
  const hook = embeddings_module(model).register_forward_hook(() => emb);
  try {
    const inputs = batch_inputs(enc, emb.shape[0]);
    const out = in_eval(model, () => model.forward({ ...inputs, ...(head_mask ? { head_mask } : {}) })) as Record<string, unknown>;
    return target_scores(out, target, model.constructor.name);
  } finally {
    hook.remove();
  }
}

/** Per-token scores: the sum over the hidden size, L2-normalised when asked (captum's BERT tutorial). */
export function token_scores(attr: number[][], normalize: boolean): number[] {
  const s = attr.map((r) => r.reduce((a, b) => a + b, 0));
  return normalize ? l2_normalize(s) : s;
}

export function l2_normalize(s: number[]): number[] {
  const norm = Math.sqrt(s.reduce((a, b) => a + b * b, 0));
  return norm > 0 ? s.map((v) => v / norm) : s.slice();
}
