// question-answering, as transformers 4.31's QuestionAnsweringPipeline with a fast tokenizer: the question
// and context are encoded as a pair, long contexts become windows of max_seq_len tokens overlapping by
// doc_stride (the tokenizer's overflow + stride), each window is scored (qa_spans.ts), and answers are exact
// slices of the context from the offsets (whole words of the tokenizer by default, align_to_words).
import { tf } from "../backend";
import type { BertPreTrainedModel } from "../models/bert/pretrained";
import { OVERFLOW_WINDOWS, type PaddingOption } from "../tokenizers/options";
import type { PreTrainedTokenizer } from "../tokenizers/tokenization_utils";
import { batch_size_of, Pipeline, warn } from "./base";
import { check_int, describe, f32 } from "./functions";
import { select_starts_ends } from "./qa_spans";
import type { KeyOr, ListResult } from "./narrow";

/** question-answering's call options (Python's keyword arguments): top_k, doc_stride, max_answer_len, max_seq_len, handle_impossible_answer... */
export interface QuestionAnsweringOptions {
  /** How many answers (default 1; one answer comes back as a record, several as a list). */
  top_k?: number;
  /** Deprecated spelling of top_k. */
  topk?: number;
  /** Tokens windows overlap by (default min(max_seq_len / 2, 128)). */
  doc_stride?: number;
  /** Longest answer in tokens (default 15). */
  max_answer_len?: number;
  /** Tokens per window, question included (default min(model_max_length, 384)). */
  max_seq_len?: number;
  /** Kept for HF compatibility; the fast path does not truncate the question. */
  max_question_len?: number;
  /** Also propose the empty answer, scored p_start[CLS] * p_end[CLS] (lowest over windows). */
  handle_impossible_answer?: boolean;
  /** Widen answers to whole words of the tokenizer (default true); false: exactly the tokens' characters. */
  align_to_words?: boolean;
  /** Padding of the windows (default none). */
  padding?: PaddingOption;
  /** Windows per model call (padded to the longest); default 1. */
  batch_size?: number;
}

/** One question-answering example: `{ question, context }` (Python's `QuestionAnsweringPipeline(question=..., context=...)`). */
export interface QuestionAnsweringInput {
  question: string;
  context: string;
}

/** One answer of the question-answering pipeline, as transformers' dict: `{ score, start, end, answer }`. */
export interface QuestionAnsweringResult {
  score: number;
  /** [start, end) of the answer in the context (JavaScript string indices). */
  start: number;
  end: number;
  /** context.slice(start, end) */
  answer: string;
}

/** One window's model output and alignment (what the post-processing needs). */
export interface QaWindow {
  start_logits: ArrayLike<number>;
  end_logits: ArrayLike<number>;
  /** 1 = cannot be part of the answer (question, special tokens); [CLS] is 0. */
  p_mask: number[];
  attention_mask: number[] | null;
  /** [start, end) of each token in its text; word and sequence of each token (null for special / pad). */
  offsets: [number, number][];
  word_ids: (number | null)[];
  sequence_ids: (number | null)[];
}

/** The question-answering pipeline's resolved postprocess parameters (from its call options). */
export interface QaPostprocessParams {
  top_k: number;
  handle_impossible_answer: boolean;
  max_answer_len: number;
  align_to_words: boolean;
  /** The sequence holding the context (1 when the question comes first). */
  sequence_index: number;
}

/** Python's get_indices: the character span of tokens s..e (whole words with align_to_words). */
export function qa_char_span(w: QaWindow, s: number, e: number, sequence_index: number, align_to_words: boolean): [number, number] {
  if (align_to_words) {
    const ws = w.word_ids[s], we = w.word_ids[e];
    const chars = (word: number | null, which: 0 | 1): number | null => {
      if (word === null) return null;
      let first = -1, last = -1;
      for (let t = 0; t < w.word_ids.length; t++) {
        if (w.word_ids[t] === word && w.sequence_ids[t] === sequence_index) {
          if (first < 0) first = t;
          last = t;
        }
      }
      if (first < 0) return null;
      return which === 0 ? w.offsets[first][0] : w.offsets[last][1];
    };
    const a = chars(ws, 0), b = chars(we, 1);
    if (a !== null && b !== null) return [a, b];
  }
  return [w.offsets[s][0], w.offsets[e][1]];
}

