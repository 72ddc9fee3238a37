// Checkpoint loading rules and messages (HF 4.31), save_pretrained round trips, legacy names,
// base ⇄ head prefixes, shape mismatches and sharded checkpoints.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { tf, ready, BertModel, BertForPreTraining, BertLMHeadModel, BertForNextSentencePrediction, BertForSequenceClassification,
  BertForMaskedLM, BertConfig, AutoModelForSequenceClassification, AutoModel, dispose_output, readSafetensors, writeSafetensors,
  write_sharded_safetensors } from "../src";
import { caseDir, loadCase, inputsOf, assertClose } from "./fixtures/models/golden";

const tmp = (): string => fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-models-"));

/** Runs `fn` with console.warn captured. */
async function captureWarnings<T>(fn: () => Promise<T>): Promise<{ value: T; warnings: string[] }> {
  const warnings: string[] = [];
  const orig = console.warn;
  console.warn = (...a: unknown[]) => void warnings.push(a.map(String).join(" "));
  try {
    return { value: await fn(), warnings };
  } finally {
    console.warn = orig;
  }
}

test("seed: BertForPreTraining from a pre-training checkpoint loads with no message (4.31: tied decoder weights are not 'missing')", async () => {
  await ready();
  for (const use_safetensors of [true, false]) {
    const dir = caseDir("pretraining");
    const { value: [model, info], warnings } = await captureWarnings(() => BertForPreTraining.from_pretrained(dir, { output_loading_info: true, use_safetensors }));
    assert.deepEqual(info, { missing_keys: [], unexpected_keys: [], mismatched_keys: [], error_msgs: [] });
    assert.deepEqual(warnings, []);
    model.dispose();
  }
});

test("seed: BertLMHeadModel (is_decoder) from a pre-training checkpoint reports the unused NSP (and pooler) weights in HF's words", async () => {
  await ready();
  const dir = caseDir("pretraining");
  const config = await BertConfig.from_pretrained(dir);
  config.is_decoder = true;
  const { value: [model, info], warnings } = await captureWarnings(() => BertLMHeadModel.from_pretrained(dir, { config, output_loading_info: true }));
  assert.deepEqual(info.missing_keys, []);
  assert.deepEqual(info.unexpected_keys.slice().sort(), ["bert.pooler.dense.bias", "bert.pooler.dense.weight", "cls.seq_relationship.bias", "cls.seq_relationship.weight"]);
  assert.equal(warnings.length, 1);
  assert.equal(warnings[0],
    `Some weights of the model checkpoint at ${dir} were not used when initializing BertLMHeadModel: ['bert.pooler.dense.bias', 'bert.pooler.dense.weight', 'cls.seq_relationship.bias', 'cls.seq_relationship.weight']\n` +
    "- This IS expected if you are initializing BertLMHeadModel from the checkpoint of a model trained on another task or with another architecture (e.g. initializing a BertForSequenceClassification model from a BertForPreTraining model).\n" +
    "- This IS NOT expected if you are initializing BertLMHeadModel from the checkpoint of a model that you expect to be exactly identical (initializing a BertForSequenceClassification model from a BertForSequenceClassification model).");
  assert.equal(model.config.is_decoder, true);
  model.dispose();
});

