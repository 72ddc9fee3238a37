// token-classification / ner against transformers 4.31's TokenClassificationPipeline
// (test/fixtures/pipelines/token_classification/cases.json; the cased CoNLL-label model in
// test/fixtures/checkpoints/token_classification). The goldens ran with the slow tokenizer (start/end
// null, first/average/max and stride refused); bertlab follows the fast tokenizer there: its start/end
// must equal the goldens computed with the fast offsets passed as offset_mapping, and the word
// strategies are checked on hand-built logits and on the recorded ones.
import { before, describe, test } from "node:test";
import * as assert from "node:assert/strict";
import * as path from "path";
import { tf } from "../src/backend";
import { AutoTokenizer, BertTokenizer } from "../src/tokenizers";
import {
  aggregate_overlapping_entities, GroupedEntity, pipeline, pipeline_warnings, TokenClassificationContext, TokenClassificationPipeline,
  token_classification_postprocess, TokenEntity,
} from "../src/pipelines";
import { assert_close, call, capture_warnings, CHECKPOINTS, load_calls } from "./fixtures/pipelines/golden";

const calls = load_calls("token_classification");
const MODEL = path.join(CHECKPOINTS, "token_classification");
const SENTENCE = call(calls, "none_default").args[0] as string;
let ner: TokenClassificationPipeline;

before(async () => {
  ner = await pipeline("ner", MODEL, { use_fast: false });
});

/** The fast answer of a slow golden: start/end from the golden run that was given the fast offsets. */
function withOffsets(slowId: string, fastId: string): unknown {
  const slow = call(calls, slowId).output as Record<string, unknown>[];
  const fast = call(calls, fastId).output as Record<string, unknown>[];
  assert.equal(slow.length, fast.length);
  return slow.map((e, i) => ({ ...e, start: fast[i].start, end: fast[i].end }));
}

describe("token-classification preprocessing", () => {
  for (const c of calls.filter((c) => c.forwards.length)) {
    test(c.id, () => {
      const texts = (Array.isArray(c.args[0]) ? c.args[0] : [c.args[0]]) as string[];
      texts.forEach((t, i) => {
        const [chunk] = ner.preprocess(t, ner.sanitize({}));
        const want = c.forwards[i].model_inputs;
        assert.deepEqual(chunk.input_ids, want.input_ids[0]);
        assert.deepEqual(chunk.token_type_ids, want.token_type_ids[0]);
        assert.deepEqual(chunk.attention_mask, want.attention_mask[0]);
        assert.deepEqual(chunk.special_tokens_mask, want.special_tokens_mask[0]);
      });
    });
  }

  test("offsets are the fast tokenizer's (as recorded in the offset_mapping goldens)", () => {
    const [chunk] = ner.preprocess(SENTENCE, ner.sanitize({}));
    assert.deepEqual(chunk.offset_mapping, call(calls, "none_with_offset_mapping").kwargs.offset_mapping);
    // "Hu ##gging" is one word, "DUMBO" three pieces of one word.
    assert.deepEqual(chunk.word_ids!.slice(0, 4), [null, 0, 0, 1]);
    assert.deepEqual(chunk.word_ids!.slice(19, 23), [17, 17, 17, 18]);
  });
});

describe("token-classification postprocessing on the recorded logits", () => {
  for (const c of calls.filter((c) => c.output !== undefined)) {
    test(c.id, async () => {
      const [params, warnings] = await capture_warnings(pipeline_warnings, async () => ner.sanitize(c.kwargs));
      assert.deepEqual(warnings, c.warnings ?? []);
      const texts = (Array.isArray(c.args[0]) ? c.args[0] : [c.args[0]]) as string[];
      const user = c.kwargs.offset_mapping as [number, number][] | undefined;
      const outs = texts.map((t, i) => {
        const [chunk] = ner.preprocess(t, params, user ?? null);
        const slowChunk = { ...chunk, logits: c.forwards[i].logits[0], offset_mapping: user ?? null, word_ids: null };
        return ner.postprocess(t, [slowChunk], params);
      });
      // With no offsets (the slow tokenizer's case) start/end are null, exactly as recorded.
      assert_close(texts.length > 1 ? outs : outs[0], c.output);
    });
  }
});

