// Issue 12 item 2: bad ids, masks and labels are refused before any engine runs, with the input, the
// position and the value in the message. PyTorch raises too (a float id: "Expected tensor for argument
// #1 'indices' to have one of the following scalar types: Long, Int"; an id past the vocabulary:
// "IndexError: index out of range in self"); tfjs alone would truncate 7592.9 to 7592, turn NaN into 0
// and wrap 2^32 + 7592 to 7592. Every engine ("tfjs", "onnx", "auto") gives the same error, and "auto"
// never falls back to tfjs past it.
import { test } from "node:test";
import assert from "node:assert/strict";
import { ready, tf } from "../src/backend";
import { BertForMaskedLM, BertForSequenceClassification, BertForTokenClassification, BertForPreTraining } from "../src/models";
import { forward_with_engine } from "../src/engines/switch";
import { onnx_available } from "../src/engines";
import { BertTokenizer } from "../src/tokenizers";

const CONFIG = { vocab_size: 30522, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 8, max_position_embeddings: 16 };
const ENGINES = onnx_available() ? (["tfjs", "onnx", "auto"] as const) : (["tfjs", "auto"] as const);
const VOCAB = "expected an integer in \\[0, 30522\\): config.vocab_size is 30522";

const BAD_IDS: Array<[unknown, RegExp]> = [
  [7592.9, new RegExp(`input_ids\\[0\\]\\[1\\] = 7592.9 is not an integer token id \\(${VOCAB}\\)$`)],
  [NaN, /input_ids\[0\]\[1\] = NaN is not an integer token id/],
  [Infinity, /input_ids\[0\]\[1\] = Infinity is not an integer token id/],
  [2 ** 32 + 7592, /input_ids\[0\]\[1\] = 4294974888 is out of range for a token id \(expected an integer in \[0, 30522\)/],
  [-1, /input_ids\[0\]\[1\] = -1 is out of range for a token id/],
  [30522, /input_ids\[0\]\[1\] = 30522 is out of range for a token id/],
  ["7592", /input_ids\[0\]\[1\] = "7592" is a string, not a token id/],
  [true, /input_ids\[0\]\[1\] = true is a boolean, not a token id/],
  [7592n, /input_ids\[0\]\[1\] = 7592n is a bigint, not a token id/],
];

test("input_ids that are not integer token ids in range are refused on every engine, naming position and value", async () => {
  await ready();
  const model = new BertForMaskedLM(CONFIG);
  model.eval();
  const before = tf.memory().numTensors;
  for (const engine of ENGINES) {
    model.engine = engine;
    for (const [bad, re] of BAD_IDS) {
      assert.throws(() => model.forward({ input_ids: [[101, bad, 102]] as never }), re, `${engine}: ${String(bad)}`);
      await assert.rejects(forward_with_engine(model, { input_ids: [[101, bad, 102]] }, { engine }), re, `forward_with_engine ${engine}: ${String(bad)}`);
    }
    // A float tensor holding a non-integer is refused the same way.
    const t = tf.tensor2d([[101, 7592.9, 102]]);
    assert.throws(() => model.forward({ input_ids: t }), /input_ids\[0\]\[1\] = 7592\.8999\d* is not an integer token id/);
    t.dispose();
  }
  assert.equal(tf.memory().numTensors, before);
});

test("masks, token types and positions are checked the same way", async () => {
  await ready();
  const model = new BertForMaskedLM(CONFIG);
  model.eval();
  const ids = [[101, 7592, 102]];
  assert.throws(() => model.forward({ input_ids: ids, attention_mask: [[1, 0.5, 1]] }), /attention_mask\[0\]\[1\] = 0\.5 is not an integer mask value \(expected an integer in \[0, 2\): 1 = attend, 0 = masked\)$/);
  assert.throws(() => model.forward({ input_ids: ids, attention_mask: [[1, 2, 1]] }), /attention_mask\[0\]\[1\] = 2 is out of range/);
  assert.throws(() => model.forward({ input_ids: ids, token_type_ids: [[0, 0, 2]] }), /token_type_ids\[0\]\[2\] = 2 is out of range for a token type id \(expected an integer in \[0, 2\): config.type_vocab_size is 2\)$/);
  assert.throws(() => model.forward({ input_ids: ids, position_ids: [[0, 1, 16]] }), /position_ids\[0\]\[2\] = 16 is out of range .*max_position_embeddings is 16/);
  assert.throws(() => model.forward({ input_ids: [[101, 7592], [101]] }), /input_ids\[1\] has 1 entries, but input_ids\[0\] has 2: the nested array is ragged/);
});

test("labels: float MLM labels are refused, -100 is ignored; float labels only where HF takes them", async () => {
  await ready();
  const mlm = new BertForMaskedLM(CONFIG);
  const ids = [[101, 7592, 102]];
  assert.throws(() => mlm.forward({ input_ids: ids, labels: [[-100, 7592.5, -100]] }), /labels\[0\]\[1\] = 7592\.5 is not an integer label \(token id\) \(expected an integer in \[0, 30522\) or -100 \(ignored\)/);
  assert.throws(() => mlm.forward({ input_ids: ids, labels: [[-100, 40000, -100]] }), /labels\[0\]\[1\] = 40000 is out of range/);
  const loss = tf.tidy(() => (mlm.forward({ input_ids: ids, labels: [[-100, 7592, -100]] }) as { loss: tf.Tensor }).loss.dataSync()[0]);
  assert.ok(Number.isFinite(loss));
  const pre = new BertForPreTraining(CONFIG);
  assert.throws(() => pre.forward({ input_ids: ids, next_sentence_label: [2] }), /next_sentence_label\[0\] = 2 is out of range for a label \(expected an integer in \[0, 2\)/);
  const tokcls = new BertForTokenClassification({ ...CONFIG, num_labels: 3 });
  assert.throws(() => tokcls.forward({ input_ids: ids, labels: [[-100, 3, -100]] }), /labels\[0\]\[1\] = 3 is out of range for a label \(expected an integer in \[0, 3\) or -100 \(ignored\): config.num_labels is 3\)$/);
  const cls = new BertForSequenceClassification({ ...CONFIG, num_labels: 2 });
  assert.throws(() => cls.forward({ input_ids: ids, labels: [2] }), /labels\[0\] = 2 is out of range/);
  tf.tidy(() => void cls.forward({ input_ids: ids, labels: [[0.25, 0.75]] })); // multi-label targets: floats, as HF
  // JavaScript's tf.tensor([1]) is float32 where torch.tensor([1]) is int64: whole-number class ids of shape [batch]
  // are single-label (the cross-entropy of the int32 labels), not a multi-label shape error
  cls.eval();
  const loss_of = (labels: tf.Tensor) => tf.tidy(() => cls.forward({ input_ids: ids, labels }).loss!.dataSync()[0]);
  const as_int = loss_of(tf.tensor1d([1], "int32"));
  assert.equal(loss_of(tf.tensor([1])), as_int);
  assert.notEqual(loss_of(tf.tensor([0])), as_int);
  assert.throws(() => tf.tidy(() => cls.forward({ input_ids: ids, labels: tf.tensor([0.5]) })), /binary_cross_entropy_with_logits: Target size \(\[1\]\) must be the same as input size \(\[1,2\]\)/);
  const reg = new BertForSequenceClassification({ ...CONFIG, num_labels: 1 });
  tf.tidy(() => void reg.forward({ input_ids: ids, labels: [0.5] })); // regression
  assert.throws(() => reg.forward({ input_ids: ids, labels: [NaN] }), /labels\[0\] = NaN is not a finite label/);
});

test("an empty batch is a clear error on every engine (not the wasm backend's 'RuntimeError: divide by zero')", async () => {
  await ready();
  const model = new BertForMaskedLM(CONFIG);
  model.eval();
  for (const engine of ENGINES) {
    model.engine = engine;
    assert.throws(() => model.forward({ input_ids: [] }), /input_ids is empty \(shape \[0\]\): expected \[batch, seq\] with at least one sequence of at least one token$/);
    assert.throws(() => model.forward({ input_ids: [[]] }), /input_ids is empty \(shape \[1,0\]\)/);
    const t = tf.zeros([0, 4], "int32");
    assert.throws(() => model.forward({ input_ids: t }), /input_ids is empty \(shape \[0,4\]\)/);
    t.dispose();
  }
});

test("tokenizer: decode refuses non-integer ids (no rounding to a neighbour), and tok(1n) says what it wants", () => {
  const tok = new BertTokenizer({ vocab: new Map(["[PAD]", "[unused0]", "[unused1]", "[UNK]", "[CLS]", "[SEP]", "[MASK]", "hello"].map((t, i) => [t, i])) });
  assert.throws(() => tok.decode([1.5]), /^TypeError: decode: ids\[0\] = 1\.5 is not an integer token id$/);
  assert.throws(() => tok.decode(["7"] as never), /decode: ids\[0\] = "7" is a string, not a token id/);
  assert.throws(() => tok.batch_decode([[7, 2.5]]), /ids\[1\] = 2\.5 is not an integer token id/);
  assert.throws(() => tok.convert_ids_to_tokens([2.5]), /convert_ids_to_tokens: ids\[0\] = 2\.5/);
  assert.equal(tok.decode([7]), "hello");
  assert.equal(tok.decode(new BigInt64Array([7n])), "hello");
  assert.throws(() => (tok as unknown as (x: unknown) => unknown)(1n), /^TypeError: text must be a string, an array of strings, or an array of \[text, text_pair\] pairs; got bigint 1n$/);
});