/** The answers of one example from its windows, as Python's postprocess (one record when one answer). */
export function qa_postprocess(context: string, windows: QaWindow[], params: QaPostprocessParams): QuestionAnsweringResult | QuestionAnsweringResult[] {
  let min_null_score = 1000000;
  let answers: QuestionAnsweringResult[] = [];
  for (const w of windows) {
    const sel = select_starts_ends(w.start_logits, w.end_logits, w.p_mask, w.attention_mask, min_null_score, params.top_k, params.handle_impossible_answer, params.max_answer_len);
    min_null_score = sel.min_null_score;
    sel.starts.forEach((s, k) => {
      const [start, end] = qa_char_span(w, s, sel.ends[k], params.sequence_index, params.align_to_words);
      answers.push({ score: f32(sel.scores[k]), start, end, answer: context.slice(start, end) });
    });
  }
  if (params.handle_impossible_answer) answers.push({ score: f32(min_null_score), start: 0, end: 0, answer: "" });
  answers = answers.map((a, i) => ({ a, i })).sort((x, y) => y.a.score - x.a.score || x.i - y.i).map((x) => x.a).slice(0, params.top_k);
  return answers.length === 1 ? answers[0] : answers;
}

/**
 * One example's answer as Python gives it: with `top_k` 1 (the default) one record, otherwise a list (or one
 * record when only one answer was found) — `K` is the effective top_k's type.
 */
export type QuestionAnsweringOutput<K> = [K] extends [1 | undefined] ? QuestionAnsweringResult : QuestionAnsweringResult | QuestionAnsweringResult[];

/** The effective top_k of a call: the call's top_k / topk, else the pipeline's. */
export type QaTopK<O, D> = KeyOr<O, "top_k", KeyOr<O, "topk", KeyOr<D, "top_k", KeyOr<D, "topk", undefined>>>>;

/** `D`: the options the pipeline was made with (their top_k decides the shape when the call gives none). */
export interface QuestionAnsweringPipeline<D extends QuestionAnsweringOptions = {}> {
  <const O extends QuestionAnsweringOptions = {}>(input: QuestionAnsweringInput, options?: O): Promise<QuestionAnsweringOutput<QaTopK<O, D>>>;
  <const T extends readonly QuestionAnsweringInput[], const O extends QuestionAnsweringOptions = {}>(inputs: T, options?: O): Promise<ListResult<T, QuestionAnsweringOutput<QaTopK<O, D>>>>;
  <const O extends QuestionAnsweringOptions = {}>(question: string, context: string, options?: O): Promise<QuestionAnsweringOutput<QaTopK<O, D>>>;
  <const T extends readonly string[], const O extends QuestionAnsweringOptions = {}>(question: T, context: string | readonly string[], options?: O): Promise<ListResult<T, QuestionAnsweringOutput<QaTopK<O, D>>>>;
}

/** One window's model inputs and alignment (logits still empty). */
export type QaInputs = QaWindow & { input_ids: number[]; token_type_ids?: number[] };

/** The question-answering pipeline's resolved preprocess parameters: window length, overlap and padding. */
export interface QaPreprocessParams {
  max_seq_len: number;
  doc_stride: number;
  padding: PaddingOption;
}

// eslint-disable-next-line @typescript-eslint/no-unused-vars -- D types the call signatures (the interface above)
export class QuestionAnsweringPipeline<D extends QuestionAnsweringOptions = {}> extends Pipeline<QuestionAnsweringOptions> {
  constructor(model: BertPreTrainedModel, tokenizer: PreTrainedTokenizer, defaults: QuestionAnsweringOptions = {}, task = "question-answering") {
    super(task, model, tokenizer, defaults);
  }

