// Runtime behaviour of the models: clear input errors, dropout only in train mode, no tensor leaks
// over 100 forwards (and backward passes), arrays as inputs, and the cpu backend giving the same numbers.
import { test } from "node:test";
import assert from "node:assert/strict";
import { execFileSync } from "node:child_process";
import * as path from "path";
import { tf, ready, BertModel, BertForSequenceClassification, BertForMultipleChoice, BertForQuestionAnswering, dispose_output, manual_seed } from "../src";
import { clear_linear_cache } from "../src/ops";
import { caseDir, loadCase, inputsOf, assertClose, golden } from "./fixtures/models/golden";

test("bad inputs get errors that name the input and what was expected", async () => {
  await ready();
  const model = await BertModel.from_pretrained(caseDir("bert_model"), { quiet: true });
  const before = tf.memory().numTensors;
  assert.throws(() => model({}), /You have to specify either input_ids or inputs_embeds/);
  assert.throws(() => model({ input_ids: [[1, 2]], inputs_embeds: tf.zeros([1, 2, 32]) }), /cannot specify both input_ids and inputs_embeds/);
  assert.throws(() => model({ input_ids: [[[1, 2, 3]]] }), /input_ids must have rank 1 or 2 \(\[seq\] or \[batch, seq\]\), got shape \[1,1,3\]/);
  assert.throws(() => model({ input_ids: [[1, 2, 3], [4, 5]] }), /input_ids\[1\] has 2 entries, but input_ids\[0\] has 3: the nested array is ragged/);
  assert.throws(() => model({ input_ids: [new Array(65).fill(5)] }), /The sequence \(65 tokens\) is longer than config\.max_position_embeddings \(64\)/);
  assert.throws(() => model({ input_ids: [[1, 1000]] }), /input_ids\[0\]\[1\] = 1000 is out of range for a token id \(expected an integer in \[0, 1000\): config\.vocab_size is 1000\)/);
  assert.throws(() => model({ input_ids: [[1, 2]], token_type_ids: [[0, 2]] }), /token_type_ids\[0\]\[1\] = 2 is out of range for a token type id \(expected an integer in \[0, 2\)/);
  assert.throws(() => model({ input_ids: [[1, 2]], attention_mask: [[1, 1, 1]] }), /attention_mask has shape \[1,3\]; expected \[1,2\]/);
  assert.throws(() => model({ input_ids: [[1, 2]], attention_masks: [[1, 1]] } as never), /unexpected keyword argument 'attention_masks'/);
  assert.throws(() => model({ inputs_embeds: tf.zeros([1, 2, 16]) }), /inputs_embeds must be \[batch, seq, 32\]/);
  assert.equal(tf.memory().numTensors, before + 2, "failed calls free what they made (only the two zeros tensors of the test remain)");
  const mc = await BertForMultipleChoice.from_pretrained(caseDir("multiple_choice"), { quiet: true });
  assert.throws(() => mc({ input_ids: [[1, 2]] }), /input_ids must be \[batch, num_choices, seq\]/);
  [model, mc].forEach((m) => m.dispose());
});

test("one unbatched sequence ([seq], as a tokenizer returns for one text) runs as a batch of one", async () => {
  await ready();
  const c = loadCase("bert_model");
  const model = await BertModel.from_pretrained(c.dir, { quiet: true });
  const ids = golden(c, "in.input_ids").arraySync() as number[][];
  const types = golden(c, "in.token_type_ids").arraySync() as number[][];
  const one = model({ input_ids: ids[0], token_type_ids: types[0], attention_mask: ids[0].map(() => 1) });
  const batch = model({ input_ids: [ids[0]], token_type_ids: [types[0]] });
  assert.deepEqual(one.last_hidden_state.shape, [1, 9, 32]);
  assert.deepEqual(one.last_hidden_state.dataSync(), batch.last_hidden_state.dataSync());
  [one, batch].forEach(dispose_output);
  model.dispose();
});

test("nested arrays work as inputs and give the same numbers as tensors", async () => {
  await ready();
  const c = loadCase("question_answering");
  const model = await BertForQuestionAnswering.from_pretrained(c.dir, { quiet: true });
  const t = inputsOf(c);
  const arrays = Object.fromEntries(Object.entries(t).map(([k, v]) => [k, v.arraySync() as number[][]]));
  const labels = { start_positions: golden(c, "label.start_positions").arraySync() as number[], end_positions: golden(c, "label.end_positions").arraySync() as number[] };
  const out = model({ ...arrays, ...labels });
  assertClose(out.start_logits, c, "out.start_logits");
  assertClose(out.end_logits, c, "out.end_logits");
  assertClose(out.loss, c, "out.loss");
  dispose_output(out);
  model.dispose();
});

test("dropout is off in eval (deterministic) and on in train (seeded, changes outputs)", async () => {
  await ready();
  const c = loadCase("seq_cls_2");
  const model = await BertForSequenceClassification.from_pretrained(c.dir, { quiet: true });
  assert.equal(model.training, false, "from_pretrained returns eval mode");
  const inputs = inputsOf(c);
  const e1 = model(inputs).logits.dataSync();
  const e2 = model(inputs).logits.dataSync();
  assert.deepEqual(e1, e2);
  model.train();
  assert.ok(model.bert.encoder.layer[1].output.dropout.training);
  manual_seed(11);
  const t1 = model(inputs).logits.dataSync();
  manual_seed(11);
  const t2 = model(inputs).logits.dataSync();
  const t3 = model(inputs).logits.dataSync();
  assert.deepEqual(t1, t2, "same seed → same dropout masks");
  assert.notDeepEqual(t1, e1);
  assert.notDeepEqual(t1, t3);
  model.eval();
  assert.deepEqual(model(inputs).logits.dataSync(), e1);
  model.dispose();
});

test("no tensor leaks over 100 forwards and 10 gradient steps", async () => {
  await ready();
  const c = loadCase("pretraining");
  const model = await (await import("../src")).BertForPreTraining.from_pretrained(c.dir, { quiet: true });
  const inputs = { ...inputsOf(c), ...inputsOf(c, "label.") };
  dispose_output(model({ ...inputs, output_attentions: true, output_hidden_states: true }));
  clear_linear_cache();
  const start = tf.memory().numTensors;
  for (let i = 0; i < 100; i++) dispose_output(model({ ...inputs, output_attentions: true, output_hidden_states: true }));
  for (let i = 0; i < 10; i++) {
    const { value, grads } = tf.variableGrads(() => model(inputs).loss!);
    tf.dispose([value, ...Object.values(grads)]);
  }
  clear_linear_cache();
  assert.equal(tf.memory().numTensors, start);
  tf.dispose(Object.values(inputs));
  model.dispose();
});

test("BERTLAB_BACKEND=cpu (child process) reproduces the bert_model_relative_key_query golden too", () => {
  const script = `
    const { ready, BertModel, tf } = require("./src");
    const { loadCase, inputsOf, assertClose } = require("./test/fixtures/models/golden");
    (async () => {
      const info = await ready();
      const c = loadCase("bert_model_relative_key_query");
      const m = await BertModel.from_pretrained(c.dir, { quiet: true });
      const out = m({ ...inputsOf(c), output_hidden_states: true, output_attentions: true });
      const d = [assertClose(out.last_hidden_state, c, "out.last_hidden_state"), assertClose(out.pooler_output, c, "out.pooler_output"), assertClose(out.attentions[1], c, "out.attentions.1")];
      console.log(JSON.stringify({ backend: tf.getBackend(), name: info.name, worst: Math.max(...d) }));
    })().catch((e) => { console.error(e.stack); process.exit(2); });`;
  const out = execFileSync(process.execPath, ["--import", "tsx", "-e", script], {
    cwd: path.join(__dirname, ".."), env: { ...process.env, BERTLAB_BACKEND: "cpu" }, encoding: "utf8",
  });
  const r = JSON.parse(out.trim().split("\n").pop()!);
  assert.equal(r.backend, "cpu");
  assert.equal(r.name, "cpu");
  assert.ok(r.worst < 1e-4, `cpu backend max diff ${r.worst}`);
});
