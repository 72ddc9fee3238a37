// BertConfig: HF defaults, label rules, unknown keys, config.json byte-for-byte as transformers writes it.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { BertConfig, AutoConfig, BertModel, tf } from "../src";
import { check_fits_in_memory } from "../src/nn/module";
import { caseDir } from "./fixtures/models/golden";

test("defaults are HF's (bert-base shape)", () => {
  const c = new BertConfig();
  assert.equal(c.vocab_size, 30522);
  assert.equal(c.hidden_size, 768);
  assert.equal(c.num_hidden_layers, 12);
  assert.equal(c.num_attention_heads, 12);
  assert.equal(c.intermediate_size, 3072);
  assert.equal(c.hidden_act, "gelu");
  assert.equal(c.hidden_dropout_prob, 0.1);
  assert.equal(c.attention_probs_dropout_prob, 0.1);
  assert.equal(c.max_position_embeddings, 512);
  assert.equal(c.type_vocab_size, 2);
  assert.equal(c.initializer_range, 0.02);
  assert.equal(c.layer_norm_eps, 1e-12);
  assert.equal(c.pad_token_id, 0);
  assert.equal(c.position_embedding_type, "absolute");
  assert.equal(c.use_cache, true);
  assert.equal(c.classifier_dropout, null);
  assert.equal(c.is_decoder, false);
  assert.equal(c.add_cross_attention, false);
  assert.equal(c.num_labels, 2);
  assert.deepEqual(c.id2label, { 0: "LABEL_0", 1: "LABEL_1" });
  assert.deepEqual(c.label2id, { LABEL_0: 0, LABEL_1: 1 });
  assert.equal(c.problem_type, null);
  assert.equal(c.model_type, "bert");
});

test("every golden config.json is written back byte for byte (sorted keys, defaults left out, labels as strings)", () => {
  for (const name of ["bert_model", "seq_cls_regression", "token_cls_conll", "lm_head_cross_attention", "seq_cls_multilabel", "bert_model_relative_key"]) {
    const file = path.join(caseDir(name), "config.json");
    const text = fs.readFileSync(file, "utf8");
    assert.equal(BertConfig.from_json_file(file).to_json_string().trim(), text.trim(), name);
  }
});

test("num_labels / id2label / label2id follow PretrainedConfig", () => {
  const c = new BertConfig({ num_labels: 3 });
  assert.deepEqual(c.id2label, { 0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2" });
  assert.deepEqual(c.label2id, { LABEL_0: 0, LABEL_1: 1, LABEL_2: 2 });
  c.num_labels = 3; // same size: maps kept
  c.id2label["0"] = "neg";
  c.num_labels = 3;
  assert.equal(c.id2label["0"], "neg");
  c.num_labels = 1;
  assert.deepEqual(c.id2label, { 0: "LABEL_0" });
  // id2label wins over num_labels (with HF's warning), keys become integer strings
  const warn = console.warn;
  const seen: string[] = [];
  console.warn = (m: string) => void seen.push(m);
  const d = new BertConfig({ num_labels: 5, id2label: { "0": "O", 1: "B-PER" } });
  console.warn = warn;
  assert.equal(d.num_labels, 2);
  assert.match(seen[0], /You passed along `num_labels=5` with an incompatible id to label map/);
  assert.deepEqual(Object.keys(d.id2label), ["0", "1"]);
  assert.throws(() => new BertConfig({ id2label: ["a"] as unknown as Record<string, string> }), /id2label should be a dictionary/);
});

test("unknown keys survive a round trip; bad values are clear errors", () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-config-"));
  const c = new BertConfig({ hidden_size: 64, num_attention_heads: 4, my_custom_key: { a: [1, 2] }, gradient_checkpointing: false });
  c.save_pretrained(dir);
  const back = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8"));
  assert.deepEqual(back.my_custom_key, { a: [1, 2] });
  assert.equal(back.gradient_checkpointing, false);
  assert.equal(back.model_type, "bert");
  assert.equal(back.transformers_version, "4.31.0");
  const again = BertConfig.from_json_file(path.join(dir, "config.json"));
  assert.deepEqual(again.to_dict(), c.to_dict());
  fs.rmSync(dir, { recursive: true, force: true });

  assert.throws(() => new BertConfig({ hidden_size: 30, num_attention_heads: 4 }), /The hidden size \(30\) is not a multiple of the number of attention heads \(4\)/);
  assert.throws(() => new BertConfig({ problem_type: "ranking" as never }), /`problem_type` was not understood: received ranking/);
  assert.throws(() => new BertConfig({ position_embedding_type: "rotary" as never }), /position_embedding_type 'rotary'/);
  assert.throws(() => new BertConfig({ model_type: "gpt2" }), /model_type 'gpt2' is not 'bert'/);
  assert.throws(() => new BertConfig({ hidden_dropout_prob: 2 }), /hidden_dropout_prob must be a probability/);
});

test("from_pretrained / AutoConfig read config.json with keyword overrides", async () => {
  const c = await BertConfig.from_pretrained(caseDir("token_cls_conll"), { is_decoder: true });
  assert.equal(c.num_labels, 9);
  assert.equal(c.id2label["3"], "B-PER");
  assert.equal(c.label2id!["I-LOC"], 8);
  assert.equal(c.is_decoder, true);
  assert.deepEqual(c.architectures, ["BertForTokenClassification"]);
  // a keyword num_labels of another size replaces the checkpoint's labels (HF: setattr after loading)
  const three = await BertConfig.from_pretrained(caseDir("token_cls_conll"), { num_labels: 3 });
  assert.deepEqual(three.id2label, { 0: "LABEL_0", 1: "LABEL_1", 2: "LABEL_2" });
  const copy = c.copy({ hidden_dropout_prob: 0.3, brand_new_key: 1 });
  assert.equal(copy.hidden_dropout_prob, 0.3);
  assert.equal(copy.extra.brand_new_key, 1);
  assert.equal(c.hidden_dropout_prob, 0.1);
  assert.throws(() => c.copy({ num_attention_heads: 5 }), /not a multiple of the number of attention heads/);
  const a = await AutoConfig.from_pretrained(caseDir("bert_model"));
  assert.equal(a.hidden_size, 32);
  assert.equal(a.attention_head_size, 8);
  await assert.rejects(BertConfig.from_pretrained(path.join(os.tmpdir(), "no-such-bertlab-model-dir")));
});

test("a config whose weights cannot fit in memory is refused before anything is allocated, naming the sizes", async () => {
  const before = tf.memory().numTensors;
  const huge = new BertConfig({ vocab_size: 2_000_000_000, hidden_size: 768, num_hidden_layers: 1, num_attention_heads: 12, intermediate_size: 3072 });
  assert.throws(() => new BertModel(huge), (e: Error) => e instanceof RangeError
    && /BertModel: its config describes 1,5\d\d,\d{3},\d{3},\d{3} float32 parameters \(6\d{3}\.\d GB\), more than this machine's \d+\.\d GB of memory; the largest is 'embeddings\.word_embeddings\.weight' \(1,536,000,000,000 values\)/.test(e.message));
  assert.equal(tf.memory().numTensors, before, "nothing was allocated");
  assert.throws(() => check_fits_in_memory("M", [["a", [1000, 1000]]], 3_999_999), /M: its config describes 1,000,000 float32 parameters \(0\.0 GB\)/);
  check_fits_in_memory("M", [["a", [1000, 1000]]], 4_000_000);
});
