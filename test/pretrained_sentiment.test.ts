// The sentiment fine-tuning script (scripts/finetune-sentiment.ts) and the classifier it shipped
// (models/mini-bert-uncased-sentiment): loads by id with NEGATIVE / POSITIVE labels and beats the
// majority class on held-out reviews.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ready, tf } from "../src/backend";
import { BertForPreTraining, BertForSequenceClassification } from "../src/models";
import { clear_linear_cache } from "../src/ops";
import { BertTokenizer } from "../src/tokenizers";
import { sentiment_reviews } from "../scripts/corpus";
import { argmax_rows, encode_reviews, evenly, finetune, ID2LABEL } from "../scripts/finetune-sentiment";
import { save_checkpoint } from "../scripts/pretrain-mini-bert";

const ID = "bertlab/mini-bert-uncased-sentiment";
const DIR = path.join(__dirname, "..", "models", "mini-bert-uncased-sentiment");
const VOCAB_DIR = path.join(__dirname, "fixtures", "vocab", "bert-base-uncased");
const offline = { local_files_only: true };

test("the sentiment split: 2,400 training and 600 test reviews, labelled 0/1, none empty; evenly() spreads a subset", () => {
  const { train, test: held } = sentiment_reviews();
  assert.equal(train.length, 2400);
  assert.equal(held.length, 600);
  for (const r of [...train, ...held]) assert.ok((r.label === 0 || r.label === 1) && r.text.length > 0, JSON.stringify(r));
  assert.deepEqual([...new Set(evenly(held, 30).map((r) => r.source))], ["amazon", "imdb", "yelp"]);
  assert.equal(evenly(held, 0).length, 600);
  assert.deepEqual(argmax_rows([[0.1, 0.9], [2, -1], [0, 0]]), [1, 0, 0]);
});

test("bertlab/mini-bert-uncased-sentiment: loads with every weight, NEGATIVE/POSITIVE labels, beats the majority class on test reviews", async () => {
  await ready();
  const [model, info] = await BertForSequenceClassification.from_pretrained(ID, { ...offline, output_loading_info: true, quiet: true });
  assert.deepEqual(info.missing_keys, []);
  assert.deepEqual(info.unexpected_keys, []);
  assert.deepEqual(model.config.id2label, { 0: "NEGATIVE", 1: "POSITIVE" });
  assert.deepEqual(model.config.label2id, { NEGATIVE: 0, POSITIVE: 1 });
  const tok = await BertTokenizer.from_pretrained(ID, offline);
  const rows = evenly(sentiment_reviews().test, 120);
  const batch = tok(rows.map((r) => r.text), { padding: true, truncation: true, max_length: 64, return_tensors: "tf" });
  const out = model(batch);
  const preds = argmax_rows(out.logits.arraySync() as number[][]);
  tf.dispose([out.logits, batch.input_ids, batch.token_type_ids, batch.attention_mask]);
  const acc = preds.filter((p, i) => p === rows[i].label).length / rows.length;
  const positives = rows.filter((r) => r.label === 1).length;
  const majority = Math.max(positives, rows.length - positives) / rows.length;
  console.log(`sentiment accuracy ${(100 * acc).toFixed(1)}% vs majority ${(100 * majority).toFixed(1)}% on ${rows.length} test reviews`);
  assert.ok(acc > majority + 0.1, `accuracy ${acc} vs majority ${majority}`);
  const results = JSON.parse(fs.readFileSync(path.join(DIR, "eval_results.json"), "utf8"));
  assert.equal(results.test_examples, 600);
  assert.ok(results.test_accuracy > results.majority_baseline_accuracy);
  model.dispose();
});

test("finetune(): a 3-step run from a tiny checkpoint trains and evaluates with the Trainer (finite loss, accuracy in [0, 1])", async () => {
  await ready();
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-ft-"));
  const tok = await BertTokenizer.from_pretrained(VOCAB_DIR);
  const base = new BertForPreTraining({ vocab_size: 30522, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 64 });
  base.init_weights(1);
  save_checkpoint(base, tok, path.join(dir, "base"));
  base.dispose();
  clear_linear_cache();
  const before = tf.memory().numTensors;
  const r = await finetune({
    model: path.join(dir, "base"), output_dir: path.join(dir, "out"), save: path.join(dir, "saved"),
    max_steps: 3, train_limit: 24, test_limit: 20, batch_size: 8, logging_steps: 1, quiet: true,
  });
  assert.equal(r.steps, 3);
  assert.equal(r.train_examples, 24);
  assert.equal(r.test_examples, 20);
  assert.ok(Number.isFinite(r.training_loss) && Math.abs(r.training_loss - Math.log(2)) < 0.2, `loss ${r.training_loss}`);
  assert.ok(r.test_accuracy >= 0 && r.test_accuracy <= 1);
  assert.deepEqual(r.model.config.id2label, ID2LABEL);
  const saved = JSON.parse(fs.readFileSync(path.join(dir, "saved", "config.json"), "utf8"));
  assert.deepEqual(saved.architectures, ["BertForSequenceClassification"]);
  assert.deepEqual(saved.id2label, { 0: "NEGATIVE", 1: "POSITIVE" });
  const results = JSON.parse(fs.readFileSync(path.join(dir, "saved", "eval_results.json"), "utf8"));
  assert.equal(results.test_accuracy, r.test_accuracy);
  // the encoded examples are what the Trainer got: [CLS] … [SEP], at most max_length
  const enc = encode_reviews(tok, evenly(sentiment_reviews().train, 5), 16);
  for (const e of enc) {
    const ids = e.input_ids as number[];
    assert.ok(ids[0] === 101 && ids[ids.length - 1] === 102 && ids.length <= 16);
  }
  r.model.dispose();
  // the control (from_scratch): the checkpoint's config, not its weights; control_accuracy lands in the results and the card
  const c = await finetune({
    model: path.join(dir, "base"), output_dir: path.join(dir, "out"), save: path.join(dir, "control"), from_scratch: true, control_accuracy: 0.5,
    max_steps: 1, train_limit: 8, test_limit: 8, batch_size: 8, quiet: true, learning_rate: 1e-12,
  });
  const loaded = await BertForSequenceClassification.from_pretrained(path.join(dir, "base"), { quiet: true, num_labels: 2 });
  const a = loaded.get_parameter("bert.embeddings.word_embeddings.weight").dataSync();
  const b = c.model.get_parameter("bert.embeddings.word_embeddings.weight").dataSync();
  assert.equal(a.length, b.length);
  assert.ok(a.some((x, i) => Math.abs(x - b[i]) > 1e-3), "the control's embeddings are not the checkpoint's");
  assert.equal(c.model.config.hidden_size, 16);
  const control = JSON.parse(fs.readFileSync(path.join(dir, "control", "eval_results.json"), "utf8"));
  assert.equal(control.random_init_control_accuracy, 0.5);
  assert.match(fs.readFileSync(path.join(dir, "control", "README.md"), "utf8"), /\| control: the same recipe from randomly initialised weights \(same config, seed 42\) \| 50\.0% \|/);
  loaded.dispose();
  c.model.dispose();
  clear_linear_cache(); // the ops' cache of transposed weights
  assert.equal(tf.memory().numTensors - before, 0, "no tensors left after finetune() and model.dispose()");
  fs.rmSync(dir, { recursive: true, force: true });
});
