// BertModel and the task heads against HF transformers 4.31 goldens (1e-4 absolute), loading
// model.safetensors and from pytorch_model.bin with from_pretrained.
import { test } from "node:test";
import * as fs from "fs";
import * as path from "path";
import assert from "node:assert/strict";
import { tf, ready, BertModel, BertForPreTraining, BertForMaskedLM, BertLMHeadModel, BertForNextSentencePrediction,
  BertForSequenceClassification, BertForMultipleChoice, BertForTokenClassification, BertForQuestionAnswering,
  BertPreTrainedModel, dispose_output } from "../src";
import { clear_linear_cache } from "../src/ops";
import { loadCase, inputsOf, assertClose, GoldenCase } from "./fixtures/models/golden";

const CLASSES: Record<string, { from_pretrained(dir: string, o?: object): Promise<BertPreTrainedModel> }> = {
  BertModel, BertForPreTraining, BertForMaskedLM, BertLMHeadModel, BertForNextSentencePrediction,
  BertForSequenceClassification, BertForMultipleChoice, BertForTokenClassification, BertForQuestionAnswering,
};

/** Runs a golden case (inputs + labels, hidden states and attentions on) and compares every recorded output. */
async function checkCase(name: string, use_safetensors: boolean): Promise<void> {
  await ready();
  const c: GoldenCase = loadCase(name);
  const model = await CLASSES[c.meta.model_class].from_pretrained(c.dir, { quiet: true, use_safetensors });
  const inputs = { ...inputsOf(c, "in."), ...inputsOf(c, "label.") };
  dispose_output(model.forward({ ...inputs, output_hidden_states: true, output_attentions: true })); // warm-up (first-call kernel state)
  clear_linear_cache(); // ops keeps one cached Wᵀ per dense weight; count without them
  const before = tf.memory().numTensors;
  const out = model.forward({ ...inputs, output_hidden_states: true, output_attentions: true }) as Record<string, unknown>;
  let compared = 0;
  for (const key of c.io.keys()) {
    if (!key.startsWith("out.")) continue;
    const parts = key.slice(4).split(".");
    let v: unknown = out;
    for (const p of parts) v = (v as Record<string, unknown>)?.[p];
    assertClose(v as tf.Tensor, c, key);
    compared++;
  }
  assert.ok(compared >= 3, `${name}: compared only ${compared} outputs`);
  if (c.meta.loss !== null) assert.ok(Math.abs((out.loss as tf.Scalar).dataSync()[0] - c.meta.loss) < 1e-4);
  dispose_output(out);
  clear_linear_cache();
  assert.equal(tf.memory().numTensors, before, `${name}: forward leaked tensors`);
  tf.dispose(Object.values(inputs));
  model.dispose();
}

for (const name of [
  "bert_model", "bert_model_ids_only", "bert_model_gelu_new", "bert_model_relative_key", "bert_model_relative_key_query",
  "pretraining", "masked_lm", "lm_head_causal", "lm_head_causal_kv_cache", "lm_head_cross_attention", "next_sentence",
  "seq_cls_2", "seq_cls_regression", "seq_cls_multilabel", "multiple_choice", "token_cls_conll", "question_answering",
  "pretraining_grads_tied",
]) {
  test(`golden ${name} (model.safetensors): outputs, hidden_states, attentions and loss match HF within 1e-4`, () => checkCase(name, true));
  test(`golden ${name} (pytorch_model.bin): outputs, hidden_states, attentions and loss match HF within 1e-4`, () => checkCase(name, false));
}

// The two real-vocabulary cases (11.6 MB) stay in /work/shared/golden; run them where it exists.
const SHARED = "/work/shared/golden/models";
for (const name of ["real_vocab_pretraining_seed_sentence", "real_vocab_masked_lm_batch"]) {
  const dir = path.join(SHARED, name);
  const skip = fs.existsSync(dir) ? false : `${dir} is not on this machine (kept out of the repo: 11.6 MB)`;
  test(`golden ${name} (seed pair / [MASK] batch, real 30522-token vocabulary) matches HF within 1e-4`, { skip }, async () => {
    await checkCase(dir, true);
    if (name.startsWith("real_vocab_pretraining")) {
      // the seed's pair: [CLS] hello , my dog is cute . [SEP] i like it [SEP]
      const c = loadCase(dir);
      assert.deepEqual(Array.from(c.io.get("in.input_ids")!.data), [101, 7592, 1010, 2026, 3899, 2003, 10140, 1012, 102, 1045, 2066, 2009, 102]);
      assert.deepEqual(c.io.get("out.prediction_logits")!.shape, [1, 13, 30522]);
    }
  });
}
