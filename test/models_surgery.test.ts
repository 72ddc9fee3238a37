// head_mask, prune_heads, get/set_input_embeddings and resize_token_embeddings against HF's formulas:
// head_mask outputs against test/fixtures/explain/reference.json (plain torch on the golden weights,
// make_reference.py), pruned models against the masked reference, resized embeddings against HF 4.31's rules.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { tf, ready, manual_seed, BertForSequenceClassification, BertForMaskedLM, BertForQuestionAnswering, BertPreTrainedModel, dispose_output } from "../src";
import { loadCase, inputsOf } from "./fixtures/models/golden";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const REF = require("./fixtures/explain/reference.json");
type Loader = { from_pretrained(dir: string, o?: object): Promise<BertPreTrainedModel> };
const CLASSES: Record<string, Loader> = { seq_cls_2: BertForSequenceClassification, masked_lm: BertForMaskedLM, question_answering: BertForQuestionAnswering };

function maxDiff(a: tf.Tensor, expected: unknown): number {
  const e = tf.tensor(expected as number[]);
  assert.deepEqual(a.shape, e.shape);
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, e))).dataSync()[0]);
  e.dispose();
  return d;
}

function refCase(name: string) {
  return REF.head_mask.find((r: { case: string }) => r.case === name);
}

async function load(name: string): Promise<BertPreTrainedModel> {
  await ready();
  return CLASSES[name].from_pretrained(loadCase(name).dir, { quiet: true });
}

function checkOutputs(out: Record<string, unknown>, ref: { outputs: Record<string, unknown>; attentions?: unknown[]; vocab_slice: number | null }, what: string): void {
  for (const [k, v] of Object.entries(ref.outputs)) {
    let t = out[k] as tf.Tensor;
    if (ref.vocab_slice) t = t.slice([0, 0, 0], [-1, -1, ref.vocab_slice]);
    const d = maxDiff(t, v);
    assert.ok(d < 1e-4, `${what} ${k}: max |diff| ${d}`);
  }
}

for (const name of ["seq_cls_2", "masked_lm", "question_answering"]) {
  test(`head_mask ${JSON.stringify(refCase(name).head_mask)} on ${name}: outputs and (masked) attentions equal the torch reference`, async () => {
    const ref = refCase(name);
    const model = await load(name);
    const inputs = inputsOf(loadCase(name));
    const out = model.forward({ ...inputs, head_mask: ref.head_mask, output_attentions: true }) as Record<string, unknown>;
    assert.equal(model.last_engine, "tfjs");
    checkOutputs(out, ref, name);
    (out.attentions as tf.Tensor[]).forEach((a, i) => assert.ok(maxDiff(a, ref.attentions[i]) < 1e-5, `attentions.${i}`));
    // a mask of ones is the unmasked model
    const plain = model.forward({ ...inputs }) as Record<string, tf.Tensor>;
    const ones = model.forward({ ...inputs, head_mask: tf.ones([2, 4]) }) as Record<string, tf.Tensor>;
    const key = Object.keys(ref.outputs)[0];
    assert.ok(maxDiff(ones[key], plain[key].arraySync()) < 1e-6);
    // no leak
    const before = tf.memory().numTensors;
    dispose_output(model.forward({ ...inputs, head_mask: ref.head_mask }));
    assert.equal(tf.memory().numTensors, before);
    dispose_output(out); dispose_output(plain); dispose_output(ones);
    tf.dispose(Object.values(inputs));
    model.dispose();
  });
}

test("head_mask: wrong shapes are errors naming the expected shape", async () => {
  const model = await load("seq_cls_2");
  const inputs = inputsOf(loadCase("seq_cls_2"));
  assert.throws(() => model.forward({ ...inputs, head_mask: [1, 1, 1] }), /head_mask has shape \[3\]; expected \[4\]/);
  assert.throws(() => model.forward({ ...inputs, head_mask: [[1, 1, 1, 1]] }), /expected \[2,4\]/);
  tf.dispose(Object.values(inputs));
  model.dispose();
});

