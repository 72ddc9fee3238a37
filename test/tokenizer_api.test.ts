// The tokenizer's public API beyond the golden cases: the seed's calls, tensors, errors, overflow
// windows (checked against the Rust tokenizer), pre-split words, padding/truncation sides, pad(),
// save/load, AutoTokenizer, and fast-check properties.
import { test, before } from "node:test";
import assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { inspect } from "node:util";
import fc from "fast-check";
import { tf } from "../src/backend";
import { AutoTokenizer, BasicTokenizer, BertTokenizer, BertTokenizerFast, WordpieceTokenizer } from "../src/tokenizers";

const FIX = path.join(__dirname, "fixtures");
const UNCASED = path.join(FIX, "vocab/bert-base-uncased");
const CASED = path.join(FIX, "vocab/bert-base-cased");

let tok: BertTokenizer;
let cased: BertTokenizer;
let fast: BertTokenizerFast;
// eslint-disable-next-line @typescript-eslint/no-var-requires
const { Tokenizer } = require("tokenizers");
const rust = Tokenizer.fromFile(path.join(UNCASED, "tokenizer.json"));

before(async () => {
  tok = await BertTokenizer.from_pretrained(UNCASED);
  cased = await BertTokenizer.from_pretrained(CASED);
  fast = await BertTokenizerFast.from_pretrained(UNCASED);
});

function tmpdir(tag: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `bertlab-${tag}-`));
}

function quiet<T>(fn: () => T): T {
  const [w, e] = [console.warn, console.error];
  console.warn = console.error = () => {};
  try {
    return fn();
  } finally {
    [console.warn, console.error] = [w, e];
  }
}

test("seed: the sentence pair, exactly as the walkthrough prints it", () => {
  const inputs = tok("Hello, my dog is cute. ", { text_pair: "I like it", padding: true });
  assert.deepEqual(inputs.input_ids, [101, 7592, 1010, 2026, 3899, 2003, 10140, 1012, 102, 1045, 2066, 2009, 102]);
  assert.deepEqual(inputs.token_type_ids, [0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]);
  assert.deepEqual(inputs.attention_mask, new Array(13).fill(1));
  assert.deepEqual(inputs.keys(), ["input_ids", "token_type_ids", "attention_mask"]);
});

test("seed: 'Hellp, my dog is cute' and the cased NER sentence", () => {
  assert.deepEqual(tok("Hellp, my dog is cute").input_ids, [101, 3109, 2361, 1010, 2026, 3899, 2003, 10140, 102]);
  const ner = "Hugging Face Inc. is a company based in New York City. Its headquarters are in DUMBO, therefore very close to the Manhattan Bridge.";
  assert.deepEqual(cased.tokenize(ner), [
    "Hu", "##gging", "Face", "Inc", ".", "is", "a", "company", "based", "in", "New", "York", "City", ".", "Its",
    "headquarters", "are", "in", "D", "##UM", "##BO", ",", "therefore", "very", "close", "to", "the", "Manhattan", "Bridge", ".",
  ]);
  assert.deepEqual(cased.tokenize(ner, { add_special_tokens: true }).slice(0, 3), ["[CLS]", "Hu", "##gging"]);
});

test("seed: tokens with special tokens via tokenize(decode(encode(sequence))), and the QA answer spans", () => {
  const sequence = "Hugging Face Inc. is a company based in New York City. Its headquarters are in DUMBO, therefore very close to the Manhattan Bridge.";
  const tokens = cased.tokenize(cased.decode(cased.encode(sequence)));
  assert.deepEqual(tokens, [
    "[CLS]", "Hu", "##gging", "Face", "Inc", ".", "is", "a", "company", "based", "in", "New", "York", "City", ".", "Its",
    "headquarters", "are", "in", "D", "##UM", "##BO", ",", "therefore", "very", "close", "to", "the", "Manhattan", "Bridge", ".", "[SEP]",
  ]);
  const ids = cased.encode(sequence, { return_tensors: "tf" });
  assert.deepEqual(ids.shape, [1, 32]);
  ids.dispose();
  const text = "🤗 Transformers (formerly known as pytorch-transformers and pytorch-pretrained-bert) \nprovides general-purpose architectures (BERT, GPT-2, RoBERTa, XLM, DistilBert, XLNet…) for \nNatural Language Understanding (NLU) and Natural Language Generation (NLG) with over 32+ \npretrained models in 100+ languages and deep interoperability between TensorFlow 2.0 and PyTorch.";
  const question = "How many pretrained models are available in 🤗 Transformers?";
  const inputs = tok(question, { text_pair: text, add_special_tokens: true });
  const toks = inputs.tokens();
  assert.equal(toks[toks.indexOf("[UNK]")], "[UNK]"); // the emoji
  const span = (words: string[]): string => {
    const start = toks.findIndex((_, i) => words.every((w, k) => toks[i + k] === w));
    assert.ok(start >= 0, words.join(" "));
    return tok.convert_tokens_to_string(tok.convert_ids_to_tokens(inputs.input_ids.slice(start, start + words.length)));
  };
  assert.equal(span(["over", "32", "+"]), "over 32 +");
  assert.equal(span(["general", "-", "purpose", "architecture", "##s"]), "general - purpose architectures");
  // The slow tokenizer's join (the seed's fast tokenizer also cleans " ." up: "tensorflow 2. 0 and pytorch").
  assert.equal(span(["tensor", "##flow", "2", ".", "0", "and", "p", "##yt", "##or", "##ch"]), "tensorflow 2 . 0 and pytorch");
  // The answer as an exact slice of the context, from the offsets.
  const enc = tok(question, { text_pair: text, return_offsets_mapping: true });
  const t32 = enc.tokens().indexOf("32");
  const plus = t32 + 1;
  assert.equal(text.slice(enc.offset_mapping![t32][0], enc.offset_mapping![plus][1]), "32+");
});

