// Model forwards and pipelines are sized before they allocate: the peak of one forward (backward under a gradient
// tape) is estimated from the config and the input's shape, and a call over the memory budget is refused naming
// the size, the budget and the option that reduces it — nothing leaked, held tensors intact. Normal sizes pass.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { tf, ready, BertConfig, BertModel, BertForMaskedLM, BertForSequenceClassification, pipeline, set_memory_budget } from "../src";
import { without_init } from "../src/models";
import { forward_peak_bytes, memory_budget } from "../src/models/bert/memory";

after(() => set_memory_budget(null));
const GB = 1024 ** 3;
const base = { hidden_size: 768, num_hidden_layers: 12, num_attention_heads: 12, intermediate_size: 3072, vocab_size: 30522 };
const mini = { hidden_size: 128, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 512, vocab_size: 30522 }; // models/mini-bert-uncased

test("the estimate: peak of a tidy forward, linear in batch, ×5 with a backward, outputs and MLM logits counted", () => {
  const one = forward_peak_bytes(base, "BertModel", { batch: 1, seq: 128 });
  // 12 layers × (20·s·h + 6·H·s² + 4·s·I) + 10·s·h floats
  assert.equal(one, 4 * (12 * (20 * 128 * 768 + 6 * 12 * 128 * 128 + 4 * 128 * 3072) + 10 * 128 * 768));
  assert.equal(forward_peak_bytes(base, "BertModel", { batch: 8, seq: 128 }), 8 * one);
  assert.equal(forward_peak_bytes(base, "BertModel", { batch: 8, seq: 128, grad: true }), 40 * one);
  assert.equal(forward_peak_bytes(base, "BertForMaskedLM", { batch: 1, seq: 128 }) - one, 4 * 3 * 128 * 30522);
  assert.equal(forward_peak_bytes(base, "BertModel", { batch: 1, seq: 128, output_attentions: true }) - one, 4 * 12 * 12 * 128 * 128);
  // normal workloads sit far below a 4 GB budget; an absurd one is far above any machine
  assert.ok(forward_peak_bytes(base, "BertForSequenceClassification", { batch: 8, seq: 128 }) < 2 * GB);
  assert.ok(forward_peak_bytes(mini, "BertForSequenceClassification", { batch: 32, seq: 128, grad: true }) < 1.5 * GB); // training
  assert.ok(forward_peak_bytes(base, "BertModel", { batch: 4096, seq: 512, output_attentions: true }) > 1000 * GB);
});

test("a forward over the budget is refused before it allocates, naming the size, the budget and the options", async () => {
  await ready();
  const config = new BertConfig({ hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 64, vocab_size: 100, max_position_embeddings: 64 });
  const model = new BertForSequenceClassification(config).init_weights(0);
  model.engine = "tfjs";
  model.eval();
  const ids = tf.tensor2d([[1, 5, 7, 2], [1, 9, 3, 2]], undefined, "int32");
  const ref = (model({ input_ids: ids }).logits as tf.Tensor);
  const ref_values = Array.from(ref.dataSync());
  ref.dispose();
  const held = tf.tensor([1.5, 2.5, 3.5]);
  const before = tf.memory().numTensors;
  const need = forward_peak_bytes(config, "BertForSequenceClassification", { batch: 2, seq: 4, output_attentions: true });
  set_memory_budget(need - 1);
  const refusals: Array<[string, () => unknown, RegExp]> = [
    ["tensor input", () => model({ input_ids: ids, output_attentions: true }), /BertForSequenceClassification\.forward: this request needs about [\d.]+ MB at once, over the memory budget of [\d.]+ MB \(reduce it with fewer sequences per call \(batch 2\), shorter inputs \(4 tokens: tokenizer max_length\), output_attentions: false; set_memory_budget/],
    ["array input", () => model({ input_ids: [[1, 5, 7, 2], [1, 9, 3, 2]], output_attentions: true }), /output_attentions: false/],
  ];
  // a forward under a gradient tape in eval mode (explain's gradients) is sized by its caller, not here; training
  // steps are sized as a whole (test/training_memory_guard)
  const g = tf.variableGrads(() => (model({ input_ids: ids }).logits as tf.Tensor).sum() as tf.Scalar);
  tf.dispose([g.value, ...Object.values(g.grads)]);
  for (const [name, call, expected] of refusals) {
    assert.throws(call, expected, name);
    assert.equal(tf.memory().numTensors, before, `${name}: leaked ${tf.memory().numTensors - before} tensors`);
    assert.deepEqual(Array.from(held.dataSync()), [1.5, 2.5, 3.5], `${name}: a held tensor still reads correctly`);
  }
  // the same call without the attentions fits; the numbers are unchanged
  const out = model({ input_ids: ids }).logits as tf.Tensor;
  assert.deepEqual(Array.from(out.dataSync()), ref_values);
  out.dispose();
  set_memory_budget(null);
  // under the default budget: bert-base shapes at 4096 × 512 with attentions are refused before the weights
  // are even created; a normal batch (8 × 128) of the small model runs
  const big = without_init(() => new BertModel(new BertConfig(base)));
  const huge = tf.zeros([4096, 512], "int32");
  const n = tf.memory().numTensors;
  assert.throws(() => big({ input_ids: huge, output_attentions: true }), /BertModel\.forward: this request needs about [\d.]+ GB at once, over the memory budget .*batch 4096.*512 tokens.*output_attentions: false/);
  assert.equal(tf.memory().numTensors, n, "nothing allocated, not even the weights");
  assert.equal(big.materialized, false);
  huge.dispose();
  const normal = tf.zeros([8, 64], "int32");
  const logits = model({ input_ids: normal }).logits as tf.Tensor;
  assert.deepEqual(logits.shape, [8, 2]);
  tf.dispose([logits, normal]);
  ids.dispose();
  held.dispose();
  model.dispose();
});

test("a pipeline is sized before its first forward, naming batch_size and max_length", async () => {
  await ready();
  const offline = { local_files_only: true, quiet: true };
  const clf = await pipeline("text-classification", "bertlab/mini-bert-uncased-sentiment", offline);
  const texts = ["a wonderful, moving film", "dull", "it was fine but far too long for what it had to say"];
  const ref = await clf(texts, { batch_size: 2 });
  const before = tf.memory().numTensors;
  const calls = [0];
  const model = clf.model as unknown as { forward: (x: unknown) => unknown };
  const forward = model.forward.bind(model);
  model.forward = (x) => (calls[0]++, forward(x));
  set_memory_budget(1024 ** 2 / 4);
  await assert.rejects(async () => clf(texts, { batch_size: 2 }), /text-classification: this request needs about [\d.]+ MB at once, over the memory budget of 0\.3 MB \(a batch of \d+ inputs of \d+ tokens; reduce it with a smaller batch_size or max_length; set_memory_budget/);
  assert.equal(calls[0], 0, "no forward ran");
  assert.equal(tf.memory().numTensors, before);
  set_memory_budget(null);
  assert.ok(memory_budget() > 0);
  assert.deepEqual(await clf(texts, { batch_size: 2 }), ref);
  clf.model.dispose();
});
