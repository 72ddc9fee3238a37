// Explanations check what they are given before they allocate: option types and ranges, targets, ids and
// baselines, inputs longer than max_position_embeddings (602 tokens on the 128-position shipped models) and
// requests over the memory budget (named with their size and the option that reduces it). Every failing call
// leaks no tensor — integrated_gradients used to leave 288 on tfjs's tape — tensors the user holds still read
// correctly afterwards, and the same explanation gives the same numbers after all the failures.
import { test, after } from "node:test";
import assert from "node:assert/strict";
import { tf, ready, BertForSequenceClassification, BertForMaskedLM, BertTokenizer, integrated_gradients, saliency, input_x_gradient, occlusion, logit_lens, set_memory_budget } from "../src";
import { clear_linear_cache } from "../src/ops";

const offline = { local_files_only: true };
after(() => set_memory_budget(null));

test("every explain option and input is checked with a clear error; failing calls leak nothing and corrupt nothing", async () => {
  await ready();
  const model = await BertForSequenceClassification.from_pretrained("bertlab/mini-bert-uncased-sentiment", { ...offline, quiet: true });
  const mlm = await BertForMaskedLM.from_pretrained("bertlab/mini-bert-uncased", { ...offline, quiet: true });
  const tok = await BertTokenizer.from_pretrained("bertlab/mini-bert-uncased-sentiment", offline);
  const inputs = tok("a wonderful, moving film", { return_tensors: "tf" });
  const masked = tok("the film was [MASK] .", { return_tensors: "tf" });
  const ids = (inputs.input_ids as tf.Tensor).arraySync() as number[][];
  const n = ids[0].length;
  const held = tf.tensor([1.5, 2.5, 3.5]);
  // first calls fill the models' caches (transposed weights); the reference numbers
  const ref = integrated_gradients(model, inputs, { target: 1, tokenizer: tok, n_steps: 8 });
  const ref_occ = occlusion(model, inputs, { target: 1, tokenizer: tok });
  logit_lens(mlm, masked, { tokenizer: tok });
  saliency(model, inputs, { target: 1 });
  const before = tf.memory().numTensors;
  const long = { input_ids: [Array.from({ length: 602 }, () => 1000)] };
  const bad: Array<[string, () => unknown, RegExp]> = [
    ["target string", () => integrated_gradients(model, inputs, { target: "1" as never, tokenizer: tok }), /integrated_gradients: target should be a class index \(integer\), .* got the string "1"/],
    ["target 0.5", () => saliency(model, inputs, { target: 0.5 }), /saliency: target should be a class index .* got 0\.5/],
    ["target -1", () => input_x_gradient(model, inputs, { target: -1 }), /input_x_gradient: target should be/],
    ["target {}", () => occlusion(model, inputs, { target: {} as never, tokenizer: tok }), /occlusion: target should be .* got \{  \}/],
    ["target { class: NaN }", () => integrated_gradients(model, inputs, { target: { class: NaN }, tokenizer: tok }), /target\.class should be a non-negative integer, got NaN/],
    ["target out of range (ig)", () => integrated_gradients(model, inputs, { target: 99, tokenizer: tok }), /target class 99 is out of range 0\.\.1/],
    ["target out of range (saliency)", () => saliency(model, inputs, { target: 99 }), /target class 99 is out of range 0\.\.1/],
    ["target needs QA", () => integrated_gradients(model, inputs, { target: { start: 1 }, tokenizer: tok }), /needs start_logits/],
    ["baseline NaN", () => integrated_gradients(model, inputs, { target: 1, baseline_ids: ids[0].map(() => NaN) }), /baseline_ids\[0\] should be an integer in 0\.\.\d+, got NaN/],
    ["baseline 0.5", () => integrated_gradients(model, inputs, { target: 1, baseline_ids: ids[0].map(() => 0.5) }), /baseline_ids\[0\] should be an integer .* got 0\.5/],
    ["baseline length", () => integrated_gradients(model, inputs, { target: 1, baseline_ids: [0] }), /baseline_ids has 1 ids, input_ids \d+/],
    ["input id out of vocab", () => saliency(model, { input_ids: [[101, 10 ** 6, 102]] }, { target: 1 }), /saliency: input_ids\[1\] should be an integer in 0\.\.\d+, got 1000000/],
    ["602 tokens (occlusion)", () => occlusion(model, long, { target: 1, tokenizer: tok }), /occlusion: the input has 602 tokens, more than this model's max_position_embeddings \(128\); truncate it: tokenizer\(text, \{ truncation: true, max_length: 128 \}\)/],
    ["602 tokens (ig)", () => integrated_gradients(model, long, { target: 1, tokenizer: tok }), /integrated_gradients: the input has 602 tokens/],
    ["602 tokens (logit_lens)", () => logit_lens(mlm, long, { position: 0 }), /logit_lens: the input has 602 tokens/],
    ["n_steps 0.5", () => integrated_gradients(model, inputs, { target: 1, tokenizer: tok, n_steps: 0.5 }), /n_steps should be an integer in 1\.\.1000000, got 0\.5/],
    ["n_steps 1e9", () => integrated_gradients(model, inputs, { target: 1, tokenizer: tok, n_steps: 1e9 }), /n_steps should be an integer in 1\.\.1000000, got 1000000000/],
    ["n_steps huge, all at once", () => integrated_gradients(model, inputs, { target: 1, tokenizer: tok, n_steps: 1e6 }), /integrated_gradients: this request needs about [\d.]+ GB at once, over the memory budget of .* \(1000000 steps of \d+ tokens at once \(internal_batch_size defaults to n_steps\); internal_batch_size ≤ \d+ fits/],
    ["internal_batch_size 0", () => integrated_gradients(model, inputs, { target: 1, tokenizer: tok, internal_batch_size: 0 }), /internal_batch_size should be an integer ≥ 1, got 0/],
    ["normalize 'yes'", () => saliency(model, inputs, { target: 1, normalize: "yes" as never }), /saliency: normalize should be true or false, got the string "yes"/],
    ["sliding_window NaN", () => occlusion(model, inputs, { target: 1, tokenizer: tok, sliding_window: NaN }), new RegExp(`sliding_window should be an integer in 1\\.\\.${n}, got NaN`)],
    ["logit_lens k -3", () => logit_lens(mlm, masked, { tokenizer: tok, k: -3 }), /logit_lens: k should be an integer in 1\.\.\d+, got -3/],
    ["logit_lens k NaN", () => logit_lens(mlm, masked, { tokenizer: tok, k: NaN }), /logit_lens: k should be an integer .* got NaN/],
    ["logit_lens position 0.5", () => logit_lens(mlm, masked, { position: 0.5 }), /logit_lens: position should be an integer in 0\.\.\d+, got 0\.5/],
  ];
  for (const [name, call, expected] of bad) {
    assert.throws(call, expected, name);
    assert.equal(tf.memory().numTensors, before, `${name}: leaked ${tf.memory().numTensors - before} tensors`);
    assert.deepEqual(Array.from(held.dataSync()), [1.5, 2.5, 3.5], `${name}: a held tensor still reads correctly`);
  }
  // a budget that holds 3 steps: the default (all 8 at once) is refused naming the size that fits; that size runs
  const size_of_one = (call: () => unknown): number => {
    set_memory_budget(1);
    try {
      call();
    } catch (e) {
      return Number(/needs about ([\d.]+) MB/.exec((e as Error).message)![1]) * 1024 ** 2;
    }
    throw new Error("a 1-byte budget should refuse");
  };
  const per_step = size_of_one(() => integrated_gradients(model, inputs, { target: 1, tokenizer: tok, n_steps: 8, internal_batch_size: 1 }));
  const per_copy = size_of_one(() => occlusion(model, inputs, { target: 1, tokenizer: tok, internal_batch_size: 1 }));
  set_memory_budget(per_step * 3.5);
  assert.throws(() => integrated_gradients(model, inputs, { target: 1, tokenizer: tok, n_steps: 8 }), /8 steps of \d+ tokens at once .*internal_batch_size ≤ 3 fits/);
  const chunked = integrated_gradients(model, inputs, { target: 1, tokenizer: tok, n_steps: 8, internal_batch_size: 3 });
  set_memory_budget(per_copy * 2.5);
  assert.throws(() => occlusion(model, inputs, { target: 1, tokenizer: tok }), /occluded copies of \d+ tokens in one forward; internal_batch_size ≤ 2 fits/);
  const chunked_occ = occlusion(model, inputs, { target: 1, tokenizer: tok, internal_batch_size: 2 });
  set_memory_budget(null);
  assert.equal(tf.memory().numTensors, before);
  // nothing was corrupted: the same numbers as before the failures
  const again = integrated_gradients(model, inputs, { target: 1, tokenizer: tok, n_steps: 8 });
  again.scores.forEach((s, i) => assert.ok(Math.abs(s - ref.scores[i]) < 1e-6, `score ${i}: ${s} vs ${ref.scores[i]}`));
  chunked.scores.forEach((s, i) => assert.ok(Math.abs(s - ref.scores[i]) < 1e-5, `chunked score ${i}`));
  chunked_occ.scores.forEach((s, i) => assert.ok(Math.abs(s - ref_occ.scores[i]) < 1e-5, `chunked occlusion score ${i}`));
  assert.deepEqual(Array.from(held.dataSync()), [1.5, 2.5, 3.5]);
  held.dispose();
  for (const t of [inputs, masked]) tf.dispose(Object.values(t) as tf.Tensor[]);
  model.dispose();
  mlm.dispose();
  clear_linear_cache();
});

test("attention selection options are integers: batch_index 0.5 and length NaN are clear errors", async () => {
  const { attention_stack } = await import("../src/explain");
  const att = [[[[[1, 0], [0, 1]]]]]; // [layer][batch][head][q][k]
  assert.throws(() => attention_stack(att as never, { batch_index: 0.5 }), /attentions: batch_index 0\.5 is out of range 0\.\.0/);
  assert.throws(() => attention_stack(att as never, { length: NaN }), /attentions: length should be a positive integer \(the positions kept\), got NaN/);
  assert.deepEqual(attention_stack(att as never, { length: 1 }), [[[[1]]]]);
});

test("plot options are integers: plot_attention batch_index 0.5, neuron_view layer 0.5 / head 1.5 are clear errors", async () => {
  const { plot_attention, neuron_view } = await import("../plots");
  const att = [[[[[1, 0], [0, 1]]]]]; // [layer][batch][head][q][k]
  assert.throws(() => plot_attention(att as never, ["a", "b"], { batch_index: 0.5 }), /attentions: batch_index 0\.5 is out of range/);
  const d = { tokens: ["a", "b"], layers: [{ queries: [[[1], [0]], [[1], [0]]], keys: [[[1], [0]], [[1], [0]]], attention: [[[1, 0], [0, 1]], [[1, 0], [0, 1]]] }] };
  assert.throws(() => neuron_view(d, { layer: 0.5 }), /neuron_view: layer should be an integer in 0\.\.0, got 0\.5/);
  assert.throws(() => neuron_view(d, { head: 1.5 }), /neuron_view: head should be an integer in 0\.\.1, got 1\.5/);
  assert.throws(() => neuron_view(d, { query: "1" as never }), /neuron_view: query should be an integer in 0\.\.1, got "1"/);
});
