// Decoder key/value cache: feeding 6 tokens with use_cache, then the last 3 with past_key_values,
// gives HF's logits and cache tensors, and equals the full 9-token pass.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tf, ready, BertLMHeadModel, dispose_output } from "../src";
import { loadCase, golden, assertClose, maxAbsDiff } from "./fixtures/models/golden";

test("kv cache: first 6 tokens then 3 more with past_key_values match HF and the full pass", async () => {
  await ready();
  const c = loadCase("lm_head_causal_kv_cache");
  const model = await BertLMHeadModel.from_pretrained(c.dir, { quiet: true });
  const ids = golden(c, "in.input_ids").slice([0, 0], [1, 9]) as tf.Tensor2D; // the first row, 9 tokens
  const tt = golden(c, "in.token_type_ids").slice([0, 0], [1, 9]) as tf.Tensor2D; // its segment ids (1 from position 5)
  const full = model({ input_ids: ids, token_type_ids: tt });
  assertClose(full.logits, c, "kv.full_logits");

  const first = model({ input_ids: ids.slice([0, 0], [1, 6]), token_type_ids: tt.slice([0, 0], [1, 6]), use_cache: true });
  assertClose(first.logits, c, "kv.first_logits");
  assert.equal(first.past_key_values!.length, 2);
  first.past_key_values!.forEach(([k, v], i) => {
    assertClose(k, c, `kv.first_past.${i}.key`);
    assertClose(v, c, `kv.first_past.${i}.value`);
  });

  const step = model({ input_ids: ids.slice([0, 6], [1, 3]), token_type_ids: tt.slice([0, 6], [1, 3]), past_key_values: first.past_key_values, use_cache: true });
  assertClose(step.logits, c, "kv.step_logits");
  step.past_key_values!.forEach(([k, v], i) => {
    assertClose(k, c, `kv.step_past.${i}.key`);
    assertClose(v, c, `kv.step_past.${i}.value`);
  });
  // incremental == full on the last 3 positions
  const tail = full.logits.slice([0, 6, 0], [1, 3, 1000]);
  const d = maxAbsDiff(step.logits, { dtype: "float32", shape: tail.shape, data: tail.dataSync() as Float32Array }, "step vs full");
  assert.ok(d < 1e-4, `incremental decoding differs from the full pass by ${d}`);

  // Token by token from the 6-token cache, too.
  let past = first.past_key_values!;
  const owned: object[] = [];
  for (let i = 6; i < 9; i++) {
    const o = model({ input_ids: ids.slice([0, i], [1, 1]), token_type_ids: tt.slice([0, i], [1, 1]), past_key_values: past, use_cache: true });
    const want = full.logits.slice([0, i, 0], [1, 1, 1000]);
    const di = maxAbsDiff(o.logits, { dtype: "float32", shape: want.shape, data: want.dataSync() as Float32Array }, `token ${i}`);
    assert.ok(di < 1e-4, `token ${i}: ${di}`);
    past = o.past_key_values!;
    owned.push(o);
    tf.dispose([want]);
  }
  owned.forEach(dispose_output);
  tf.dispose([tail, ids, tt]);
  [full, first, step].forEach(dispose_output);
  model.dispose();
});

test("decoder without labels returns past_key_values by default (config.use_cache), with labels it does not", async () => {
  await ready();
  const c = loadCase("lm_head_causal");
  const model = await BertLMHeadModel.from_pretrained(c.dir, { quiet: true });
  const ids = golden(c, "in.input_ids");
  const a = model({ input_ids: ids });
  assert.equal(a.past_key_values?.length, 2);
  assert.deepEqual(a.past_key_values![0][0].shape, [2, 4, 9, 8]);
  const b = model({ input_ids: ids, labels: ids });
  assert.equal(b.past_key_values, undefined);
  assert.ok(b.loss);
  [a, b].forEach(dispose_output);
  ids.dispose();
  model.dispose();
});

test("cross-attention decoder: cached self + cross keys/values (4 per layer) reproduce the full pass", async () => {
  await ready();
  const c = loadCase("lm_head_cross_attention");
  const model = await BertLMHeadModel.from_pretrained(c.dir, { quiet: true });
  const ids = golden(c, "in.input_ids");
  const enc = golden(c, "in.encoder_hidden_states");
  const encMask = golden(c, "in.encoder_attention_mask");
  const [b, s] = ids.shape as [number, number];
  const mask = tf.ones([b, s]);
  const full = model({ input_ids: ids, attention_mask: mask, encoder_hidden_states: enc, encoder_attention_mask: encMask, output_attentions: true });
  assert.equal(full.cross_attentions!.length, 2);
  assert.deepEqual(full.cross_attentions![0].shape, [b, 4, s, enc.shape[1]]);
  const first = model({ input_ids: ids.slice([0, 0], [b, 5]), attention_mask: mask.slice([0, 0], [b, 5]), encoder_hidden_states: enc, encoder_attention_mask: encMask, use_cache: true });
  assert.equal(first.past_key_values![0].length, 4, "self k, self v, cross k, cross v");
  const rest = model({ input_ids: ids.slice([0, 5], [b, s - 5]), attention_mask: mask, encoder_hidden_states: enc, encoder_attention_mask: encMask, past_key_values: first.past_key_values, use_cache: true });
  const want = full.logits.slice([0, 5, 0], [b, s - 5, 1000]);
  const d = maxAbsDiff(rest.logits, { dtype: "float32", shape: want.shape, data: want.dataSync() as Float32Array }, "cached vs full");
  assert.ok(d < 1e-4, `cached cross-attention decoding differs by ${d}`);
  [full, first, rest].forEach(dispose_output);
  tf.dispose([ids, enc, encMask, mask, want]);
  model.dispose();
});