test("return_tensors 'tf' gives int32 [batch, seq] tensors, and they can all be freed", async () => {
  const before = tf.memory().numTensors;
  const one = tok("Hello, my dog is cute. ", { text_pair: "I like it", return_tensors: "tf" });
  assert.equal(one.input_ids.dtype, "int32");
  assert.deepEqual(one.input_ids.shape, [1, 13]);
  assert.deepEqual(await one.token_type_ids.array(), [[0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]]);
  const batch = tok(["Hello, my dog is cute", "I like it"], { padding: true, return_tensors: "tf", return_offsets_mapping: true });
  assert.deepEqual(batch.input_ids.shape, [2, 8]);
  assert.deepEqual(batch.attention_mask.shape, [2, 8]);
  assert.deepEqual(batch.offset_mapping!.shape, [2, 8, 2]);
  assert.deepEqual(await batch.attention_mask.array(), [[1, 1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 1, 1, 0, 0, 0]]);
  assert.deepEqual(batch.word_ids(1), [null, 0, 1, 2, null, null, null, null]);
  const enc = tok.encode("Hellp, my dog is cute", { return_tensors: "tf" });
  assert.deepEqual(enc.shape, [1, 9]);
  assert.equal(enc.dtype, "int32");
  assert.equal(tok.decode(enc), "[CLS] hellp, my dog is cute [SEP]");
  // Exactly the seed's printout of `inputs` (In [36]): Python's dict repr with torch's tensor repr.
  assert.equal(
    inspect(one),
    "{'input_ids': tensor([[  101,  7592,  1010,  2026,  3899,  2003, 10140,  1012,   102,  1045,\n" +
      "          2066,  2009,   102]]), 'token_type_ids': tensor([[0, 0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1]]), 'attention_mask': tensor([[1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1]])}",
  );
  one.dispose();
  batch.dispose();
  assert.match(inspect(one), /'input_ids': tensor\(<disposed>/);
  enc.dispose();
  assert.equal(tf.memory().numTensors, before);
});

test("ragged batches cannot become tensors without padding", () => {
  assert.throws(() => tok(["a", "a b c"], { return_tensors: "tf" }), /Unable to create tensor, you should probably activate truncation and\/or padding .*rows of lengths 3, 5; pass padding: true/);
});

test("special token properties match Hugging Face", () => {
  assert.equal(tok.cls_token, "[CLS]");
  assert.equal(tok.cls_token_id, 101);
  assert.equal(tok.sep_token_id, 102);
  assert.equal(tok.pad_token_id, 0);
  assert.equal(tok.mask_token_id, 103);
  assert.equal(tok.unk_token_id, 100);
  assert.equal(tok.bos_token_id, null);
  assert.deepEqual(tok.all_special_tokens, ["[UNK]", "[SEP]", "[PAD]", "[CLS]", "[MASK]"]);
  assert.deepEqual(tok.all_special_ids, [100, 102, 0, 101, 103]);
  assert.equal(tok.vocab_size, 30522);
  assert.equal(tok.model_max_length, 512);
  assert.equal(tok.do_lower_case, true);
  assert.deepEqual(tok.convert_tokens_to_ids(["hello", "[MASK]", "notaword!"]), [7592, 103, 100]);
  assert.equal(tok.convert_ids_to_tokens(7592), "hello");
  assert.deepEqual(tok.convert_ids_to_tokens([101, 7592, 102], true), ["hello"]);
  assert.equal(tok.convert_tokens_to_string(["hu", "##gging", "face"]), "hugging face");
  assert.deepEqual(tok.build_inputs_with_special_tokens([7, 8], [9]), [101, 7, 8, 102, 9, 102]);
  assert.deepEqual(tok.get_special_tokens_mask([7, 8], [9]), [1, 0, 0, 1, 0, 1]);
  assert.deepEqual(tok.get_special_tokens_mask([101, 7, 102, 0], null, true), [1, 0, 1, 1]);
  assert.deepEqual(tok.create_token_type_ids_from_sequences([7, 8], [9]), [0, 0, 0, 0, 1, 1]);
  assert.equal(tok.num_special_tokens_to_add(true), 3);
});

test("decode accepts arrays, typed arrays, [1, n] arrays and tensors; batch_decode takes [b, n]", () => {
  const ids = [101, 7592, 1010, 2026, 3899, 102];
  const want = "[CLS] hello, my dog [SEP]";
  assert.equal(tok.decode(ids), want);
  assert.equal(tok.decode(Int32Array.from(ids)), want);
  assert.equal(tok.decode([ids]), want);
  const t = tf.tensor2d([ids], [1, 6], "int32");
  assert.equal(tok.decode(t), want);
  assert.equal(tok.decode(ids, { skip_special_tokens: true, clean_up_tokenization_spaces: false }), "hello , my dog");
  const b = tf.tensor2d([ids, [101, 1045, 2066, 2009, 102, 0]], [2, 6], "int32");
  assert.deepEqual(tok.batch_decode(b, { skip_special_tokens: true }), ["hello, my dog", "i like it"]);
  assert.deepEqual(tok.batch_decode([[101, 1045, 102]]), ["[CLS] i [SEP]"]);
  assert.throws(() => tok.decode(b), /one sequence of ids.*\[2,6\].*batch_decode/);
  assert.throws(() => tok.decode("hello" as never), /decode: expected token ids.*string "hello"/);
  tf.dispose([t, b]);
});

test("errors name the bad input and what was expected", async () => {
  assert.throws(() => tok(42 as never), /text must be a string, an array of strings, or an array of \[text, text_pair\] pairs; got number 42/);
  assert.throws(() => tok(["ok", 3] as never), /text\[1\] must be a string or a \[text, text_pair\] pair of strings, got number 3/);
  assert.throws(() => tok("a", { text_pair: 5 as never }), /text_pair must be a string when text is a string, got number 5/);
  assert.throws(() => tok(["a", "b"], { text_pair: ["x"] }), /text_pair must be an array of 2 strings/);
  assert.throws(() => tok.tokenize(null as never), /tokenize: text must be a string, got null/);
  assert.throws(() => tok.encode({} as never), /encode: text must be a string.*object/);
  // Windows (the fast tokenizer's overflow) need room for a token besides [CLS]/[SEP]; the slow path follows
  // Python (a logged error, the input kept whole: test/tokenizer_slow_overflow.test.ts).
  assert.throws(() => fast("hello world", { max_length: 1, truncation: true, return_overflowing_tokens: true }), /max_length=1 is too small: the special tokens alone need 2/);
  assert.throws(() => fast("hello", { text_pair: "world", max_length: 2, truncation: "only_first", return_overflowing_tokens: true }), /max_length=2 is too small: the special tokens alone need 3/);
  assert.throws(() => tok("hello", { padding: "longer" as never }), /padding must be true, false, 'longest', 'max_length' or 'do_not_pad', got "longer"/);
  assert.throws(() => tok("hello", { truncation: "only_third" as never }), /truncation must be .*got "only_third"/);
  assert.throws(() => tok("hello", { return_tensors: "pt" as never }), /return_tensors must be 'tf'/);
  assert.throws(() => tok("hello", { max_length: -3 }), /max_length must be an integer >= 0, got -3/);
  assert.throws(() => fast("a b c d e f", { max_length: 5, truncation: "only_second", return_overflowing_tokens: true }), /'only_second' needs a second sequence/);
  assert.throws(() => tok("a b", { max_length: 10, truncation: true, padding: "max_length", pad_to_multiple_of: 8 }), /truncation length \(10\) is not a multiple of pad_to_multiple_of \(8\)/);
  assert.throws(() => tok("a", { add_special_tokens: false, return_token_type_ids: true }), /token_type_ids while setting add_special_tokens to false/);
  assert.throws(
    () => tok("a b c d e", { text_pair: "f g h", max_length: 6, truncation: true, return_overflowing_tokens: true }),
    /Not possible to return overflowing tokens for pair of sequences with the `longest_first`/,
  );
  // Missing files, and a vocabulary without [UNK].
  const empty = tmpdir("empty");
  await assert.rejects(BertTokenizer.from_pretrained(empty), /found neither vocab.txt nor tokenizer.json/);
  assert.throws(() => new BertTokenizer({ vocab_file: path.join(empty, "vocab.txt") }), /Can't find a vocabulary file at path '.*vocab.txt'/);
  fs.writeFileSync(path.join(empty, "vocab.txt"), "[PAD]\n[CLS]\n[SEP]\nhello\n");
  await assert.rejects(BertTokenizer.from_pretrained(empty), /has no unknown token '\[UNK\]'/);
  fs.rmSync(empty, { recursive: true, force: true });
});

test("an impossible only_first truncation logs an error and keeps the input whole, as the slow tokenizer", () => {
  const logged: string[] = [];
  const e = console.error;
  console.error = (m: string) => logged.push(m);
  try {
    const enc = tok("hi", { text_pair: "a b c d e f g h i j", max_length: 8, truncation: "only_first" });
    assert.equal(enc.input_ids.length, 14);
  } finally {
    console.error = e;
  }
  assert.match(logged[0], /We need to remove 6 to truncate the input but the first sequence has a length 1/);
});

test("max_length alone turns on longest_first truncation (Python's backward-compatible rule)", () => {
  const enc = quiet(() => tok("one two three four five six", { max_length: 5 }));
  assert.deepEqual(enc.input_ids, [101, 2028, 2048, 2093, 102]);
});

test("fast tokenizer: overflowing windows with stride (single texts, and QA-style only_second pairs)", () => {
  const letters = "a b c d e f g h i j k l m n o p q r s t u v w x y z";
  const single = fast(letters, { max_length: 8, stride: 2, truncation: true, return_overflowing_tokens: true });
  assert.deepEqual(single.input_ids.map((_, i) => single.tokens(i).join(" ")), [
    "[CLS] a b c d e f [SEP]",
    "[CLS] e f g h i j [SEP]",
    "[CLS] i j k l m n [SEP]",
    "[CLS] m n o p q r [SEP]",
    "[CLS] q r s t u v [SEP]",
    "[CLS] u v w x y z [SEP]",
  ]);
  assert.deepEqual(single.overflow_to_sample_mapping, [0, 0, 0, 0, 0, 0]);
  const qa = fast(["who?", "where is it?"], {
    text_pair: [letters, "a b c"], max_length: 12, stride: 2, truncation: "only_second", return_overflowing_tokens: true, padding: true, return_offsets_mapping: true,
  });
  assert.deepEqual(qa.input_ids.map((_, i) => qa.tokens(i).join(" ")), [
    "[CLS] who ? [SEP] a b c d e f g [SEP]",
    "[CLS] who ? [SEP] f g h i j k l [SEP]",
    "[CLS] who ? [SEP] k l m n o p q [SEP]",
    "[CLS] who ? [SEP] p q r s t u v [SEP]",
    "[CLS] who ? [SEP] u v w x y z [SEP] [PAD]",
    "[CLS] where is it ? [SEP] a b c [SEP] [PAD] [PAD]",
  ]);
  assert.deepEqual(qa.overflow_to_sample_mapping, [0, 0, 0, 0, 0, 1]);
  // Offsets point into each row's own context.
  assert.deepEqual(qa.offset_mapping![1].slice(4, 7), [[10, 11], [12, 13], [14, 15]]);
  assert.equal(letters.slice(...qa.offset_mapping![1][4]), "f");
  assert.deepEqual(qa.sequence_ids(1), [null, 0, 0, null, 1, 1, 1, 1, 1, 1, 1, null]);
  // A text that fits gives one row.
  const fits = fast("hello", { max_length: 8, stride: 2, truncation: true, return_overflowing_tokens: true });
  assert.deepEqual(fits.input_ids, [[101, 7592, 102]]);
  assert.throws(() => fast("a b c d e f g h", { max_length: 5, stride: 3, truncation: true, return_overflowing_tokens: true }), /stride \(3\) must be smaller than the 3 tokens left/);
});

test("slow tokenizer: only_second on one text, or max_length below the special tokens, truncates nothing, as Python's", () => {
  // Python's truncate_sequences: nothing to cut for only_second without a pair (bertlab says so once, on
  // console.warn); an impossible cut logs an error and keeps the input (every value: tokenizer_slow_overflow).
  const warned: string[] = [];
  const logged: string[] = [];
  const [w, e] = [console.warn, console.error];
  console.warn = (m: string) => warned.push(m);
  console.error = (m: string) => logged.push(m);
  try {
    const own = new BertTokenizer({ vocab: tok.vocab });
    assert.deepEqual(own("a b c d e f", { max_length: 5, truncation: "only_second" }).tokens(), ["[CLS]", "a", "b", "c", "d", "e", "f", "[SEP]"]);
    own("a b c d e f", { max_length: 5, truncation: "only_second" });
    assert.equal(warned.length, 1);
    assert.match(warned[0], /truncation 'only_second' has no second sequence to cut, so this 8-token input is not truncated to max_length=5/);
    assert.deepEqual(tok("hello world", { max_length: 1, truncation: true }).tokens(), ["[CLS]", "hello", "world", "[SEP]"]);
    assert.deepEqual(logged, ["We need to remove 3 to truncate the input but the first sequence has a length 2. "]);
  } finally {
    console.warn = w;
    console.error = e;
  }
});

test("pre-split words: word_ids index the words, offsets are within each word", () => {
  const enc = tok(["Hugging", "Face", "rocks!"], { is_split_into_words: true, return_offsets_mapping: true });
  assert.deepEqual(enc.tokens(), ["[CLS]", "hugging", "face", "rocks", "!", "[SEP]"]);
  assert.deepEqual(enc.word_ids(), [null, 0, 1, 2, 2, null]);
  assert.deepEqual(enc.offset_mapping, [[0, 0], [0, 7], [0, 4], [0, 5], [5, 6], [0, 0]]);
  const batch = cased([["Hugging", "Face"], ["DUMBO"]], { is_split_into_words: true, padding: true });
  assert.deepEqual(batch.word_ids(0), [null, 0, 0, 1, null]);
  assert.deepEqual(batch.word_ids(1), [null, 0, 0, 0, null]);
  assert.deepEqual(batch.word_to_tokens(1, 0), { start: 1, end: 4 });
});

test("char_to_token / token_to_chars locate answers in the context (QA)", () => {
  const q = "Where is it?";
  const ctx = "It is in Paris, naïve café.";
  const enc = tok(q, { text_pair: ctx });
  const t = enc.char_to_token(0, ctx.indexOf("Paris"), 1)!;
  assert.equal(enc.tokens()[t], "paris");
  const span = enc.token_to_chars(0, t)!;
  assert.equal(ctx.slice(span.start, span.end), "Paris");
  const cafe = enc.char_to_token(0, ctx.indexOf("café") + 3, 1)!;
  assert.equal(enc.tokens()[cafe], "cafe");
  assert.equal(enc.token_to_chars(0, 0), null);
  assert.equal(enc.char_to_token(0, 1000, 1), null);
  // Python's one-argument forms address row 0.
  assert.equal(enc.char_to_token(0), 1); // "where"
  assert.deepEqual(enc.token_to_chars(1), { start: 0, end: 5 });
  assert.equal(enc.token_to_sequence(t), 1);
  assert.equal(enc.token_to_sequence(0), null);
  assert.equal(enc.token_to_word(t), 3); // it is in [Paris]
  assert.equal(enc.char_to_word(0, ctx.indexOf("Paris") + 2, 1), 3);
  assert.deepEqual(enc.word_to_chars(0, 3, 1), { start: 9, end: 14 });
  assert.equal(enc.token_to_chars(0, 99), null); // past the end: None, as the fast tokenizer
});

test("padding and truncation sides", async () => {
  const left = await BertTokenizer.from_pretrained(UNCASED, { padding_side: "left", truncation_side: "left" });
  const enc = left(["i like it", "hello"], { padding: true });
  assert.deepEqual(enc.input_ids, [[101, 1045, 2066, 2009, 102], [0, 0, 101, 7592, 102]]);
  assert.deepEqual(enc.attention_mask, [[1, 1, 1, 1, 1], [0, 0, 1, 1, 1]]);
  assert.deepEqual(enc.word_ids(1), [null, null, null, 0, null]);
  const off = left(["hi there", "hello"], { padding: true, return_offsets_mapping: true, text_pair: ["x", "y"] });
  assert.deepEqual(off.offset_mapping, [
    [[0, 0], [0, 2], [3, 8], [0, 0], [0, 1], [0, 0]],
    [[0, 0], [0, 0], [0, 5], [0, 0], [0, 1], [0, 0]],
  ]);
  assert.deepEqual(off.sequence_ids(1), [null, null, 0, null, 1, null]);
  assert.deepEqual(off.token_type_ids, [[0, 0, 0, 0, 1, 1], [0, 0, 0, 0, 1, 1]]);
  assert.deepEqual(left("one two three four five", { max_length: 5, truncation: true }).input_ids, [101, 2093, 2176, 2274, 102]);
  assert.deepEqual(tok("one two three four five", { max_length: 5, truncation: true }).input_ids, [101, 2028, 2048, 2093, 102]);
});

test("pad(): per-example records from a dataset become a padded batch (labels kept)", async () => {
  const features = ["hello world", "i like it very much", "a"].map((t, i) => ({ ...tok(t), label: i % 2 }));
  const batch = tok.pad(features, { return_tensors: "tf" }) as unknown as Record<string, tf.Tensor>;
  assert.deepEqual(batch.input_ids.shape, [3, 7]);
  assert.deepEqual(await batch.attention_mask.array(), [[1, 1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 1, 1, 1], [1, 1, 1, 0, 0, 0, 0]]);
  assert.equal(batch.label.dtype, "int32");
  assert.deepEqual(await batch.label.array(), [0, 1, 0]);
  tf.dispose(Object.values(batch));
  const lists = tok.pad({ input_ids: [[101, 102], [101, 7592, 2088, 102]] }, { pad_to_multiple_of: 8 });
  assert.deepEqual(lists.input_ids, [[101, 102, 0, 0, 0, 0, 0, 0], [101, 7592, 2088, 102, 0, 0, 0, 0]]);
  assert.deepEqual(lists.attention_mask, [[1, 1, 0, 0, 0, 0, 0, 0], [1, 1, 1, 1, 0, 0, 0, 0]]);
  assert.throws(() => tok.pad([{ ids: [1] }]), /includes input_ids, but you provided \["ids"\]/);
  // An encoding of tensors pads to max_length (and stays tensors, as in Python; test/tokenizer_hf_forms.test.ts).
  const t = tok(["hello", "hello world"], { padding: true, return_tensors: "tf" });
  const wider = tok.pad(t, { padding: "max_length", max_length: 6 });
  assert.deepEqual(await (wider.input_ids as tf.Tensor).array(), [[101, 7592, 102, 0, 0, 0], [101, 7592, 2088, 102, 0, 0]]);
  assert.deepEqual(await (wider.attention_mask as tf.Tensor).array(), [[1, 1, 1, 0, 0, 0], [1, 1, 1, 1, 0, 0]]);
  wider.dispose();
  t.dispose();
});

test("return_length, special_tokens_mask with pairs, pad_to_multiple_of on one text", () => {
  const enc = tok(["hello", "hello world again"], { padding: true, return_length: true, return_special_tokens_mask: true });
  assert.deepEqual(enc.length, [3, 5]);
  assert.deepEqual(enc.special_tokens_mask, [[1, 0, 1, 1, 1], [1, 0, 0, 0, 1]]);
  assert.deepEqual(tok("hello", { padding: true, pad_to_multiple_of: 4 }).input_ids, [101, 7592, 102, 0]);
});

test("save_pretrained writes a folder that loads back to the same tokenizer", async () => {
  const dir = tmpdir("save");
  const files = cased.save_pretrained(dir);
  assert.deepEqual(files.map((f) => path.basename(f)), ["vocab.txt", "tokenizer_config.json", "special_tokens_map.json"]);
  assert.deepEqual(fs.readdirSync(dir).sort(), ["special_tokens_map.json", "tokenizer_config.json", "vocab.txt"]); // no temp files left
  const back = await AutoTokenizer.from_pretrained(dir);
  const text = "Hugging Face Inc. is in DUMBO, naïve café 中文";
  assert.deepEqual(back(text).input_ids, cased(text).input_ids);
  assert.equal(back.do_lower_case, false);
  assert.equal(back.model_max_length, 512);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("AutoTokenizer: BERT family from tokenizer_config / config.json, clear errors otherwise", async () => {
  const auto = await AutoTokenizer.from_pretrained(UNCASED);
  assert.ok(auto instanceof BertTokenizer);
  assert.deepEqual(auto("hello").input_ids, [101, 7592, 102]);
  const dir = tmpdir("auto");
  fs.copyFileSync(path.join(UNCASED, "vocab.txt"), path.join(dir, "vocab.txt"));
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ model_type: "distilbert" }));
  const distil = await AutoTokenizer.from_pretrained(dir);
  assert.deepEqual(distil("hello").keys(), ["input_ids", "attention_mask"]);
  fs.writeFileSync(path.join(dir, "config.json"), JSON.stringify({ model_type: "gpt2" }));
  await assert.rejects(AutoTokenizer.from_pretrained(dir), /config.json says model_type 'gpt2'; bertlab supports the BERT family only/);
  fs.writeFileSync(path.join(dir, "tokenizer_config.json"), JSON.stringify({ tokenizer_class: "RobertaTokenizer" }));
  await assert.rejects(AutoTokenizer.from_pretrained(dir), /tokenizer_class 'RobertaTokenizer'; bertlab supports the BERT family only/);
  fs.rmSync(dir, { recursive: true, force: true });
  const bare = tmpdir("bare");
  await assert.rejects(AutoTokenizer.from_pretrained(bare), /found no tokenizer files \(tokenizer_config.json, config.json, vocab.txt or tokenizer.json\)/);
  fs.writeFileSync(path.join(bare, "tokenizer.json"), JSON.stringify({ model: { type: "BPE", vocab: {}, merges: [] } }));
  await assert.rejects(AutoTokenizer.from_pretrained(bare), /cannot tell the tokenizer.*tokenizer.json has a BPE model; bertlab supports BERT WordPiece tokenizers only/);
  await assert.rejects(BertTokenizer.from_pretrained(bare), /has a BPE model; a BERT tokenizer needs a WordPiece model/);
  fs.rmSync(bare, { recursive: true, force: true });
});

test("tokenizer_config / special_tokens_map options are honoured (AddedToken objects too)", async () => {
  const dir = tmpdir("config");
  fs.copyFileSync(path.join(UNCASED, "vocab.txt"), path.join(dir, "vocab.txt"));
  fs.writeFileSync(path.join(dir, "tokenizer_config.json"), JSON.stringify({ do_lower_case: false, model_max_length: 8, never_split: ["don't"] }));
  fs.writeFileSync(path.join(dir, "special_tokens_map.json"), JSON.stringify({ mask_token: { content: "[MASK]", lstrip: false } }));
  const t = await BertTokenizer.from_pretrained(dir);
  assert.equal(t.do_lower_case, false);
  assert.equal(t.model_max_length, 8);
  assert.equal(t.mask_token, "[MASK]");
  // Cased text on an uncased vocabulary; "don't" kept whole (tokenize returns it as is, its id is [UNK]'s).
  assert.deepEqual(t.tokenize("Hello don't"), ["[UNK]", "don't"]);
  assert.deepEqual(t.encode("Hello don't"), [101, 100, 100, 102]);
  assert.deepEqual(quiet(() => t("a b c d e f g h i j k").input_ids).length, 13);
  const over = await BertTokenizer.from_pretrained(dir, { do_lower_case: true });
  assert.deepEqual(over.tokenize("Hello"), ["hello"]);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("add_tokens / add_special_tokens: new ids, never split, lower-cased like the text when uncased; saved and loaded back", async () => {
  const t = await BertTokenizer.from_pretrained(UNCASED);
  assert.equal(t.add_tokens(["NewWord", "bertlab", "hello"]), 2); // "hello" is in the vocabulary already
  assert.deepEqual([...t.get_added_vocab()], [["newword", 30522], ["bertlab", 30523]]);
  const e = t("I love NewWord and BERTLAB! İnewword", { return_offsets_mapping: true });
  assert.deepEqual(e.tokens(), ["[CLS]", "i", "love", "newword", "and", "bertlab", "!", "i", "newword", "[SEP]"]);
  assert.deepEqual(e.input_ids, [101, 1045, 2293, 30522, 1998, 30523, 999, 1045, 30522, 102]);
  assert.deepEqual(e.offset_mapping!.slice(3, 9), [[7, 14], [15, 18], [19, 26], [26, 27], [28, 29], [29, 36]]);
  assert.equal(t.decode(e.input_ids, { skip_special_tokens: true }), "i love newword and bertlab! i newword");
  assert.equal(t.add_special_tokens({ additional_special_tokens: ["[E1]", "[/E1]"] }), 2);
  assert.deepEqual(t.all_special_ids, [100, 102, 0, 101, 103, 30524, 30525]);
  const f = t("The [E1]cat[/E1] sat. [e1]");
  assert.deepEqual(f.tokens(), ["[CLS]", "the", "[E1]", "cat", "[/E1]", "sat", ".", "[", "e", "##1", "]", "[SEP]"]);
  assert.equal(t.decode(f.input_ids, { skip_special_tokens: true }), "the cat sat. [ e1 ]");
  assert.throws(() => t.add_special_tokens({ sparkle_token: "*" } as never), /'sparkle_token' is not a special token/);
  const dir = tmpdir("added");
  t.save_pretrained(dir);
  const back = await AutoTokenizer.from_pretrained(dir);
  assert.deepEqual(back("I love NewWord [E1]").input_ids, t("I love NewWord [E1]").input_ids);
  assert.deepEqual(back.all_special_tokens, t.all_special_tokens);
  fs.rmSync(dir, { recursive: true, force: true });
});

test("BasicTokenizer and WordpieceTokenizer on their own", () => {
  const basic = new BasicTokenizer();
  assert.deepEqual(basic.tokenize(" \tHéLLo,\u00a0wörld!\u200d 中文 [MASK]"), ["hello", ",", "world", "!", "中", "文", "[", "mask", "]"]);
  assert.deepEqual(basic.tokenize("Hello [MASK]", ["[MASK]"]), ["hello", "[MASK]"]);
  assert.deepEqual(new BasicTokenizer({ do_lower_case: false }).tokenize("Héllo"), ["Héllo"]);
  assert.deepEqual(new BasicTokenizer({ do_lower_case: false, strip_accents: true }).tokenize("Héllo"), ["Hello"]);
  assert.deepEqual(new BasicTokenizer({ strip_accents: false }).tokenize("HÉllo"), ["héllo"]);
  assert.deepEqual(new BasicTokenizer({ tokenize_chinese_chars: false }).tokenize("中文"), ["中文"]);
  assert.deepEqual(new BasicTokenizer({ do_split_on_punc: false }).tokenize("Hello, world! a.b"), ["hello,", "world!", "a.b"]);
  const wp = new WordpieceTokenizer(tok.vocab, "[UNK]");
  assert.deepEqual(wp.tokenize("unaffable tokenization"), ["una", "##ffa", "##ble", "token", "##ization"]);
  assert.deepEqual(wp.tokenize("x".repeat(101)), ["[UNK]"]);
  assert.deepEqual(new WordpieceTokenizer(tok.vocab, "[UNK]", { max_input_chars_per_word: 5 }).tokenize("hello helloo"), ["hello", "[UNK]"]);
  assert.throws(() => new WordpieceTokenizer(new Map([["a", 0]]), "[UNK]"), /has no unknown token '\[UNK\]'/);
  // A tiny word cache evicts and still answers right.
  const small = new WordpieceTokenizer(tok.vocab, "[UNK]", { cache_size: 4 });
  const words = ["unaffable", "tokenization", "hello", "worlds", "playing", "unaffable", "xyzzy", "hello", "tokenization"];
  for (let r = 0; r < 3; r++) for (const w of words) assert.deepEqual(small.tokenize(w), wp.tokenize(w), w);
});

test("cased text is NFC-normalized as transformers >= 4.29 does (e + U+0301 is é)", () => {
  const composed = "Café naïve Ångström";
  const decomposed = composed.normalize("NFD");
  assert.notEqual(decomposed, composed);
  assert.deepEqual(cased(decomposed).input_ids, cased(composed).input_ids);
  assert.deepEqual(cased.tokenize("\u212Bngstr\u00f6m"), cased.tokenize("Ångström")); // ANGSTROM SIGN is a singleton
  assert.deepEqual(new BasicTokenizer({ do_lower_case: false }).tokenize("a=\u0338b, c=d"), ["a≠b", ",", "c", "=", "d"]); // = + U+0338 is ≠
  const enc = cased(decomposed, { return_offsets_mapping: true });
  assert.deepEqual(enc.tokens(), ["[CLS]", "Café", "na", "##ï", "##ve", "Å", "##ng", "##st", "##röm", "[SEP]"]);
  assert.deepEqual(enc.offset_mapping![1], [0, 5]); // "Cafe\u0301" in the original text
  assert.deepEqual(enc.offset_mapping![3], [8, 10]); // "i\u0308"
  // Uncased strips accents either way.
  assert.deepEqual(tok(decomposed).input_ids, tok(composed).input_ids);
});

test("long inputs warn once that the model cannot take them", () => {
  const warnings: string[] = [];
  const w = console.warn;
  console.warn = (m: string) => warnings.push(m);
  try {
    const t = new BertTokenizer({ vocab: tok.vocab }, { model_max_length: 4 });
    t("a b c d e f");
    t("a b c d e f");
  } finally {
    console.warn = w;
  }
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /longer than the specified maximum sequence length for this model \(8 > 4\)/);
});

// ---- properties ----

const word = fc.stringMatching(/^[a-z]{1,12}$/);

test("property: decode(encode(x)) is x for lower-cased ASCII words", () => {
  fc.assert(
    fc.property(fc.array(word, { minLength: 0, maxLength: 20 }), (words) => {
      const text = words.join(" ");
      assert.equal(tok.decode(tok.encode(text), { skip_special_tokens: true }), text);
    }),
    { numRuns: 300 },
  );
});

const anyText = fc.oneof(
  fc.string({ unit: "grapheme", maxLength: 40 }),
  fc.string({ unit: "binary", maxLength: 40 }),
  fc.array(fc.constantFrom("Hello", "naïve", "CAFÉ", "中文", "😀", "\u0301", "don't", "[MASK]", "\u00ad", "\t", " ", ",", "İstanbul", "ΣΑΣ", "e\u0301"), { maxLength: 12 }).map((a) => a.join("")),
);

test("property: offsets slice each token's characters out of the original text", () => {
  const CONTROL = /[\p{C}\0\ufffd]/gu;
  fc.assert(
    fc.property(anyText, (text) => {
      // Cased vocabulary: no lower-casing or accent stripping, so a piece is its slice minus dropped controls.
      const enc = cased(text, { return_offsets_mapping: true });
      const toks = enc.tokens();
      let prevStart = 0;
      enc.offset_mapping!.forEach(([s, e], k) => {
        if (enc.sequence_ids()[k] === null) return;
        assert.ok(0 <= s && s < e && e <= text.length, `offsets [${s}, ${e}) inside the text`);
        assert.ok(s >= prevStart, "offsets do not go backwards"); // pieces of one source char share its span
        prevStart = s;
        if (toks[k] === "[UNK]") return;
        // The slice after cleaning and NFC (as Python composes "e\u0301" into "é") is the piece; a
        // piece that is part of a composed cluster gets the whole cluster's span.
        const slice = text.slice(s, e).replace(CONTROL, "").normalize("NFC");
        const piece = toks[k].replace(/^##/, "");
        if (slice !== piece) assert.ok(/\p{M}/u.test(slice) && slice.includes(piece), `${JSON.stringify(slice)} vs ${JSON.stringify(piece)}`);
      });
      // Uncased: the slice, lower-cased and stripped of accents, gives the piece.
      const u = tok(text, { return_offsets_mapping: true });
      const ut = u.tokens();
      u.offset_mapping!.forEach(([s, e], k) => {
        if (u.sequence_ids()[k] === null || ut[k] === "[UNK]" || tok.all_special_tokens.includes(ut[k])) return;
        const norm = [...text.slice(s, e)].map((ch) => ch.toLowerCase().normalize("NFD").replace(/\p{Mn}/gu, "")).join("").replace(CONTROL, "");
        // One source char may normalize to several pieces (NFD splits 구 into jamo): each piece is part of it.
        const piece = ut[k].replace(/^##/, "");
        if (norm !== piece) assert.ok(norm.includes(piece), `${JSON.stringify(norm)} vs ${JSON.stringify(piece)}`);
      });
    }),
    { numRuns: 400 },
  );
});

/** Python's slow BasicTokenizer.tokenize (transformers 4.31), transcribed step by step with plain string ops. */
function referenceBasicTokenize(text: string, lower: boolean): string[] {
  const isControl = (c: string) => !"\t\n\r".includes(c) && /\p{C}/u.test(c);
  const isWhitespace = (c: string) => " \t\n\r".includes(c) || /\p{Zs}/u.test(c);
  const isPunct = (c: string) => {
    const cp = c.codePointAt(0)!;
    return (cp >= 33 && cp <= 47) || (cp >= 58 && cp <= 64) || (cp >= 91 && cp <= 96) || (cp >= 123 && cp <= 126) || /\p{P}/u.test(c);
  };
  const isCjk = (cp: number) =>
    (cp >= 0x4e00 && cp <= 0x9fff) || (cp >= 0x3400 && cp <= 0x4dbf) || (cp >= 0x20000 && cp <= 0x2a6df) || (cp >= 0x2a700 && cp <= 0x2b73f) ||
    (cp >= 0x2b740 && cp <= 0x2b81f) || (cp >= 0x2b820 && cp <= 0x2ceaf) || (cp >= 0xf900 && cp <= 0xfaff) || (cp >= 0x2f800 && cp <= 0x2fa1f);
  const pySplit = (t: string) => t.split(/[\t\n\x0b\x0c\r\x1c-\x1f \x85\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000]+/).filter(Boolean);
  // PreTrainedTokenizer.tokenize lower-cases one character at a time first.
  if (lower) text = [...text].map((c) => c.toLowerCase()).join("");
  let cleaned = "";
  for (const c of text) {
    const cp = c.codePointAt(0)!;
    if (cp === 0 || cp === 0xfffd || isControl(c)) continue;
    cleaned += isWhitespace(c) ? " " : c;
  }
  let padded = "";
  for (const c of cleaned) padded += isCjk(c.codePointAt(0)!) ? ` ${c} ` : c;
  const out: string[] = [];
  for (let token of pySplit(padded.normalize("NFC"))) {
    if (lower) token = token.toLowerCase().normalize("NFD").replace(/\p{Mn}/gu, "");
    let cur = "";
    for (const c of token) {
      if (isPunct(c)) {
        if (cur) out.push(cur);
        out.push(c);
        cur = "";
      } else cur += c;
    }
    if (cur) out.push(cur);
  }
  return pySplit(out.join(" "));
}

test("property: the one-pass BasicTokenizer equals Python's step-by-step algorithm on any text", () => {
  const lowerTok = new BasicTokenizer({ do_lower_case: true });
  const casedTok = new BasicTokenizer({ do_lower_case: false });
  fc.assert(
    fc.property(anyText, (text) => {
      assert.deepEqual(lowerTok.tokenize(text), referenceBasicTokenize(text, true));
      assert.deepEqual(casedTok.tokenize(text), referenceBasicTokenize(text, false));
    }),
    { numRuns: 500 },
  );
});

test("property: ids agree with the Rust tokenizer on ASCII and Latin text", async () => {
  const latin = fc.string({ unit: fc.constantFrom(..."abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789 .,;:!?'\"()[]-_/éèàüöñçÉß\t\n"), maxLength: 80 });
  await fc.assert(
    fc.asyncProperty(latin, fc.option(latin, { nil: null }), async (a, b) => {
      const mine = tok(a, { text_pair: b });
      const theirs = await rust.encode(a, b);
      assert.deepEqual(mine.input_ids, theirs.getIds());
      assert.deepEqual(mine.token_type_ids, theirs.getTypeIds());
      assert.deepEqual(mine.word_ids(), theirs.getWordIds().map((w: number | undefined | null) => w ?? null));
    }),
    { numRuns: 300 },
  );
});

test("BertTokenizerFast (AutoTokenizer's default): convert_tokens_to_string is the Rust WordPiece decoder, per golden", async () => {
  const { BertTokenizerFast } = await import("../src/tokenizers");
  const cases = (await import("./fixtures/tokenizer/cases.json")).default.cases as Array<{ vocab: string; do_lower_case: boolean; rust: { input_ids: number[]; decode: string } }>;
  const toks: Record<string, BertTokenizer> = {};
  for (const c of cases) {
    const key = `${c.vocab}/${c.do_lower_case}`;
    toks[key] ??= await BertTokenizerFast.from_pretrained(c.vocab === "cased" ? CASED : UNCASED, { do_lower_case: c.do_lower_case });
    const tok = toks[key];
    assert.equal(tok.convert_tokens_to_string(tok.convert_ids_to_tokens(c.rust.input_ids) as string[]), c.rust.decode);
  }
  // The seed's QA answers (AutoTokenizer → fast in Python): "over 32 +", "general - purpose architectures", "tensorflow 2. 0 and pytorch".
  const auto = await AutoTokenizer.from_pretrained(UNCASED);
  assert.ok(auto instanceof BertTokenizerFast);
  assert.equal(auto.convert_tokens_to_string(["tensorflow", "2", ".", "0", "and", "py", "##torch"]), "tensorflow 2. 0 and pytorch");
  assert.equal(auto.convert_tokens_to_string(["over", "32", "+"]), "over 32 +");
  // The Rust decoder keeps a leading "##" on the first token (checked with the Rust package: decode([21007]) → "##ulf").
  assert.equal(auto.decode([21007]), "##ulf");
  assert.equal(auto.convert_tokens_to_string(["##ulf", "##s"]), "##ulfs");
  const slow = await AutoTokenizer.from_pretrained(UNCASED, { use_fast: false });
  assert.ok(!(slow instanceof BertTokenizerFast));
  assert.equal(slow.convert_tokens_to_string(["tensorflow", "2", ".", "0"]), "tensorflow 2 . 0");
});

test("offline, an uncached hub id names offline mode in the error", async () => {
  const saved = process.env.HF_HUB_OFFLINE;
  process.env.HF_HUB_OFFLINE = "1";
  try {
    await assert.rejects(BertTokenizer.from_pretrained("some-org/not-cached-anywhere"), /found neither vocab.txt nor tokenizer.json.*offline mode/);
  } finally {
    if (saved === undefined) delete process.env.HF_HUB_OFFLINE;
    else process.env.HF_HUB_OFFLINE = saved;
  }
});