describe("token-classification end to end (fast offsets)", () => {
  const fastOf: Record<string, string> = {
    none_default: "none_with_offset_mapping",
    none_explicit: "none_with_offset_mapping",
    simple: "simple_with_offset_mapping",
    simple_ignore_labels_empty: "simple_with_offset_mapping_ignore_empty",
    grouped_entities_legacy: "simple_with_offset_mapping",
    none_with_offset_mapping: "none_with_offset_mapping",
    simple_with_offset_mapping: "simple_with_offset_mapping",
    simple_with_offset_mapping_ignore_empty: "simple_with_offset_mapping_ignore_empty",
  };
  for (const [slowId, fastId] of Object.entries(fastOf)) {
    test(slowId, async () => {
      const c = call(calls, slowId);
      const [out, warnings] = await capture_warnings(pipeline_warnings, () => ner(c.args[0] as string, c.kwargs));
      assert_close(out, withOffsets(slowId, fastId));
      assert.deepEqual(warnings, c.warnings ?? []);
    });
  }

  test("simple_ignore_O_and_MISC: B-MISC / I-MISC do not filter 'MISC' groups (HF compares entity_group)", async () => {
    const c = call(calls, "simple_ignore_O_and_MISC");
    const out = (await ner(SENTENCE, c.kwargs)) as GroupedEntity[];
    assert_close(out, withOffsets("simple", "simple_with_offset_mapping"));
    assert.ok(out.some((e) => e.entity_group === "MISC"));
    const noMisc = (await ner(SENTENCE, { aggregation_strategy: "simple", ignore_labels: ["MISC"] })) as GroupedEntity[];
    assert.ok(noMisc.length > 0 && noMisc.every((e) => e.entity_group !== "MISC"));
    assert_close(out.map((e) => ({ ...e, start: null, end: null })), c.output);
  });

  test("batch_simple: golden groups, with start/end slicing each word out of its text", async () => {
    const c = call(calls, "batch_simple");
    const texts = c.args[0] as string[];
    const out = (await ner(texts, c.kwargs)) as GroupedEntity[][];
    assert_close(out.map((r) => r.map((e) => ({ ...e, start: null, end: null }))), c.output);
    out.forEach((r, i) => r.forEach((e) => {
      if (!e.word.includes("##") && !e.word.includes(" ")) assert.equal(texts[i].slice(e.start!, e.end!), e.word);
    }));
    assert.deepEqual(out[1].slice(2, 5).map((e) => [e.word, e.start, e.end]), [["at A", 12, 16], ["##c", 16, 17], ["##me", 17, 19]]);
  });

  test("first / average / max: sub-words merge into words (what the slow tokenizer refused)", async () => {
    for (const id of ["first", "average", "max"]) assert.match(call(calls, id).error!, /Slow tokenizers cannot handle subwords/);
    const none = call(calls, "none_with_offset_mapping").output as TokenEntity[];
    const [chunk] = ner.preprocess(SENTENCE, ner.sanitize({}));
    const words = chunk.word_ids!;
    for (const strategy of ["first", "average", "max"] as const) {
      const out = (await ner(SENTENCE, { aggregation_strategy: strategy })) as GroupedEntity[];
      for (const e of out) {
        // Every group starts where a word starts and ends where a word ends.
        const real = (i: number) => chunk.special_tokens_mask[i] === 0;
        const first = chunk.offset_mapping!.findIndex(([s], i) => real(i) && s === e.start);
        const last = chunk.offset_mapping!.findIndex(([, en], i) => real(i) && en === e.end);
        assert.ok(first > 0 && last > 0, `${strategy}: ${JSON.stringify(e)} not on token boundaries`);
        assert.notEqual(words[first], words[first - 1], `${strategy}: ${JSON.stringify(e)} starts inside a word`);
        assert.notEqual(words[last], words[last + 1], `${strategy}: ${JSON.stringify(e)} ends inside a word`);
        assert.ok(!e.word.includes("##"), `${strategy}: ${e.word}`);
      }
      const hugging = out[0];
      assert.deepEqual([hugging.entity_group, hugging.word, hugging.start, hugging.end], ["ORG", "Hugging", 0, 7]);
      // "Hu" (B-ORG 0.2452) and "##gging" (B-ORG 0.3165): first takes Hu's, max the larger one.
      if (strategy === "first") assert.ok(Math.abs(hugging.score - none[0].score) < 1e-6);
      if (strategy === "max") assert.ok(Math.abs(hugging.score - none[1].score) < 1e-6);
      if (strategy === "average") assert.ok(hugging.score > none[0].score && hugging.score < none[1].score);
    }
  });

  test("stride: long texts in overlapping chunks, entities merged without overlaps", async () => {
    const tok = await BertTokenizer.from_pretrained(MODEL, { model_max_length: 12 });
    const p = new TokenClassificationPipeline(ner.model, tok);
    const chunks = p.preprocess(SENTENCE, p.sanitize({ aggregation_strategy: "simple", stride: 3 }));
    assert.ok(chunks.length > 3);
    chunks.forEach((c) => assert.equal(c.input_ids.length, 12)); // padded to the longest chunk
    const out = (await p(SENTENCE, { aggregation_strategy: "first", stride: 3, ignore_labels: [] })) as GroupedEntity[];
    for (let i = 1; i < out.length; i++) assert.ok(out[i].start! >= out[i - 1].end!, `overlap: ${JSON.stringify(out.slice(i - 1, i + 1))}`);
    assert.equal(out[0].start, 0);
    assert.equal(out[out.length - 1].end, SENTENCE.length);
    await assert.rejects(() => p(SENTENCE, { stride: 3 }), /`stride` was provided to process all the text but `aggregation_strategy="AggregationStrategy.NONE"`, please select another one instead\./);
    await assert.rejects(() => p(SENTENCE, { stride: 12, aggregation_strategy: "simple" }), /`stride` must be less than `tokenizer.model_max_length`/);
  });

  test("batch_size: chunks of several texts in padded batches give the same entities", async () => {
    const texts = [SENTENCE, "Sarah works at Acme Corp in London.", "My name is Wolfgang and I live in Berlin."];
    for (const aggregation_strategy of ["none", "average"] as const) {
      assert_close(await ner(texts, { aggregation_strategy, batch_size: 2 }), await ner(texts, { aggregation_strategy }), 1e-5);
    }
  });

  test("bad options fail clearly", async () => {
    await assert.rejects(() => ner(SENTENCE, { aggregation_strategy: "longest" as never }), /aggregation_strategy must be one of 'none', 'simple', 'first', 'average', 'max', got "longest"/);
    await assert.rejects(() => ner(SENTENCE, { offset_mapping: [[0, 2]] }), /offset_mapping has 1 entries but the text has 32 tokens/);
    await assert.rejects(() => ner(["a", "b"], { offset_mapping: [[[0, 0]]] }), /offset_mapping should have the same batch size as the input/);
    await assert.rejects(() => ner(42 as never), /expected a text \(string\) or an array of texts, got number 42/);
  });

  test("no tensors leak", async () => {
    await ner("warm up");
    const n = tf.memory().numTensors;
    await ner([SENTENCE, "Sarah works at Acme Corp in London."], { aggregation_strategy: "max" });
    assert.equal(tf.memory().numTensors, n);
  });
});

