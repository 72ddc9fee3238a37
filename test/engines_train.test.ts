// The ONNX Runtime training step (src/engines/onnx/train_*.ts): gradients against torch's (HF 4.31 goldens)
// and tfjs autograd, one AdamW step against bertlab's AdamW fed the same gradients (with clipping), the
// loss falling on a toy batch, dropout seeded, and clear errors.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as path from "path";
import { ready, tf } from "../src/backend";
import { readSafetensors, type TensorData } from "../src/hub/safetensors";
import { OnnxTrainStep, onnx_available, weights_from_tensors } from "../src/engines";
import { BertForMaskedLM, BertForSequenceClassification, hf_name } from "../src";
import { AdamW, clip_grad_norm, get_grouped_parameters } from "../src/training";

const skip = onnx_available() ? false : "onnxruntime-node is not installed";
const FIX = path.join(__dirname, "fixtures", "models");

function maxAbs(a: ArrayLike<number>, b: ArrayLike<number>): number {
  assert.equal(a.length, b.length);
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Infinity : d;
  }
  return m;
}

const asIds = (t: TensorData | undefined) => (t ? { data: t.data, dims: t.shape } : undefined);

for (const name of ["pretraining_grads_tied", "seq_cls_2"]) {
  test(`onnx train graph: loss and every gradient match torch (${name})`, { skip }, async () => {
    const dir = path.join(FIX, name);
    const config = JSON.parse(require("fs").readFileSync(path.join(dir, "config.json"), "utf8"));
    const io = readSafetensors(path.join(dir, "io.safetensors")).tensors;
    const meta = JSON.parse(require("fs").readFileSync(path.join(dir, "case.json"), "utf8"));
    const step = await OnnxTrainStep.create({ config, weights: readSafetensors(path.join(dir, "model.safetensors")).tensors, architecture: meta.model_class });
    const r = await step.gradients({
      input_ids: asIds(io.get("in.input_ids"))!, attention_mask: asIds(io.get("in.attention_mask")), token_type_ids: asIds(io.get("in.token_type_ids")),
      labels: asIds(io.get("label.labels"))!, next_sentence_label: asIds(io.get("label.next_sentence_label")),
    });
    assert.ok(Math.abs(r.loss - meta.loss) < 1e-5, `loss ${r.loss} vs torch ${meta.loss}`);
    assert.deepEqual([...r.grads.keys()].map((k) => k.replace(/^bert\./, "")).sort(), meta.grads_of_loss_wrt.map((k: string) => k.replace(/^bert\./, "")).sort());
    let worst = 0;
    for (const [k, g] of r.grads) {
      const want = io.get(`grad.${k}`) ?? io.get(`grad.bert.${k}`);
      assert.ok(want, `golden gradient for ${k}`);
      const d = maxAbs(g, want!.data);
      assert.ok(d < 1e-5, `${k}: max |diff| ${d}`);
      worst = Math.max(worst, d);
    }
    assert.ok(worst < 1e-5);
    await step.dispose();
  });
}

const TINY = { vocab_size: 97, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 48, max_position_embeddings: 24, type_vocab_size: 2, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 };

/** A padded two-sentence MLM batch: ids [3, 12], mask with padding, token types, labels on a few positions (-100 elsewhere). */
function mlmBatch() {
  const B = 3, S = 12;
  const ids: number[][] = [], mask: number[][] = [], types: number[][] = [], labels: number[][] = [];
  for (let b = 0; b < B; b++) {
    const len = S - 3 * b; // 12, 9, 6 real tokens
    ids.push(Array.from({ length: S }, (_, s) => (s < len ? 5 + ((b * 31 + s * 17) % 90) : 0)));
    mask.push(Array.from({ length: S }, (_, s) => (s < len ? 1 : 0)));
    types.push(Array.from({ length: S }, (_, s) => (s >= len / 2 && s < len ? 1 : 0)));
    labels.push(Array.from({ length: S }, (_, s) => (s < len && (s + b) % 4 === 1 ? 5 + ((b * 13 + s * 7) % 90) : -100)));
  }
  return { input_ids: ids, attention_mask: mask, token_type_ids: types, labels };
}

