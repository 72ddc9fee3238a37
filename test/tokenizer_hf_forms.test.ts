// Hugging Face call forms of the tokenizer that Python users reach for, each against transformers 4.31 / the
// Rust tokenizer: prepare_for_model (on every golden case and variant), pre-tokenized pairs in a batch,
// additional_special_tokens_ids, add_tokens(""), the fast class's pair token types without special tokens,
// token_to_sequence past the end, pad() of tensors, and Python's "Unable to create tensor" error.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as path from "node:path";
import { tf, ready } from "../src/backend";
import { AutoTokenizer, BertTokenizer, BertTokenizerFast } from "../src/tokenizers";
import { VARIANTS } from "./fixtures/tokenizer/variants";

const FIX = path.join(__dirname, "fixtures");
const VOCAB = { uncased: path.join(FIX, "vocab/bert-base-uncased"), cased: path.join(FIX, "vocab/bert-base-cased") };
interface Enc { input_ids: number[]; token_type_ids: number[]; attention_mask: number[]; special_tokens_mask: number[] }
interface Case { id: string; vocab: "uncased" | "cased"; text: string; text_pair?: string; slow: Enc & { tokens: string[]; tokens_pair?: string[]; variants: Record<string, Enc | { error: string }> } }
const cases: Case[] = JSON.parse(fs.readFileSync(path.join(FIX, "tokenizer/cases.json"), "utf8")).cases;
const UNABLE = "Unable to create tensor, you should probably activate truncation and/or padding with 'padding=True' 'truncation=True' to have batched tensors with the same length. Perhaps your features (`input_ids` in this case) have excessive nesting (inputs type `list` where type `int` is expected).";

let slow: Record<"uncased" | "cased", BertTokenizer>;
let fast: BertTokenizerFast;
before(async () => {
  await ready();
  slow = { uncased: await BertTokenizer.from_pretrained(VOCAB.uncased), cased: await BertTokenizer.from_pretrained(VOCAB.cased) };
  fast = (await AutoTokenizer.from_pretrained(VOCAB.uncased)) as BertTokenizerFast;
  assert.ok(fast instanceof BertTokenizerFast);
});

function quiet<T>(f: () => T): T {
  const e = console.error;
  console.error = () => {}; // the slow tokenizer logs impossible only_first / only_second truncations
  try {
    return f();
  } finally {
    console.error = e;
  }
}