test("prune_heads: the pruned model equals the torch reference of the masked model; shapes, config and save/load as HF", async () => {
  const ref = refCase("question_answering"); // head_mask [[0, 0, 1, 1], [1, 1, 1, 0]]
  const model = await load("question_answering");
  const inputs = inputsOf(loadCase("question_answering"));
  model.prune_heads({ 0: [0], 1: [3] });
  model.prune_heads({ 0: [1, 0] }); // original numbering; head 0 already gone
  assert.deepEqual(model.config.pruned_heads, { 0: [0, 1], 1: [3] });
  assert.deepEqual(model.get_parameter("bert.encoder.layer.0.attention.self.query.weight").shape, [16, 32]);
  assert.deepEqual(model.get_parameter("bert.encoder.layer.0.attention.self.value.bias").shape, [16]);
  assert.deepEqual(model.get_parameter("bert.encoder.layer.0.attention.output.dense.weight").shape, [32, 16]);
  assert.deepEqual(model.get_parameter("bert.encoder.layer.1.attention.self.key.weight").shape, [24, 32]);
  const out = model.forward({ ...inputs, output_attentions: true }) as Record<string, unknown>;
  assert.equal(model.last_engine, "tfjs");
  checkOutputs(out, ref, "pruned");
  assert.deepEqual((out.attentions as tf.Tensor[]).map((a) => a.shape[1]), [2, 3]);
  // the remaining heads' attentions are the reference's unmasked heads
  assert.ok(maxDiff(out.attentions && (out.attentions as tf.Tensor[])[0], (ref.attentions[0] as number[][][][]).map((b) => b.slice(2))) < 1e-5);
  // save / load keeps the pruned shapes (config.pruned_heads rebuilds them, as HF's init_weights)
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-pruned-"));
  model.save_pretrained(dir);
  assert.deepEqual(JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8")).pruned_heads, { 0: [0, 1], 1: [3] });
  const again = await BertForQuestionAnswering.from_pretrained(dir, { quiet: true });
  assert.deepEqual(again.loading_info!.missing_keys, []);
  const out2 = again.forward({ ...inputs }) as Record<string, tf.Tensor>;
  checkOutputs(out2, ref, "reloaded");
  assert.throws(() => model.prune_heads({ 5: [0] }), /layer 5 is out of range 0..1/);
  fs.rmSync(dir, { recursive: true });
  dispose_output(out); dispose_output(out2);
  tf.dispose(Object.values(inputs));
  model.dispose(); again.dispose();
});

test("resize_token_embeddings: old rows kept, new rows ~ normal(0, initializer_range), decoder tied, bias zero-padded, config.vocab_size", async () => {
  const model = (await load("masked_lm")) as BertForMaskedLM;
  const old = model.get_input_embeddings().weight.arraySync() as number[][];
  const oldBias = model.get_parameter("cls.predictions.bias").arraySync() as number[];
  manual_seed(7);
  const emb = model.resize_token_embeddings(3000);
  assert.equal(emb, model.get_input_embeddings());
  assert.equal(model.config.vocab_size, 3000);
  assert.equal(emb.num_embeddings, 3000);
  const w = emb.weight.arraySync() as number[][];
  assert.deepEqual(w.slice(0, 1000), old);
  const fresh = w.slice(1000).flat();
  const mean = fresh.reduce((a, b) => a + b, 0) / fresh.length;
  const std = Math.sqrt(fresh.reduce((a, b) => a + (b - mean) ** 2, 0) / fresh.length);
  assert.ok(Math.abs(mean) < 0.001, `mean ${mean}`);
  assert.ok(Math.abs(std - 0.02) < 0.0005, `std ${std} vs initializer_range 0.02`);
  assert.equal(model.get_parameter("cls.predictions.decoder.weight"), emb.weight);
  const bias = model.get_parameter("cls.predictions.bias");
  assert.equal(model.get_parameter("cls.predictions.decoder.bias"), bias);
  const b = bias.arraySync() as number[];
  assert.deepEqual(b.slice(0, 1000), oldBias);
  assert.ok(b.slice(1000).every((x) => x === 0));
  // the new ids run; the logits cover the new vocabulary
  const out = model.forward({ input_ids: [[1, 2999, 5]] });
  assert.deepEqual(out.logits.shape, [1, 3, 3000]);
  dispose_output(out);
  // pad_to_multiple_of, shrinking, and None
  assert.equal(model.resize_token_embeddings(3001, 64).num_embeddings, 3008);
  assert.equal(model.resize_token_embeddings(500).num_embeddings, 500);
  assert.deepEqual(model.get_input_embeddings().weight.arraySync(), old.slice(0, 500));
  assert.equal(model.resize_token_embeddings().num_embeddings, 500);
  assert.deepEqual(model.get_parameter("cls.predictions.bias").shape, [500]);
  // save / load with the new size
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-resized-"));
  model.save_pretrained(dir);
  const again = await BertForMaskedLM.from_pretrained(dir, { quiet: true });
  assert.equal(again.config.vocab_size, 500);
  assert.deepEqual(again.get_input_embeddings().weight.arraySync(), old.slice(0, 500));
  fs.rmSync(dir, { recursive: true });
  again.dispose();
  model.dispose();
});

test("get_input_embeddings / set_input_embeddings: the word table is replaced and the tied decoder follows", async () => {
  const model = (await load("masked_lm")) as BertForMaskedLM;
  const table = tf.randomNormal([1000, 32], 0, 0.02, "float32", 3);
  model.set_input_embeddings(table);
  assert.ok(maxDiff(model.get_input_embeddings().weight, table.arraySync()) === 0);
  assert.equal(model.get_parameter("cls.predictions.decoder.weight"), model.get_input_embeddings().weight);
  assert.equal(model.get_output_embeddings(), model.cls.predictions.decoder);
  assert.throws(() => model.set_input_embeddings(tf.zeros([10, 8])), /expected a \[vocab, 32\] table/);
  table.dispose();
  model.dispose();
});