  /** The examples of a call: { question, context } records, or questions with a context (broadcast) or contexts. */
  static normalize_inputs(a: unknown, b?: unknown): { examples: QuestionAnsweringInput[]; single: boolean } {
    const check = (x: unknown, i: number | null): QuestionAnsweringInput => {
      const where = i === null ? "" : `[${i}]`;
      if (!x || typeof x !== "object" || Array.isArray(x)) throw new TypeError(`question-answering: input${where} must be a { question, context } record, got ${describe(x)}`);
      const r = x as Record<string, unknown>;
      for (const k of ["question", "context"]) {
        if (!(k in r)) throw new Error(`question-answering: input${where} needs the keys { question, context }; it has ${JSON.stringify(Object.keys(r))}`);
        if (r[k] === null || r[k] === undefined) throw new Error(`\`${k}\` cannot be None`);
        if (typeof r[k] !== "string") throw new TypeError(`question-answering: input${where}.${k} must be a string, got ${describe(r[k])}`);
        if ((r[k] as string).length === 0) throw new Error(`\`${k}\` cannot be empty`);
      }
      const extra = Object.keys(r).filter((k) => k !== "question" && k !== "context");
      if (extra.length) throw new Error(`question-answering: input${where} has unexpected key(s) ${JSON.stringify(extra)}; options such as top_k go in the last argument`);
      return { question: r.question as string, context: r.context as string };
    };
    if (typeof a === "string" || (Array.isArray(a) && typeof b !== "undefined" && (typeof b === "string" || Array.isArray(b)))) {
      const qs = a as string | string[], cs = b as string | string[] | undefined;
      if (cs === undefined) throw new Error("question-answering: a question needs a context: qa(question, context) or qa({ question, context })");
      if (typeof qs === "string" && typeof cs === "string") return { examples: [check({ question: qs, context: cs }, null)], single: true };
      if (Array.isArray(qs) && typeof cs === "string") return { examples: qs.map((q, i) => check({ question: q, context: cs }, i)), single: false };
      if (Array.isArray(qs) && Array.isArray(cs)) {
        if (qs.length !== cs.length) throw new Error("Questions and contexts don't have the same lengths");
        return { examples: qs.map((q, i) => check({ question: q, context: cs[i] }, i)), single: false };
      }
      throw new Error(`question-answering: arguments can't be understood (question ${describe(qs)}, context ${describe(cs)})`);
    }
    if (Array.isArray(a)) {
      if (a.length === 0) throw new Error("question-answering: got an empty array of inputs");
      return { examples: a.map((x, i) => check(x, i)), single: false };
    }
    return { examples: [check(a, null)], single: true };
  }

  sanitize(options: QuestionAnsweringOptions): { pre: QaPreprocessParams; post: QaPostprocessParams } {
    let top_k = options.top_k;
    if (options.topk !== undefined && top_k === undefined) {
      warn("topk parameter is deprecated, use top_k instead");
      top_k = options.topk;
    }
    if (top_k !== undefined && !(typeof top_k === "number" && top_k >= 1)) throw new Error(`top_k parameter should be >= 1 (got ${describe(top_k)})`);
    const mal = options.max_answer_len;
    if (mal !== undefined && !(typeof mal === "number" && mal >= 1)) throw new Error(`max_answer_len parameter should be >= 1 (got ${describe(mal)}`);
    const mml = this.tokenizer.model_max_length;
    const max_seq_len = check_int("question-answering: max_seq_len", options.max_seq_len ?? Math.min(mml, 384), 1);
    const doc_stride = check_int("question-answering: doc_stride", options.doc_stride ?? Math.min(Math.floor(max_seq_len / 2), 128), 0);
    if (doc_stride > max_seq_len) throw new Error(`\`doc_stride\` (${doc_stride}) is larger than \`max_seq_len\` (${max_seq_len})`);
    return {
      pre: { max_seq_len, doc_stride, padding: options.padding ?? false },
      post: {
        top_k: check_int("question-answering: top_k", top_k ?? 1, 1),
        handle_impossible_answer: options.handle_impossible_answer ?? false,
        max_answer_len: check_int("question-answering: max_answer_len", mal ?? 15, 1),
        align_to_words: options.align_to_words ?? true,
        sequence_index: this.tokenizer.padding_side === "right" ? 1 : 0,
      },
    };
  }