/**
 * tfjs autograd and the ONNX train graph's gradients() on mlmBatch() for a BertForMaskedLM of `config`: the same loss,
 * one gradient per tfjs gradient (of the parameters `params` picks), each within 2e-6, and no tfjs tensors left by
 * the ONNX step. Returns the ONNX gradients by HF name.
 */
async function gradsMatchTfjs(config: typeof TINY & { position_embedding_type?: string }, params: (m: BertForMaskedLM) => tf.Variable[] = (m) => m.parameters()): Promise<Map<string, Float32Array>> {
  await ready();
  const model = new BertForMaskedLM(config);
  model.train();
  model.engine = "tfjs";
  const batch = mlmBatch();
  const inputs = {
    input_ids: tf.tensor2d(batch.input_ids, undefined, "int32"), attention_mask: tf.tensor2d(batch.attention_mask, undefined, "int32"),
    token_type_ids: tf.tensor2d(batch.token_type_ids, undefined, "int32"), labels: tf.tensor2d(batch.labels, undefined, "int32"),
  };
  const { value, grads } = tf.variableGrads(() => (model.forward(inputs) as { loss: tf.Scalar }).loss, params(model));
  const before = tf.memory().numTensors;
  const step = await OnnxTrainStep.create({ config, weights: weights_from_tensors(model.state_dict()), architecture: "BertForMaskedLM" });
  const r = await step.gradients(batch);
  assert.ok(Math.abs(r.loss - value.dataSync()[0]) < 1e-5, `loss ${r.loss} vs tfjs ${value.dataSync()[0]}`);
  assert.equal(r.grads.size, Object.keys(grads).length, "one gradient per unique parameter (the decoder is the word embeddings)");
  for (const [vname, g] of Object.entries(grads)) {
    const mine = r.grads.get(hf_name(vname));
    assert.ok(mine, `gradient for ${hf_name(vname)}`);
    const d = maxAbs(mine!, g.dataSync());
    assert.ok(d < 2e-6, `${hf_name(vname)}: max |diff| ${d}`);
  }
  await step.dispose();
  assert.equal(tf.memory().numTensors, before, "the ONNX step leaves no tfjs tensors behind");
  tf.dispose([value, ...Object.values(grads), ...Object.values(inputs)]);
  model.dispose();
  return r.grads;
}

test("onnx train graph: BertForMaskedLM gradients (padding, token types, -100 labels, tied decoder) match tfjs autograd", { skip }, async () => {
  await gradsMatchTfjs(TINY);
});

for (const kind of ["relative_key", "relative_key_query"]) {
  test(`onnx train graph: ${kind} position scores — loss and every gradient (distance_embedding included) match tfjs autograd`, { skip }, async () => {
    // the absolute table stays in the checkpoint, unused (HF's BertEmbeddings): no gradient on either side
    const used = (m: BertForMaskedLM) => {
      const vars = m.parameters().filter((v) => !hf_name(v.name).endsWith("position_embeddings.weight"));
      assert.equal(vars.length, m.parameters().length - 1);
      return vars;
    };
    const grads = await gradsMatchTfjs({ ...TINY, position_embedding_type: kind }, used);
    assert.ok([...grads.keys()].some((k) => k.endsWith("layer.1.attention.self.distance_embedding.weight")));
    // the distance table's gradient is not zero: the scores really go through it
    const dist = grads.get("bert.encoder.layer.0.attention.self.distance_embedding.weight")!;
    assert.ok(dist.some((v) => Math.abs(v) > 1e-6));
  });
}