describe("token-classification aggregation on hand-built logits", () => {
  // "Hugging Face rocks": [CLS] Hu ##gging Face rocks [SEP]; logits are log-probabilities.
  const text = "Hugging Face rocks";
  const probs = [[1, 0, 0], [0.1, 0.6, 0.3], [0.05, 0.15, 0.8], [0.2, 0.1, 0.7], [0.9, 0.05, 0.05], [1, 0, 0]];
  const vocab = ["[CLS]", "Hu", "##gging", "Face", "rocks", "[SEP]", "[UNK]"];
  const ctx: TokenClassificationContext = {
    id2label: { 0: "O", 1: "B-ORG", 2: "I-ORG" },
    convert_ids_to_tokens: (id) => vocab[id],
    convert_tokens_to_string: (t) => t.join(" ").split(" ##").join("").trim(),
    unk_token_id: 6,
    continuing_subword_prefix: "##",
  };
  const chunk = {
    logits: probs.map((r) => r.map((p) => Math.log(p))),
    input_ids: [0, 1, 2, 3, 4, 5],
    special_tokens_mask: [1, 0, 0, 0, 0, 1],
    offset_mapping: [[0, 0], [0, 2], [2, 7], [8, 12], [13, 18], [0, 0]] as [number, number][],
    word_ids: [null, 0, 0, 1, 2, null],
  };
  const run = (s: "none" | "simple" | "first" | "average" | "max", c = chunk, ignore?: string[]) => token_classification_postprocess(text, [c], ctx, s, ignore);
  const group = (score: number) => [{ entity_group: "ORG", score, word: "Hugging Face", start: 0, end: 12 }];

  test("none", () => {
    assert_close(run("none"), [
      { entity: "B-ORG", score: 0.6, index: 1, word: "Hu", start: 0, end: 2 },
      { entity: "I-ORG", score: 0.8, index: 2, word: "##gging", start: 2, end: 7 },
      { entity: "I-ORG", score: 0.7, index: 3, word: "Face", start: 8, end: 12 },
    ], 1e-6);
  });
  test("simple: B-ORG I-ORG I-ORG is one group, the mean of the token scores", () => assert_close(run("simple"), group(0.7), 1e-6));
  test("first: the word takes its first token's label", () => assert_close(run("first"), group((0.6 + 0.7) / 2), 1e-6));
  test("max: the word takes its most confident token's label", () => assert_close(run("max"), group((0.8 + 0.7) / 2), 1e-6));
  test("average: the word averages its tokens' probabilities", () => assert_close(run("average"), group((0.55 + 0.7) / 2), 1e-6));
  test("ignore_labels [] keeps O groups", () => {
    assert_close(run("first", chunk, []), [...group(0.65), { entity_group: "O", score: 0.9, word: "rocks", start: 13, end: 18 }], 1e-6);
  });
  test("without word ids (your own offsets) HF's length rule finds the same sub-words", () => {
    for (const s of ["first", "average", "max"] as const) assert_close(run(s, { ...chunk, word_ids: null as never }), run(s), 1e-9);
  });
  test("[UNK] shows the original text and is never a sub-word", () => {
    const unk = { ...chunk, input_ids: [0, 1, 2, 6, 4, 5] };
    assert.equal((run("none", unk) as TokenEntity[])[2].word, "Face");
  });
  test("overlapping chunk entities: the longest wins, then the best score", () => {
    const e = (start: number, end: number, score: number) => ({ entity_group: "ORG", word: "", start, end, score });
    assert.deepEqual(aggregate_overlapping_entities([e(5, 9, 0.5), e(0, 4, 0.2), e(5, 12, 0.1), e(0, 4, 0.3), e(13, 15, 0.4)]), [e(0, 4, 0.3), e(5, 12, 0.1), e(13, 15, 0.4)]);
  });
});

test("the default AutoTokenizer path runs too", async () => {
  const tok = await AutoTokenizer.from_pretrained(MODEL);
  const p = await pipeline("token-classification", ner.model, { tokenizer: tok });
  const out = (await p(SENTENCE)) as TokenEntity[];
  assert.deepEqual(out.map((e) => [e.index, e.start, e.end]), (call(calls, "none_with_offset_mapping").output as TokenEntity[]).map((e) => [e.index, e.start, e.end]));
});