  /** The windows of one example: model inputs, p_mask and alignment (logits still empty). */
  preprocess(example: QuestionAnsweringInput, params: QaPreprocessParams): QaInputs[] {
    const question_first = this.tokenizer.padding_side === "right";
    const enc = this.tokenizer(question_first ? example.question : example.context, {
      text_pair: question_first ? example.context : example.question,
      padding: params.padding,
      truncation: question_first ? "only_second" : "only_first",
      max_length: params.max_seq_len,
      stride: params.doc_stride,
      return_token_type_ids: true,
      return_overflowing_tokens: true,
      [OVERFLOW_WINDOWS]: true, // windows from a slow tokenizer too
      return_offsets_mapping: true,
      return_special_tokens_mask: true,
    });
    const cls = this.tokenizer.cls_token_id;
    return enc.input_ids.map((input_ids, i) => {
      const sequence_ids = enc.sequence_ids(i);
      // 1 for what cannot be in the answer: the question and the special tokens; [CLS] stays 0.
      const p_mask = sequence_ids.map((s, t) => (cls !== null && input_ids[t] === cls ? 0 : question_first ? (s !== 1 ? 1 : 0) : 0));
      return {
        input_ids,
        token_type_ids: enc.token_type_ids?.[i],
        attention_mask: enc.attention_mask ? enc.attention_mask[i] : null,
        p_mask,
        offsets: enc.offset_mapping![i],
        word_ids: enc.word_ids(i),
        sequence_ids,
        start_logits: [],
        end_logits: [],
      };
    });
  }

  /** The start / end logits of one window. */
  forward(window: QaInputs): QaWindow {
    return this.forward_batch([window], 1)[0];
  }

  /** forward for several windows, `batch_size` per model call. */
  forward_batch(windows: QaInputs[], batch_size: number): QaWindow[] {
    const rows = windows.map((w) => ({ input_ids: w.input_ids, token_type_ids: w.token_type_ids, attention_mask: w.attention_mask ?? undefined }));
    return this.forward_rows(rows, batch_size, (out, b, length, i) => {
      const s = out.start_logits, e = out.end_logits;
      if (!(s instanceof tf.Tensor) || !(e instanceof tf.Tensor)) throw new Error(`question-answering needs a question-answering model (outputs 'start_logits' and 'end_logits'); ${this.model.constructor.name} returned ${Object.keys(out).join(", ")}`);
      const n = s.shape[1]!;
      const { input_ids: _i, token_type_ids: _t, ...rest } = windows[i];
      return {
        ...rest,
        start_logits: Array.from(s.dataSync().subarray(b * n, b * n + length)),
        end_logits: Array.from(e.dataSync().subarray(b * n, b * n + length)),
      };
    });
  }

  postprocess(example: QuestionAnsweringInput, windows: QaWindow[], params: QaPostprocessParams): QuestionAnsweringResult | QuestionAnsweringResult[] {
    return qa_postprocess(example.context, windows, params);
  }

  protected async _call(...args: unknown[]): Promise<unknown> {
    await this.ensure_ready();
    // (input | inputs, options?) or (question, context, options?)
    const pairForm = typeof args[0] === "string" || (Array.isArray(args[0]) && (typeof args[1] === "string" || Array.isArray(args[1])));
    const { examples, single } = pairForm ? QuestionAnsweringPipeline.normalize_inputs(args[0], args[1]) : QuestionAnsweringPipeline.normalize_inputs(args[0]);
    const options = (pairForm ? args[2] : args[1]) as QuestionAnsweringOptions | undefined;
    const opts = this.merged(options, this.task);
    const { pre, post } = this.sanitize(opts);
    // All windows of all examples go through the model together (batch_size per call), then regroup.
    const inputs = examples.map((ex) => this.preprocess(ex, pre));
    const outputs = this.forward_batch(inputs.flat(), batch_size_of(this.task, opts.batch_size));
    let k = 0;
    const results = examples.map((ex, i) => this.postprocess(ex, outputs.slice(k, (k += inputs[i].length)), post));
    return single || results.length === 1 ? results[0] : results;
  }
}