test("seed: BertForNextSentencePrediction from a pre-training pytorch_model.bin lists the unused MLM head weights", async () => {
  await ready();
  const dir = caseDir("pretraining");
  const { value: [model, info], warnings } = await captureWarnings(() => BertForNextSentencePrediction.from_pretrained(dir, { output_loading_info: true, use_safetensors: false }));
  assert.deepEqual(info.missing_keys, []);
  assert.deepEqual(info.unexpected_keys.slice().sort(), [
    "cls.predictions.bias", "cls.predictions.decoder.bias", "cls.predictions.decoder.weight", "cls.predictions.transform.LayerNorm.bias",
    "cls.predictions.transform.LayerNorm.weight", "cls.predictions.transform.dense.bias", "cls.predictions.transform.dense.weight"]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /^Some weights of the model checkpoint at .* were not used when initializing BertForNextSentencePrediction: \['cls\.predictions\./);
  // The NSP head itself was loaded: its logits equal BertForPreTraining's seq_relationship_logits.
  const c = loadCase("pretraining");
  const out = model(inputsOf(c));
  assertClose(out.logits, c, "out.seq_relationship_logits");
  dispose_output(out);
  model.dispose();
});

test("a base checkpoint into a head: the new classifier is reported as newly initialized, seeded and HF-initialised", async () => {
  await ready();
  const dir = caseDir("bert_model");
  const { value: [model, info], warnings } = await captureWarnings(() => BertForSequenceClassification.from_pretrained(dir, { output_loading_info: true, num_labels: 3, seed: 7 }));
  assert.deepEqual(info.missing_keys, ["classifier.weight", "classifier.bias"]);
  assert.deepEqual(info.unexpected_keys, []);
  assert.equal(warnings[0],
    `Some weights of BertForSequenceClassification were not initialized from the model checkpoint at ${dir} and are newly initialized: ['classifier.weight', 'classifier.bias']\n` +
    "You should probably TRAIN this model on a down-stream task to be able to use it for predictions and inference.");
  const w = model.classifier.weight.dataSync();
  const mean = w.reduce((a, b) => a + b, 0) / w.length;
  const std = Math.sqrt(w.reduce((a, b) => a + (b - mean) ** 2, 0) / w.length);
  assert.ok(Math.abs(std - 0.02) < 0.004, `classifier std ${std}`);
  assert.deepEqual(Array.from(model.classifier.bias!.dataSync()), [0, 0, 0]);
  // the encoder came from the checkpoint (strip nothing, add "bert." to the model's names)
  const base = await BertModel.from_pretrained(dir, { quiet: true });
  assert.deepEqual(model.bert.embeddings.word_embeddings.weight.dataSync(), base.embeddings.word_embeddings.weight.dataSync());
  // same seed → same new weights
  const again = await BertForSequenceClassification.from_pretrained(dir, { quiet: true, num_labels: 3, seed: 7 });
  assert.deepEqual(again.classifier.weight.dataSync(), model.classifier.weight.dataSync());
  [model, base, again].forEach((m) => m.dispose());
});

test("a head checkpoint into BertModel: the bert. prefix is stripped and the head weights are unused", async () => {
  await ready();
  const c = loadCase("bert_model");
  const [model, info] = await BertModel.from_pretrained(caseDir("seq_cls_2"), { output_loading_info: true, quiet: true });
  assert.deepEqual(info.unexpected_keys, ["classifier.bias", "classifier.weight"]);
  assert.deepEqual(info.missing_keys, []);
  const out = model(inputsOf(c));
  assert.deepEqual(out.last_hidden_state.shape, [2, 9, 32]);
  dispose_output(out);
  model.dispose();
});

test("legacy TF names (LayerNorm.gamma/beta) and a checkpoint without the bert. prefix load into a head", async () => {
  await ready();
  const c = loadCase("masked_lm");
  const dir = tmp();
  const tensors = readSafetensors(path.join(c.dir, "model.safetensors")).tensors;
  const renamed = new Map([...tensors].map(([k, v]) => [k.replace("LayerNorm.weight", "LayerNorm.gamma").replace("LayerNorm.bias", "LayerNorm.beta"), v] as const));
  writeSafetensors(path.join(dir, "model.safetensors"), renamed);
  fs.copyFileSync(path.join(c.dir, "config.json"), path.join(dir, "config.json"));
  const [model, info] = await BertForMaskedLM.from_pretrained(dir, { output_loading_info: true, quiet: true });
  assert.deepEqual(info.missing_keys, []);
  const out = model({ ...inputsOf(c), ...inputsOf(c, "label.") });
  assertClose(out.logits, c, "out.logits");
  assertClose(out.loss, c, "out.loss");
  dispose_output(out);
  model.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("shape mismatch: HF's error, or with ignore_mismatched_sizes a re-initialised weight and HF's message", async () => {
  await ready();
  const dir = caseDir("seq_cls_2");
  await assert.rejects(BertForSequenceClassification.from_pretrained(dir, { num_labels: 3, quiet: true }), (e: Error) => {
    assert.equal(e.message,
      "Error(s) in loading state_dict for BertForSequenceClassification:\n\tsize mismatch for classifier.weight: copying a param with shape torch.Size([2, 32]) from checkpoint, the shape in current model is torch.Size([3, 32]).\n" +
      "\tsize mismatch for classifier.bias: copying a param with shape torch.Size([2]) from checkpoint, the shape in current model is torch.Size([3]).\n" +
      "\tYou may consider adding `ignore_mismatched_sizes=True` in the model `from_pretrained` method.");
    return true;
  });
  const { value: [model, info], warnings } = await captureWarnings(() => BertForSequenceClassification.from_pretrained(dir, { num_labels: 3, ignore_mismatched_sizes: true, output_loading_info: true }));
  assert.deepEqual(info.mismatched_keys, [["classifier.weight", [2, 32], [3, 32]], ["classifier.bias", [2], [3]]]);
  assert.equal(warnings.length, 1);
  assert.match(warnings[0], /newly initialized because the shapes did not match:\n- classifier\.weight: found shape torch\.Size\(\[2, 32\]\) in the checkpoint and torch\.Size\(\[3, 32\]\) in the model instantiated\n/);
  assert.equal(model.config.num_labels, 3);
  model.dispose();
});

test("save_pretrained → from_pretrained: HF's file layout (tied weights once, format pt, same config.json) and identical outputs", async () => {
  await ready();
  const c = loadCase("pretraining");
  const model = await BertForPreTraining.from_pretrained(c.dir, { quiet: true });
  const dir = tmp();
  model.save_pretrained(dir);
  const saved = readSafetensors(path.join(dir, "model.safetensors"));
  const original = readSafetensors(path.join(c.dir, "model.safetensors"));
  assert.deepEqual(saved.metadata, { format: "pt" });
  assert.deepEqual([...saved.tensors.keys()].sort(), [...original.tensors.keys()].sort());
  assert.ok(!saved.tensors.has("cls.predictions.decoder.weight") && !saved.tensors.has("cls.predictions.decoder.bias"));
  for (const [k, v] of original.tensors) assert.deepEqual(saved.tensors.get(k)!.data, v.data, k);
  const cfg = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8"));
  assert.equal(cfg._name_or_path, c.dir);
  delete cfg._name_or_path;
  assert.equal(JSON.stringify(cfg, null, 2), fs.readFileSync(path.join(c.dir, "config.json"), "utf8").trim());
  assert.deepEqual(fs.readdirSync(dir).sort(), ["config.json", "model.safetensors"]); // atomic writes leave no temp files

  const [back, info] = await BertForPreTraining.from_pretrained(dir, { output_loading_info: true, quiet: true });
  assert.deepEqual(info.missing_keys, []);
  assert.deepEqual(info.unexpected_keys, []);
  const inputs = { ...inputsOf(c), ...inputsOf(c, "label.") };
  const a = model(inputs);
  const b = back(inputs);
  assert.deepEqual(a.prediction_logits.dataSync(), b.prediction_logits.dataSync());
  assert.equal(a.loss!.dataSync()[0], b.loss!.dataSync()[0]);
  [a, b].forEach(dispose_output);
  [model, back].forEach((m) => m.dispose());
  fs.rmSync(dir, { recursive: true, force: true });
});

test("sharded model.safetensors.index.json loads like the single file", async () => {
  await ready();
  const c = loadCase("seq_cls_2");
  const dir = tmp();
  const files = write_sharded_safetensors(dir, readSafetensors(path.join(c.dir, "model.safetensors")).tensors, 60_000);
  assert.ok(files.includes("model.safetensors.index.json") && files.length > 2, `expected shards, got ${files}`);
  fs.copyFileSync(path.join(c.dir, "config.json"), path.join(dir, "config.json"));
  const model = await AutoModelForSequenceClassification.from_pretrained(dir, { quiet: true });
  const out = model({ ...inputsOf(c), ...inputsOf(c, "label.") });
  assertClose(out.logits, c, "out.logits");
  dispose_output(out);
  model.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});

test("AutoModel picks BertModel; a folder without weights is a clear error", async () => {
  await ready();
  const m = await AutoModel.from_pretrained(caseDir("bert_model"), { quiet: true });
  assert.ok(m instanceof BertModel);
  m.dispose();
  const dir = tmp();
  fs.copyFileSync(path.join(caseDir("bert_model"), "config.json"), path.join(dir, "config.json"));
  await assert.rejects(BertModel.from_pretrained(dir), /does not appear to have a file named model\.safetensors/);
  fs.rmSync(dir, { recursive: true, force: true });
  void tf;
});

test("a BF16 checkpoint loads as float32 (each weight = its bf16 value exactly)", async () => {
  await ready();
  const c = loadCase("seq_cls_2");
  const tensors = readSafetensors(path.join(c.dir, "model.safetensors")).tensors;
  // Hand-written BF16 safetensors: the upper 16 bits of each float32.
  const entries = [...tensors];
  const header: Record<string, unknown> = { __metadata__: { format: "pt" } };
  let offset = 0;
  for (const [k, t] of entries) {
    header[k] = { dtype: "BF16", shape: t.shape, data_offsets: [offset, offset + t.data.length * 2] };
    offset += t.data.length * 2;
  }
  const json = Buffer.from(JSON.stringify(header));
  const body = new Uint8Array(offset);
  let at = 0;
  for (const [, t] of entries) {
    const u32 = new Uint32Array(new Float32Array(t.data).buffer);
    for (const w of u32) {
      body[at++] = (w >>> 16) & 0xff;
      body[at++] = w >>> 24;
    }
  }
  const len = Buffer.alloc(8);
  len.writeBigUInt64LE(BigInt(json.length));
  const dir = tmp();
  fs.writeFileSync(path.join(dir, "model.safetensors"), Buffer.concat([len, json, body]));
  fs.copyFileSync(path.join(c.dir, "config.json"), path.join(dir, "config.json"));
  const model = await BertForSequenceClassification.from_pretrained(dir, { quiet: true });
  for (const [k, t] of entries) {
    const want = new Float32Array(t.data);
    const u32 = new Uint32Array(want.buffer);
    for (let i = 0; i < u32.length; i++) u32[i] &= 0xffff0000;
    assert.deepEqual(model.get_parameter(k).dataSync(), want, k);
  }
  model.dispose();
  fs.rmSync(dir, { recursive: true, force: true });
});
