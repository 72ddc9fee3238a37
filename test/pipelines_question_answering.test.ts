// question-answering against transformers 4.31's QuestionAnsweringPipeline (test/fixtures/pipelines/
// question_answering/cases.json: the seed's context and questions on a tiny random BertForQuestionAnswering,
// in test/fixtures/checkpoints/question_answering). The goldens ran with the slow tokenizer: SQuAD-style
// windows (doc_stride = step), [UNK] context tokens masked, answers widened to whitespace words. bertlab
// follows the fast tokenizer: windows overlap by doc_stride tokens and answers are exact slices of the
// context at the tokenizer's word boundaries. Span scores on the recorded windows must match exactly.
import { before, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "path";
import { tf } from "../src/backend";
import { pipeline, qa_char_span, qa_postprocess, QaWindow, QuestionAnsweringPipeline, QuestionAnsweringResult, select_starts_ends } from "../src/pipelines";
import { assert_close, call, CHECKPOINTS, GoldenCall, js_index, load_calls } from "./fixtures/pipelines/golden";

const calls = load_calls("question_answering");
const MODEL = path.join(CHECKPOINTS, "question_answering");
const CONTEXT = call(calls, "q0_top1_windows").kwargs.context as string;
let qa: QuestionAnsweringPipeline;

before(async () => {
  qa = await pipeline("question-answering", MODEL, { use_fast: false });
});

/** The { question, context } of a golden call (its other kwargs are options). */
function ex(c: GoldenCall): { question: string; context: string } {
  return { question: c.kwargs.question as string, context: c.kwargs.context as string };
}

function list<T>(x: T | T[]): T[] {
  return Array.isArray(x) ? x : [x];
}

/**
 * A recorded slow window as a QaWindow: the golden logits, p_mask and attention mask, with the offsets,
 * word ids and sequence ids of the same tokens taken from bertlab's encoding of the whole pair.
 */
function slowWindow(question: string, f: Record<string, any>): QaWindow {
  const ids: number[] = f.model_inputs.input_ids[0];
  const full = qa.tokenizer(question, { text_pair: CONTEXT, return_offsets_mapping: true });
  const fullIds = full.input_ids;
  const ctxStart = fullIds.indexOf(qa.tokenizer.sep_token_id!) + 1;
  assert.deepEqual(ids.slice(0, ctxStart), fullIds.slice(0, ctxStart), "the question part of a window is the question");
  const winEnd = ids.indexOf(qa.tokenizer.sep_token_id!, ctxStart);
  const piece = ids.slice(ctxStart, winEnd);
  let k = -1;
  for (let s = ctxStart; s + piece.length <= fullIds.length && k < 0; s++) if (piece.every((id, j) => fullIds[s + j] === id)) k = s;
  assert.ok(k >= 0, "window context tokens are a run of the context's tokens");
  const words = full.word_ids(), seqs = full.sequence_ids(), offs = full.offset_mapping!;
  const at = (t: number): number | null => (t < ctxStart ? t : t < winEnd ? k + t - ctxStart : null);
  return {
    start_logits: f.start[0],
    end_logits: f.end[0],
    p_mask: f.model_inputs.p_mask[0],
    attention_mask: f.model_inputs.attention_mask[0],
    offsets: ids.map((_, t) => (at(t) === null ? [0, 0] : offs[at(t)!])),
    word_ids: ids.map((_, t) => (at(t) === null ? null : words[at(t)!])),
    sequence_ids: ids.map((_, t) => (at(t) === null ? null : seqs[at(t)!])),
  };
}

/** The golden answers' spans in JavaScript indices. */
function goldenSpans(c: GoldenCall): { score: number; start: number; end: number }[] {
  return list(c.output as QuestionAnsweringResult[]).map((a) => ({ score: a.score, start: js_index(CONTEXT, a.start), end: js_index(CONTEXT, a.end) }));
}

const recorded = calls.filter((c) => c.output !== undefined && !Array.isArray(c.kwargs.question));

describe("question-answering postprocessing on the recorded (slow) windows", () => {
  for (const c of recorded) {
    test(c.id, () => {
      const question = c.kwargs.question as string;
      const windows = c.forwards.map((f) => slowWindow(question, f));
      const out = list(qa_postprocess(CONTEXT, windows, qa.sanitize(c.kwargs as object).post));
      const want = goldenSpans(c);
      assert.equal(out.length, want.length);
      out.forEach((a, i) => {
        assert.ok(Math.abs(a.score - want[i].score) < 1e-4, `answer ${i}: score ${a.score} vs ${want[i].score}`);
        assert.equal(a.answer, CONTEXT.slice(a.start, a.end));
        if (want[i].start === 0 && want[i].end === 0) {
          assert.deepEqual(a, { score: a.score, start: 0, end: 0, answer: "" });
          return;
        }
        // The fast answer lies inside the slow one (whitespace words ⊇ tokenizer words).
        assert.ok(want[i].start <= a.start && a.end <= want[i].end, `answer ${i}: [${a.start}, ${a.end}) "${a.answer}" not inside [${want[i].start}, ${want[i].end})`);
      });
    });
  }

  test("answers are cut at the tokenizer's words, not at whitespace", () => {
    const c = call(calls, "q1_top3_maxlen5_single_window");
    const out = qa_postprocess(CONTEXT, [slowWindow(c.kwargs.question as string, c.forwards[0])], qa.sanitize(c.kwargs as object).post) as QuestionAnsweringResult[];
    // Slow: "over 32+" twice (two token spans widened to the same whitespace words); fast: the two spans.
    assert.deepEqual(out.map((a) => a.answer), ["over 32+", "over 32", "Understanding (NLU)"]);
    const q0 = call(calls, "q0_top1_windows");
    const a0 = qa_postprocess(CONTEXT, q0.forwards.map((f) => slowWindow(q0.kwargs.question as string, f)), qa.sanitize(q0.kwargs as object).post) as QuestionAnsweringResult;
    assert.equal(a0.answer, "…) for \nNatural Language Understanding (NLU)"); // "…" is a word of its own
    assert.equal((q0.output as QuestionAnsweringResult).answer, "XLNet…) for Natural Language Understanding (NLU)");
  });
});

describe("question-answering end to end", () => {
  test("single window: the inputs are the recorded ones (no padding), p_mask differs only at [UNK] context tokens", () => {
    for (const id of ["q0_default_single_window", "q1_top3_maxlen5_single_window"]) {
      const c = call(calls, id);
      const f = c.forwards[0];
      const [w] = qa.preprocess(ex(c), qa.sanitize(c.kwargs as object).pre);
      const n = w.input_ids.length;
      assert.deepEqual(w.input_ids, f.model_inputs.input_ids[0].slice(0, n));
      assert.ok(f.model_inputs.input_ids[0].slice(n).every((id: number) => id === 0));
      assert.deepEqual(w.token_type_ids, f.model_inputs.token_type_ids[0].slice(0, n));
      const diff = w.p_mask.map((m, t) => (m !== f.model_inputs.p_mask[0][t] ? t : -1)).filter((t) => t >= 0);
      // The slow path masks every special id, [UNK] included; the fast path masks by sequence only.
      assert.ok(diff.length > 0 && diff.every((t) => w.input_ids[t] === qa.tokenizer.unk_token_id && w.sequence_ids[t] === 1));
    }
  });

  test("single window: the model's logits match, and so do the answers' scores once [UNK] is masked as slow did", async () => {
    for (const id of ["q0_default_single_window", "q1_top3_maxlen5_single_window"]) {
      const c = call(calls, id);
      const f = c.forwards[0];
      const { pre, post } = qa.sanitize(c.kwargs as object);
      const w = qa.forward(qa.preprocess(ex(c), pre)[0]);
      w.start_logits = Array.from(w.start_logits);
      for (let t = 0; t < w.p_mask.length; t++) {
        assert.ok(Math.abs(w.start_logits[t] - f.start[0][t]) < 1e-4 && Math.abs(w.end_logits[t] - f.end[0][t]) < 1e-4, `${id}: logits at ${t}`);
      }
      // End to end = postprocess of our window.
      assert_close(await qa(ex(c), c.kwargs as object), qa_postprocess(CONTEXT, [w], post), 1e-6);
      const slowMask = { ...w, p_mask: w.p_mask.map((m, t) => (qa.tokenizer.all_special_ids.includes(qa.forward === undefined ? -1 : (qa.preprocess(ex(c), pre)[0].input_ids[t])) && t > 0 ? 1 : m)) };
      const scores = list(qa_postprocess(CONTEXT, [slowMask], post)).map((a) => a.score);
      assert_close(scores.map((score) => ({ score })), goldenSpans(c).map((a) => ({ score: a.score })));
    }
  });

  test("windows: max_seq_len tokens at most, consecutive context chunks overlapping by doc_stride tokens", () => {
    const c = call(calls, "q0_top1_windows");
    const { pre } = qa.sanitize(c.kwargs as object);
    const windows = qa.preprocess(ex(c), pre);
    const full = qa.tokenizer(CONTEXT, { add_special_tokens: false }).input_ids;
    assert.ok(windows.length >= 4);
    let covered = 0;
    windows.forEach((w, i) => {
      assert.ok(w.input_ids.length <= 48);
      const ctx = w.input_ids.filter((_, t) => w.sequence_ids[t] === 1);
      const offsetsIn = w.offsets.filter((_, t) => w.sequence_ids[t] === 1);
      const first = full.findIndex((_, s) => ctx.every((id, j) => full[s + j] === id) && (i === 0 || s > 0));
      assert.equal(first, i === 0 ? 0 : covered - 16, `window ${i} starts doc_stride tokens before the previous end`);
      covered = first + ctx.length;
      assert.equal(CONTEXT.slice(offsetsIn[0][0], offsetsIn[0][1]).length > 0, true);
    });
    assert.equal(covered, full.length);
  });

  test("windowed calls: answers are best-first exact slices; top_k, max_answer_len, handle_impossible_answer", async () => {
    const c = call(calls, "q1_top3_windows_maxlen5_impossible");
    const out = (await qa(ex(c), c.kwargs as object)) as QuestionAnsweringResult[];
    assert.equal(out.length, 3);
    for (let i = 1; i < out.length; i++) assert.ok(out[i - 1].score >= out[i].score);
    for (const a of out) {
      assert.equal(a.answer, CONTEXT.slice(a.start, a.end));
      if (a.answer) assert.ok(qa.tokenizer(a.answer, { add_special_tokens: false }).input_ids.length <= 5 + 2);
    }
    const withNull = (await qa(ex(c), { ...(c.kwargs as object), top_k: 5000 })) as QuestionAnsweringResult[];
    // The null answer (score p_start[CLS] * p_end[CLS], lowest over windows) is there once; spans starting at the
    // zeroed [CLS] may follow with score 0 when top_k exceeds the real candidates, as in HF.
    assert.equal(withNull.filter((a) => a.answer === "" && a.start === 0 && a.end === 0 && a.score > 0).length, 1);
    const best = (await qa(c.kwargs.question as string, CONTEXT, { doc_stride: 16, max_seq_len: 48 })) as QuestionAnsweringResult;
    assert.equal(best.answer, CONTEXT.slice(best.start, best.end));
  });

  test("batches: questions with one context, records, and (question, context) arrays", async () => {
    const c = call(calls, "batch_questions_windows");
    const qs = c.kwargs.question as string[];
    const opts = { top_k: 2, doc_stride: 16, max_seq_len: 48 };
    const a = (await qa(qs, CONTEXT, opts)) as QuestionAnsweringResult[][];
    const b = (await qa(qs.map((question) => ({ question, context: CONTEXT })), opts)) as QuestionAnsweringResult[][];
    const one = await qa(qs[1], CONTEXT, opts);
    assert.equal(a.length, 2);
    assert.deepEqual(a, b);
    assert.deepEqual(a[1], one);
    assert.deepEqual(await qa([qs[0]], [CONTEXT], opts), await qa({ question: qs[0], context: CONTEXT }, opts));
  });

  test("batch_size: windows of several questions in padded batches give the same answers", async () => {
    const qs = call(calls, "batch_questions_windows").kwargs.question as string[];
    const opts = { top_k: 3, doc_stride: 16, max_seq_len: 48 };
    const n = tf.memory().numTensors;
    assert_close(await qa(qs, CONTEXT, { ...opts, batch_size: 4 }), await qa(qs, CONTEXT, opts), 1e-5);
    assert.equal(tf.memory().numTensors, n);
  });

  test("errors as HF, and clear ones for bad inputs", async () => {
    const c = call(calls, "doc_stride_gt_max_seq_len_error");
    await assert.rejects(() => qa(ex(c), c.kwargs as object), (e: Error) => {
      assert.equal(`ValueError: ${e.message}`, c.error);
      return true;
    });
    await assert.rejects(() => qa({ question: "", context: CONTEXT }), /`question` cannot be empty/);
    await assert.rejects(() => qa(["a", "b"], ["c"]), /Questions and contexts don't have the same lengths/);
    await assert.rejects(() => qa({ question: "a" } as never), /needs the keys \{ question, context \}; it has \["question"\]/);
    await assert.rejects(() => qa({ question: "a", context: "b", top_k: 2 } as never), /unexpected key\(s\) \["top_k"\]; options such as top_k go in the last argument/);
    await assert.rejects(() => qa("a", CONTEXT, { top_k: 0 }), /top_k parameter should be >= 1 \(got number 0\)/);
    await assert.rejects(() => qa("a", CONTEXT, { max_answer_len: 0 }), /max_answer_len parameter should be >= 1/);
  });

  test("no tensors leak", async () => {
    await qa("warm up?", CONTEXT);
    const n = tf.memory().numTensors;
    await qa(["What does 🤗 Transformers provide?", "Which frameworks?"], CONTEXT, { doc_stride: 16, max_seq_len: 48, top_k: 2 });
    assert.equal(tf.memory().numTensors, n);
  });
});

describe("span selection (select_starts_ends) and character spans", () => {
  test("hand-built: masked tokens never answer, [CLS] gives the null score, max_answer_len bounds spans", () => {
    // tokens: [CLS] q [SEP] a b c [SEP]
    const p_mask = [0, 1, 1, 0, 0, 0, 1];
    const start = [2, 9, 0, 1, 0, 0, 9];
    const end = [2, 9, 0, 0, 0.5, 1, 9];
    const sel = select_starts_ends(start, end, p_mask, null, 1e6, 3, true, 2);
    const e = Math.E, h = Math.sqrt(e);
    const zs = e * e + e + 1 + 1, ze = e * e + 1 + h + e; // softmax over [CLS], a, b, c
    const ps = [e * e / zs, e / zs, 1 / zs, 1 / zs], pe = [e * e / ze, 1 / ze, h / ze, e / ze];
    assert.ok(Math.abs(sel.min_null_score - ps[0] * pe[0]) < 1e-12);
    // Candidates with end - start < 2: (a,b) = e^1.5 first, then (a,a), (b,c), (c,c) tie at e: row-major order.
    assert.deepEqual(sel.starts, [3, 3, 4]);
    assert.deepEqual(sel.ends, [4, 3, 5]);
    assert.ok(Math.abs(sel.scores[0] - ps[1] * pe[2]) < 1e-12);
    assert.ok(Math.abs(sel.scores[1] - ps[1] * pe[1]) < 1e-12);
    const top1 = select_starts_ends(start, end, p_mask, [1, 1, 1, 1, 1, 0, 1], 1e6, 1, false, 15);
    assert.deepEqual([top1.starts, top1.ends], [[3], [4]]); // c is padding now
  });

  test("plots' qa_best_spans (its own copy of the span search) agrees on the recorded windows", async () => {
    const { qa_best_spans } = await import("../plots");
    for (const c of recorded.filter((c) => c.forwards.length)) {
      for (const f of c.forwards) {
        const w = slowWindow(c.kwargs.question as string, f);
        const ours = select_starts_ends(w.start_logits, w.end_logits, w.p_mask, w.attention_mask, 1e6, 3, false, 5);
        const theirs = qa_best_spans(w.start_logits, w.end_logits, { p_mask: w.p_mask, attention_mask: w.attention_mask!, top_k: 3, max_answer_len: 5 });
        assert.deepEqual(theirs.spans.map((x) => [x.start, x.end]), ours.starts.map((st, k) => [st, ours.ends[k]]), c.id);
        theirs.spans.forEach((x, k) => assert.ok(Math.abs(x.score - ours.scores[k]) < 1e-9));
      }
    }
  });

  test("handle_impossible_answer: the null answer scores min over windows of p_start[CLS] * p_end[CLS]", () => {
    // [CLS] a b [SEP] twice; window 2's [CLS] is weaker, its null score is the one kept.
    const win = (cls: number): QaWindow => ({
      start_logits: [cls, 1, 0, 0], end_logits: [cls, 0, 1, 0], p_mask: [0, 0, 0, 1], attention_mask: [1, 1, 1, 1],
      offsets: [[0, 0], [0, 1], [2, 3], [0, 0]], word_ids: [null, 0, 1, null], sequence_ids: [null, 1, 1, null],
    });
    const sm = (v: number[]) => v.map((x) => Math.exp(x) / v.reduce((a, y) => a + Math.exp(y), 0));
    const nul = (cls: number) => sm([cls, 1, 0])[0] * sm([cls, 0, 1])[0];
    const params = { top_k: 3, handle_impossible_answer: true, max_answer_len: 15, align_to_words: true, sequence_index: 1 };
    const out = qa_postprocess("a b", [win(3), win(2)], params) as QuestionAnsweringResult[];
    assert.deepEqual(out.map((a) => [a.answer, a.start, a.end]), [["", 0, 0], ["a b", 0, 3], ["a", 0, 1]]);
    assert.ok(Math.abs(out[0].score - Math.min(nul(3), nul(2))) < 1e-7 && nul(2) < nul(3));
    assert.ok(Math.abs(out[1].score - sm([2, 1, 0])[1] * sm([2, 0, 1])[2]) < 1e-7); // window 2's (a, b)
    const without = qa_postprocess("a b", [win(3), win(2)], { ...params, handle_impossible_answer: false }) as QuestionAnsweringResult[];
    // Window 2's spans all beat window 1's; (a, a) and (b, b) tie exactly and keep row-major order.
    assert.deepEqual(without.map((a) => a.answer), ["a b", "a", "b"]);
  });

  test("qa_char_span: whole words with align_to_words, exact tokens without", () => {
    const w: QaWindow = {
      start_logits: [], end_logits: [], p_mask: [], attention_mask: null,
      offsets: [[0, 0], [0, 2], [2, 5], [6, 9], [0, 0]], word_ids: [null, 0, 0, 1, null], sequence_ids: [null, 1, 1, 1, null],
    };
    assert.deepEqual(qa_char_span(w, 2, 3, 1, true), [0, 9]);
    assert.deepEqual(qa_char_span(w, 2, 3, 1, false), [2, 9]);
  });
});