test("onnx train step: two AdamW steps (decay / no-decay groups, clipping) equal bertlab's AdamW fed the same gradients", { skip }, async () => {
  await ready();
  const model = new BertForMaskedLM(TINY);
  const batch = mlmBatch();
  const groups = get_grouped_parameters(model, 0.1);
  const opt = new AdamW({ lr: 3e-3, betas: [0.8, 0.95], eps: 1e-6, param_groups: groups });
  const names = groups.map((g) => g.params.map((v) => hf_name(v as tf.Variable)));
  const step = await OnnxTrainStep.create({
    config: TINY, weights: weights_from_tensors(model.state_dict()), architecture: "BertForMaskedLM", max_grad_norm: 0.5,
    param_groups: opt.param_groups.map((g, i) => ({ params: names[i], lr: g.lr, betas: g.betas, eps: g.eps, weight_decay: g.weight_decay })),
  });
  const vars = new Map(model.named_parameters());
  for (let t = 1; t <= 2; t++) {
    const { grads } = await step.gradients(batch); // at the current (shared) weights
    const named: tf.NamedTensorMap = {};
    for (const [n, g] of grads) named[vars.get(n)!.name] = tf.tensor(g, vars.get(n)!.shape);
    const clipped = clip_grad_norm(named, 0.5);
    const r = await step.step(batch);
    assert.ok(Math.abs(r.grad_norm - clipped.total_norm) < 1e-5 * clipped.total_norm, `grad_norm ${r.grad_norm} vs ${clipped.total_norm}`);
    assert.ok(clipped.total_norm > 0.5, "the clipping is exercised");
    opt.applyGradients(clipped.grads);
    tf.dispose([...Object.values(named), ...Object.values(clipped.grads)]);
    let worst = 0;
    for (const [n, w] of step.weights()) worst = Math.max(worst, maxAbs(w, vars.get(n)!.dataSync()));
    assert.ok(worst < 1e-6, `step ${t}: max |weight diff| ${worst}`);
    const m = step.moments();
    for (const [n, v] of vars) {
      const st = opt.state.get(v.name)!;
      assert.ok(maxAbs(m.exp_avg.get(n)!, st.exp_avg.dataSync()) < 1e-7, `exp_avg ${n}`);
      assert.ok(maxAbs(m.exp_avg_sq.get(n)!, st.exp_avg_sq.dataSync()) < 1e-9, `exp_avg_sq ${n}`);
    }
  }
  assert.equal(step.step_count, 2);
  await step.dispose();
  opt.dispose();
  model.dispose();
});

test("onnx train step: the loss falls on a toy batch (BertForSequenceClassification and BertForPreTraining)", { skip }, async () => {
  await ready();
  const batch = mlmBatch();
  const cls = new BertForSequenceClassification({ ...TINY, num_labels: 3 });
  const s1 = await OnnxTrainStep.create({ config: TINY, weights: weights_from_tensors(cls.state_dict()), architecture: "BertForSequenceClassification", param_groups: [{ lr: 5e-3 }] });
  const losses: number[] = [];
  for (let i = 0; i < 30; i++) losses.push((await s1.step({ ...batch, labels: [0, 2, 1] })).loss);
  assert.ok(Math.abs(losses[0] - Math.log(3)) < 0.05, `first loss ${losses[0]} ≈ ln 3`);
  assert.ok(losses[29] < 0.2 * losses[0], `loss ${losses[0]} → ${losses[29]}`);
  await s1.dispose();
  cls.dispose();

  const mlm = new BertForMaskedLM(TINY);
  const w = weights_from_tensors(mlm.state_dict());
  for (const [n, s] of [["bert.pooler.dense.weight", [32, 32]], ["bert.pooler.dense.bias", [32]], ["cls.seq_relationship.weight", [2, 32]], ["cls.seq_relationship.bias", [2]]] as const) {
    w.set(n, { dtype: "float32", shape: [...s], data: new Float32Array(s.reduce((a, b) => a * b, 1)).map((_, i) => Math.sin(i) * 0.02) });
  }
  const s2 = await OnnxTrainStep.create({ config: TINY, weights: w, architecture: "BertForPreTraining", param_groups: [{ lr: 2e-3 }], max_grad_norm: 1 });
  const pre: number[] = [];
  const masked = batch.labels.flat().filter((l) => l !== -100);
  let last: Awaited<ReturnType<OnnxTrainStep["step"]>> | null = null;
  for (let i = 0; i < 40; i++) {
    last = await s2.step({ ...batch, next_sentence_label: [0, 1, 1] });
    pre.push(last.loss);
  }
  // the per-head details: losses summing to the loss, argmax predictions per masked token / pair
  assert.ok(Math.abs(last!.mlm_loss! + last!.nsp_loss! - last!.loss) < 1e-5);
  assert.equal(last!.mlm_predictions!.length, masked.length);
  assert.ok(last!.mlm_predictions!.filter((p, i) => p === masked[i]).length >= masked.length / 2, "the memorised batch is mostly predicted");
  assert.deepEqual(last!.nsp_predictions, [0, 1, 1]);
  assert.ok(pre[0] > Math.log(97) && pre[0] < Math.log(97) + 1, `first loss ${pre[0]} ≈ ln 97 + ln 2`);
  assert.ok(pre[39] < 0.25 * pre[0], `loss ${pre[0]} → ${pre[39]}`);
  await s2.dispose();
  mlm.dispose();
});