test("prepare_for_model(ids, pair_ids, options) gives the slow tokenizer's encoding on every golden case and variant", () => {
  let checked = 0;
  for (const c of cases) {
    for (const tok of [slow[c.vocab], ...(c.vocab === "uncased" ? [fast] : [])]) {
      const ids = tok.convert_tokens_to_ids(c.slow.tokens);
      const pair = c.text_pair !== undefined ? tok.convert_tokens_to_ids(c.slow.tokens_pair!) : null;
      const enc = tok.prepare_for_model(ids, pair, { return_special_tokens_mask: true });
      const msg = `${c.id} (${tok.constructor.name})`;
      for (const k of ["input_ids", "token_type_ids", "attention_mask", "special_tokens_mask"] as const) assert.deepEqual(enc[k], c.slow[k], `${msg} ${k}`);
      for (const [name, want] of Object.entries(c.slow.variants)) {
        const opts = { ...VARIANTS[name], return_special_tokens_mask: true };
        if ("error" in want) {
          assert.throws(() => tok.prepare_for_model(ids, pair, opts), undefined, `${msg} ${name} should fail`);
          continue;
        }
        const v = quiet(() => tok.prepare_for_model(ids, pair, opts));
        for (const k of ["input_ids", "token_type_ids", "attention_mask", "special_tokens_mask"] as const) assert.deepEqual(v[k], want[k], `${msg} ${name} ${k}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 300, `${checked} variants`);
});

test("prepare_for_model: token types without special tokens, padded length, 1-D tensors", async () => {
  // Its overflow fields (pair_ids null or given, every strategy, tensors) are checked against the golden recorded
  // from transformers 4.31 in tokenizer_slow_overflow.test.ts.
  const tok = slow.uncased;
  // without special tokens: type 0 for the pair on every class (the base implementation), and the same error
  assert.deepEqual(fast.prepare_for_model([7592], [2088], { add_special_tokens: false }).token_type_ids, [0, 0]);
  assert.throws(() => fast.prepare_for_model([7592], [2088], { add_special_tokens: false, return_token_type_ids: true }), /Asking to return token_type_ids while setting add_special_tokens to false/);
  assert.equal(tok.prepare_for_model([7592], null, { padding: "max_length", max_length: 6, return_length: true }).length, 6);
  const t = tok.prepare_for_model([7592, 2088], null, { return_tensors: "tf" });
  assert.deepEqual(t.input_ids.shape, [4]);
  assert.deepEqual(await t.input_ids.array(), [101, 7592, 2088, 102]);
  t.dispose();
  const b = tok.prepare_for_model([7592, 2088], null, { return_tensors: "tf", prepend_batch_axis: true });
  assert.deepEqual(b.input_ids.shape, [1, 4]);
  b.dispose();
  assert.throws(() => tok.prepare_for_model("hello" as never), /prepare_for_model: ids must be an array of token ids \(integers\), got string "hello"/);
});

test("pairs of pre-tokenized word lists: text_pair per text, and batch_encode_plus([[words, pair_words], ...]), batched", () => {
  for (const tok of [slow.uncased, fast]) {
    const a = [["Hello", "world"], ["I", "like", "it"]];
    const b = [["my", "dog"], ["a", "lot"]];
    const viaPair = tok(a, { text_pair: b, is_split_into_words: true, padding: true });
    const viaBatch = tok.batch_encode_plus(a.map((w, i) => [w, b[i]] as [string[], string[]]), { is_split_into_words: true, padding: true });
    const joined = tok(a.map((w, i) => [w.join(" "), b[i].join(" ")] as [string, string]), { padding: true });
    for (const enc of [viaPair, viaBatch]) {
      assert.deepEqual(enc.input_ids, joined.input_ids);
      assert.deepEqual(enc.token_type_ids, joined.token_type_ids);
      assert.deepEqual(enc.attention_mask, joined.attention_mask);
      assert.deepEqual(enc.word_ids(1), [null, 0, 1, 2, null, 0, 1, null]);
      assert.deepEqual(enc.sequence_ids(0), [null, 0, 0, null, 1, 1, null, null]);
    }
    assert.throws(() => tok.batch_encode_plus([[["a"], ["b"]], ["c"]] as never, { is_split_into_words: true }), /batch_encode_plus: batch\[1\] must be a \[words, pair_words\] pair like the others/);
    assert.throws(() => tok([[["a"], ["b"]]] as never, { is_split_into_words: true }), /for pairs of word lists pass text_pair/);
  }
});

test("additional_special_tokens_ids; add_tokens('') adds nothing and returns 0", async () => {
  const tok = await BertTokenizer.from_pretrained(VOCAB.uncased); // a fresh one: tokens get added
  assert.deepEqual(tok.additional_special_tokens_ids, []);
  assert.equal(tok.add_special_tokens({ additional_special_tokens: ["<e1>", "[MASK]"] }), 1);
  assert.deepEqual(tok.additional_special_tokens, ["<e1>", "[MASK]"]);
  assert.deepEqual(tok.additional_special_tokens_ids, [30522, 103]);
  assert.equal(tok.add_tokens(""), 0);
  assert.equal(tok.add_tokens([""]), 0);
  assert.equal(tok.add_tokens(["", "bertlab"]), 1);
  assert.equal(tok.convert_tokens_to_ids("bertlab"), 30523);
  assert.throws(() => tok.add_tokens(42 as never), /add_tokens: expected a token \(string\) or an array of tokens, got number/);
});

test("fast class: a pair without special tokens keeps token type 1 for the second sequence (as Rust; slow gives 0)", async () => {
  const o = { text_pair: "my dog", add_special_tokens: false } as const;
  assert.deepEqual(fast("hello world", o).token_type_ids, [0, 0, 1, 1]);
  assert.deepEqual(fast("hello world", { ...o, return_token_type_ids: true }).input_ids, [7592, 2088, 2026, 3899]);
  assert.deepEqual(slow.uncased("hello world", o).token_type_ids, [0, 0, 0, 0]);
  assert.throws(() => slow.uncased("hello world", { ...o, return_token_type_ids: true }), /Asking to return token_type_ids while setting add_special_tokens to false/);
  assert.deepEqual(fast(["a b", "c"], { text_pair: ["d", "e f"], add_special_tokens: false }).token_type_ids, [[0, 0, 1], [0, 1, 1]]);
  // the Rust tokenizer itself, where its Node binding is installed
  let Tokenizer: { fromFile(f: string): { encode(a: string, b: string, o: object): Promise<{ getTypeIds(): number[]; getIds(): number[] }> } } | null = null;
  try {
    ({ Tokenizer } = require("tokenizers"));
  } catch {
    Tokenizer = null;
  }
  if (Tokenizer && fs.existsSync(path.join(VOCAB.uncased, "tokenizer.json"))) {
    const rust = Tokenizer.fromFile(path.join(VOCAB.uncased, "tokenizer.json"));
    for (const [a, b] of [["hello world", "my dog"], ["Hello, my dog is cute.", "I like it very much"], ["a", "b c d"]]) {
      const r = await rust.encode(a, b, { addSpecialTokens: false });
      const e = fast(a, { text_pair: b, add_special_tokens: false });
      assert.deepEqual(e.input_ids, r.getIds());
      assert.deepEqual(e.token_type_ids, r.getTypeIds());
    }
  }
});

test("token_to_sequence / token_to_word / token_to_chars: past the end null (Python None), negative indices from the end", () => {
  const enc = fast("hello world", { text_pair: "my dog" }); // [CLS] hello world [SEP] my dog [SEP]
  assert.equal(enc.token_to_sequence(7), null);
  assert.equal(enc.token_to_sequence(0, 100), null);
  assert.equal(enc.token_to_word(7), null);
  assert.equal(enc.token_to_chars(7), null);
  assert.equal(enc.token_to_sequence(-2), 1);
  assert.equal(enc.token_to_word(-2), 1);
  assert.deepEqual(enc.token_to_chars(-2), { start: 3, end: 6 });
  assert.equal(enc.token_to_sequence(-1), null); // the last [SEP]
  assert.equal(enc.token_to_sequence(5), 1);
  assert.throws(() => enc.token_to_sequence(1, 0), /batch_index 1 is out of range; this encoding has 1 row/);
});

test("pad(): tensors in, tensors out (Python infers return_tensors); arrays stay arrays; ragged rows with return_tensors raise Python's error", async () => {
  const tok = slow.uncased;
  const t = tok(["hello", "hello world"], { padding: true, return_tensors: "tf" });
  const n = tf.memory().numTensors;
  const padded = tok.pad(t, { padding: "max_length", max_length: 6 });
  assert.ok(padded.input_ids instanceof tf.Tensor);
  assert.deepEqual(await (padded.input_ids as tf.Tensor).array(), [[101, 7592, 102, 0, 0, 0], [101, 7592, 2088, 102, 0, 0]]);
  assert.deepEqual(await (padded.attention_mask as tf.Tensor).array(), [[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 0, 0]]);
  padded.dispose();
  assert.equal(tf.memory().numTensors, n);
  const perExample = tok.pad([{ input_ids: tf.tensor1d([101, 102], "int32") }, { input_ids: tf.tensor1d([101, 7592, 102], "int32") }]);
  assert.ok(perExample.input_ids instanceof tf.Tensor);
  assert.deepEqual(await (perExample.input_ids as tf.Tensor).array(), [[101, 102, 0], [101, 7592, 102]]);
  perExample.dispose();
  assert.deepEqual(tok.pad({ input_ids: [[101, 102], [101, 7592, 102]] }).input_ids, [[101, 102, 0], [101, 7592, 102]]);
  t.dispose();
  // ragged rows with return_tensors: transformers 4.31's message, word for word
  assert.throws(() => tok(["a b c", "d"], { return_tensors: "tf" }), (e: Error) => e.message.startsWith(UNABLE) && /'input_ids' has rows of lengths 5, 3; pass padding: true/.test(e.message));
  assert.throws(() => tok.pad({ input_ids: [[101, 102], [101, 7592, 102]] }, { padding: false, return_tensors: "tf" }), (e: Error) => e.message.startsWith(UNABLE));
  assert.throws(() => tok.pad([{ input_ids: [1, 2], labels: [1] }, { input_ids: [1, 2], labels: [1, 2] }], { return_tensors: "tf" }), (e: Error) => e.message.includes("Perhaps your features (`labels` in this case)"));
});

test("return_length: the fast class counts the padded row (len(encoding.ids)); the slow class too for one text (prepare_for_model pads first), not in a batch", () => {
  const o = { padding: true, return_length: true } as const;
  assert.deepEqual(slow.uncased(["hello", "hello world again"], o).length, [3, 5]);
  assert.deepEqual(fast(["hello", "hello world again"], o).length, [5, 5]);
  assert.deepEqual(fast(["hello", "hello world again"], { return_length: true }).length, [3, 5]);
  assert.equal(fast("hello", { padding: "max_length", max_length: 8, return_length: true }).length, 8);
  assert.equal(slow.uncased("hello", { padding: "max_length", max_length: 8, return_length: true }).length, 8);
  assert.deepEqual(slow.uncased(["hello"], { padding: "max_length", max_length: 8, return_length: true }).length, [3]);
});

test("Python's positional text_pair: tokenizer(question, context, options) is tokenizer(question, { text_pair: context, ... }) on every golden pair, slow and fast, batched, with tensors", async () => {
  let pairs = 0;
  for (const c of cases) {
    if (c.text_pair === undefined) continue;
    for (const t of [slow[c.vocab], fast]) {
      if (t === fast && c.vocab !== "uncased") continue;
      assert.deepEqual(t(c.text, c.text_pair), t(c.text, { text_pair: c.text_pair }), c.id);
      assert.deepEqual(t(c.text, c.text_pair, { max_length: 8, truncation: true }), t(c.text, { text_pair: c.text_pair, max_length: 8, truncation: true }), c.id);
    }
    assert.deepEqual(slow[c.vocab](c.text, c.text_pair).input_ids, c.slow.input_ids, c.id);
    pairs++;
  }
  assert.ok(pairs >= 10, `${pairs} golden pairs`);
  const t = slow.uncased;
  assert.deepEqual(t(["a b", "c"], ["d", "e f"], { padding: true }), t(["a b", "c"], { text_pair: ["d", "e f"], padding: true }));
  const before = tf.memory().numTensors;
  const enc = t("Who was Jim Henson?", "Jim Henson was a nice puppet", { return_tensors: "tf" });
  const kw = t("Who was Jim Henson?", { text_pair: "Jim Henson was a nice puppet", return_tensors: "tf" });
  assert.deepEqual(enc.input_ids.arraySync(), kw.input_ids.arraySync());
  assert.deepEqual(enc.token_type_ids.arraySync(), kw.token_type_ids.arraySync());
  for (const e of [enc, kw]) for (const v of Object.values(e)) if (v instanceof tf.Tensor) v.dispose();
  assert.equal(tf.memory().numTensors, before);
  // text_pair=None, as Python allows
  assert.deepEqual(t("a b", null), t("a b"));
  assert.throws(() => t("a", "b", { text_pair: "c" }), (e: Error) => e instanceof TypeError && /got multiple values for argument 'text_pair'/.test(e.message));
  assert.throws(() => (t as unknown as (...a: unknown[]) => unknown)("a", { padding: true }, {}), (e: Error) => e instanceof TypeError && /a third argument means the second is text_pair/.test(e.message));
});
