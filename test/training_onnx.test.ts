// Trainer with TrainingArguments.train_engine "onnx" / "auto": the same run as on tfjs (dropout off: equal
// losses and weights), dropout on with loss falling, weights and AdamW state synced into the model and the
// optimizer (evaluation, checkpoints, resuming), no tfjs tensors left behind, clear refusals.
import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { tf, ready } from "../src/backend";
import { BertForMaskedLM, BertForSequenceClassification } from "../src/models";
import { onnx_available } from "../src/engines";
import { Trainer, TrainingArguments } from "../src/training/trainer_api";
import { DataCollatorForLanguageModeling } from "../src/training/collators";
import { Generator, set_seed } from "../src/training/rng";
import type { Feature } from "../src/training/padding";
import { TOY_TOKENIZER, classification_data } from "./fixtures/training/toy";

const skip = onnx_available() ? false : "onnxruntime-node is not installed";
const TINY = { vocab_size: 40, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 24, max_position_embeddings: 32 };
const tok = TOY_TOKENIZER;


const tmpdir = (name: string) => fs.mkdtempSync(path.join(os.tmpdir(), `bertlab-${name}-`));

test("Trainer train_engine 'onnx' = 'tfjs' step for step with dropout off (losses, grad norms, weights, AdamW state)", { skip }, async () => {
  await ready();
  const run = async (engine: "tfjs" | "onnx") => {
    set_seed(0);
    const model = new BertForSequenceClassification({ ...TINY, num_labels: 2, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0 });
    const trainer = new Trainer({
      model, train_dataset: classification_data(32, 1), tokenizer: tok,
      args: { output_dir: tmpdir(engine), learning_rate: 5e-3, max_steps: 6, per_device_train_batch_size: 8, warmup_steps: 2, weight_decay: 0.01, logging_steps: 1, save_strategy: "no", seed: 1, train_engine: engine, disable_tqdm: true },
    });
    await trainer.train();
    assert.equal(trainer.train_engine_used?.engine, engine);
    const logs = trainer.state.log_history.filter((e) => "loss" in e);
    const weights = new Map(model.named_parameters().map(([n, v]) => [n, v.dataSync().slice()]));
    const moments = trainer.optimizer!.state_dict().state;
    return { model, logs, weights, moments };
  };
  const a = await run("tfjs");
  const b = await run("onnx");
  assert.equal(b.logs.length, 6);
  b.logs.forEach((e, i) => {
    assert.ok(Math.abs((e.loss as number) - (a.logs[i].loss as number)) < 2e-4, `step ${i + 1}: loss ${e.loss} vs tfjs ${a.logs[i].loss}`);
    assert.ok(Math.abs((e.grad_norm as number) - (a.logs[i].grad_norm as number)) < 1e-3 * (a.logs[i].grad_norm as number), `step ${i + 1}: grad_norm`);
    assert.equal(e.learning_rate, a.logs[i].learning_rate);
  });
  let worst = 0;
  for (const [n, w] of a.weights) {
    const o = b.weights.get(n)!;
    for (let i = 0; i < w.length; i++) worst = Math.max(worst, Math.abs(w[i] - o[i]));
  }
  assert.ok(worst < 1e-4, `max |weight diff| after 6 steps ${worst}`);
  const keys = (m: object) => Object.keys(m).map((k) => k.replace(/^[^/]*\//, "")).sort();
  assert.deepEqual(keys(b.moments), keys(a.moments));
  for (const s of Object.values(b.moments)) assert.equal(s.step, 6);
  a.model.dispose();
  b.model.dispose();
});

test("Trainer train_engine 'onnx': MLM with dropout learns, evaluates and checkpoints on the synced weights, resumes, leaks nothing", { skip }, async () => {
  await ready();
  set_seed(0);
  const model = new BertForMaskedLM({ ...TINY, hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1 });
  const g = new Generator(3);
  const data: Feature[] = Array.from({ length: 64 }, () => ({ input_ids: [1, ...Array.from({ length: 12 }, (_, i) => 5 + ((i * 3 + g.randint(2)) % 30)), 2] }));
  const out = tmpdir("onnx-mlm");
  const args = { output_dir: out, learning_rate: 1e-2, max_steps: 40, per_device_train_batch_size: 16, logging_steps: 10, eval_strategy: "steps" as const, eval_steps: 20, save_steps: 20, seed: 2, train_engine: "onnx" as const, disable_tqdm: true };
  const collator = new DataCollatorForLanguageModeling({ tokenizer: tok, mlm_probability: 0.3 });
  const trainer = new Trainer({ model, args, train_dataset: data, eval_dataset: data.slice(0, 16), data_collator: collator });
  const before = model.named_parameters().map(([, v]) => v.dataSync().slice());
  await trainer.train();
  const losses = trainer.state.log_history.filter((e) => "loss" in e).map((e) => e.loss as number);
  assert.ok(losses[3] < 0.7 * losses[0], `training loss ${losses.join(" → ")}`);
  const evals = trainer.state.log_history.filter((e) => "eval_loss" in e).map((e) => e.eval_loss as number);
  assert.equal(evals.length, 2);
  assert.ok(evals[1] < evals[0], `eval loss ${evals} (computed by the tfjs model on the synced weights)`);
  const changed = model.named_parameters().filter(([, v], i) => v.dataSync().some((x, j) => x !== before[i][j])).length;
  assert.equal(changed, model.named_parameters().length, "every parameter was written back");
  assert.ok(fs.existsSync(path.join(out, "checkpoint-40", "model.safetensors")));
  // resume from checkpoint-20 with the tfjs engine: the optimizer state saved by the ONNX run is restored
  const tensors = tf.memory().numTensors;
  const resumed = new Trainer({ model, args: { ...args, train_engine: "onnx", max_steps: 44, eval_strategy: "no" }, train_dataset: data, data_collator: collator });
  await resumed.train({ resume_from_checkpoint: path.join(out, "checkpoint-40") });
  assert.equal(resumed.state.global_step, 44);
  for (const s of Object.values(resumed.optimizer!.state_dict().state)) assert.equal(s.step, 44);
  assert.equal(tf.memory().numTensors - tensors, 2 * model.named_parameters().length, "only the second optimizer's moments are new");
  resumed.optimizer!.dispose();
  model.dispose();
});

test("Trainer train_engine: 'onnx' refuses a run it cannot train, naming why; 'auto' falls back to tfjs and says why", { skip }, async () => {
  await ready();
  const model = new BertForSequenceClassification({ ...TINY, num_labels: 2 });
  const base = { output_dir: tmpdir("onnx-refuse"), max_steps: 1, per_device_train_batch_size: 4, save_strategy: "no" as const, disable_tqdm: true, gradient_accumulation_steps: 2 };
  const data = classification_data(8, 2);
  await assert.rejects(new Trainer({ model, args: { ...base, train_engine: "onnx" }, train_dataset: data, tokenizer: tok }).train(), /train_engine 'onnx' cannot train this run: gradient_accumulation_steps > 1/);
  const auto = new Trainer({ model, args: { ...base, train_engine: "auto" }, train_dataset: data, tokenizer: tok });
  await auto.train();
  assert.deepEqual(auto.train_engine_used, { engine: "tfjs", reason: "gradient_accumulation_steps > 1" });
  assert.throws(() => new TrainingArguments({ output_dir: "x", train_engine: "cuda" as never }), /train_engine 'cuda' is not available; expected 'tfjs' \(default\), 'onnx' or 'auto'/);
  model.dispose();
});