test("onnx train step: dropout is on when asked, seeded (same seed, same losses), and changes the loss", { skip }, async () => {
  await ready();
  const model = new BertForMaskedLM(TINY);
  const w = weights_from_tensors(model.state_dict());
  const batch = mlmBatch();
  const make = (p: number, seed: number) => OnnxTrainStep.create({ config: TINY, weights: w, architecture: "BertForMaskedLM", dropout: { hidden: p, attention: p }, seed, threads: 1 });
  const run = async (s: OnnxTrainStep) => [(await s.step(batch)).loss, (await s.step(batch)).loss];
  const [a, b, c, off] = await Promise.all([make(0.1, 3), make(0.1, 3), make(0.1, 4), make(0, 0)]);
  const [la, lb, lc, loff] = [await run(a), await run(b), await run(c), await run(off)];
  assert.deepEqual(la, lb, "same seed, same masks");
  assert.notDeepEqual(la, lc, "another seed, other masks");
  assert.notEqual(la[0], loff[0], "dropout changes the loss");
  for (const s of [a, b, c, off]) await s.dispose();
  model.dispose();
});

test("onnx train step: errors name the bad input and what was expected", { skip }, async () => {
  await ready();
  const model = new BertForMaskedLM(TINY);
  const w = weights_from_tensors(model.state_dict());
  await assert.rejects(OnnxTrainStep.create({ config: TINY, weights: w, architecture: "BertForQuestionAnswering" }), /architecture 'BertForQuestionAnswering' is not supported; expected one of BertForMaskedLM/);
  await assert.rejects(OnnxTrainStep.create({ config: { ...TINY, hidden_act: "relu" }, weights: w, architecture: "BertForMaskedLM" }), /hidden_act='relu' is not supported; expected 'gelu'/);
  const s = await OnnxTrainStep.create({ config: TINY, weights: w, architecture: "BertForMaskedLM" });
  const batch = mlmBatch();
  await assert.rejects(s.step({ ...batch, labels: [[1, 2]] }), /labels has shape \[1,2\]; expected the shape of input_ids \[3,12\]/);
  await assert.rejects(s.step({ ...batch, labels: batch.labels.map((r) => r.map(() => 500)) }), /labels: value 500 at flat position 0 is neither -100 nor a token id in \[0, 97\)/);
  await assert.rejects(s.step({ ...batch, input_ids: batch.input_ids.map((r) => r.map(() => 97)) }), /input_ids: id 97 is outside the vocabulary \[0, 97\)/);
  await assert.rejects(s.step({ ...batch, token_type_ids: batch.token_type_ids.map((r) => r.map(() => 2)) }), /token_type_ids: 2 is outside \[0, 2\) \(config.type_vocab_size\)/);
  await s.dispose();
  await assert.rejects(s.step(batch), /step\(\) after dispose\(\)/);
  const cls = new BertForSequenceClassification({ ...TINY, num_labels: 3 });
  const c = await OnnxTrainStep.create({ config: TINY, weights: weights_from_tensors(cls.state_dict()), architecture: "BertForSequenceClassification" });
  await assert.rejects(c.step({ ...batch, labels: [0, 3, 1] }), /labels: value 3 at index 1 is neither -100 nor a class index in \[0, 3\)/);
  await assert.rejects(c.step({ ...batch, labels: [0, 1] }), /labels has shape \[2\]; expected \[3\] \(one class index per sequence\)/);
  await c.dispose();
  cls.dispose();
  model.dispose();
});
