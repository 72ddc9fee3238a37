import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { tf, ready } from "../src/backend";
import { BertForMaskedLM, BertForSequenceClassification } from "../src/models";
import { linear_cache_size } from "../src/ops";
import { Trainer, TrainingArguments, type EvalPrediction } from "../src/training/trainer_api";
import { DataCollatorForLanguageModeling } from "../src/training/collators";
import { Generator, set_seed } from "../src/training/rng";
import type { Feature } from "../src/training/padding";
import { TOY_TOKENIZER, classification_data } from "./fixtures/training/toy";
import type { LogEntry } from "../src/training/trainer_state";
import { get_last_checkpoint, rotate_checkpoints } from "../src/training/checkpoint";
import { ProgressCallback } from "../src/training/callbacks";
import { concat_padded } from "../src/training/eval_utils";
import { PassThrough } from "stream";

const TINY = {
  vocab_size: 40, hidden_size: 16, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 24, max_position_embeddings: 32,
  hidden_dropout_prob: 0.1, attention_probs_dropout_prob: 0.1,
};
const tok = TOY_TOKENIZER;


function tmpdir(name: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `bertlab-${name}-`));
}

function accuracy(p: EvalPrediction): Record<string, number> {
  const logits = p.predictions as number[][];
  const labels = p.label_ids as number[];
  const hits = logits.filter((row, i) => (row[1] > row[0] ? 1 : 0) === labels[i]).length;
  return { accuracy: hits / labels.length };
}

test("Trainer fine-tunes a tiny BertForSequenceClassification: loss goes down, log_history, eval metrics, checkpoints, no leaks", async () => {
  await ready();
  set_seed(0);
  const model = new BertForSequenceClassification({ ...TINY, num_labels: 2 });
  const out = tmpdir("cls");
  const logged: LogEntry[] = [];
  const evaluated: LogEntry[] = [];
  const trainer = new Trainer({
    model,
    args: {
      output_dir: out, learning_rate: 1e-2, num_train_epochs: 6, per_device_train_batch_size: 8, per_device_eval_batch_size: 16,
      warmup_ratio: 0.1, weight_decay: 0.01, logging_steps: 6, eval_strategy: "epoch", save_strategy: "epoch", save_total_limit: 2, seed: 1,
    },
    train_dataset: classification_data(48, 1),
    eval_dataset: classification_data(32, 2),
    tokenizer: tok,
    compute_metrics: accuracy,
    callbacks: [
      { on_log: (_a, _s, _c, e) => void logged.push(e.logs!), on_evaluate: (_a, _s, _c, e) => void evaluated.push(e.metrics!) },
      { on_step_end: () => void perStep.push(tf.memory().numTensors) },
    ],
  });
  const perStep: number[] = [];
  const before = tf.memory().numTensors;
  const cacheBefore = linear_cache_size();
  const result = await trainer.train();
  // no tensor leaks per step: the count at every step end is the same (from step 2 on, when AdamW's moments exist)
  assert.equal(perStep.length, 36);
  assert.deepEqual(perStep.slice(1), new Array(35).fill(perStep[1]), `tensors per step: ${perStep}`);
  // after training only AdamW's two moments per parameter and ops' cached transposed weights remain
  assert.equal(trainer.optimizer!.state.size, model.named_parameters().length);
  assert.equal(tf.memory().numTensors - before, trainer.optimizer!.state.size * 2 + (linear_cache_size() - cacheBefore));
  assert.equal(result.global_step, 36);
  const losses = trainer.state.log_history.filter((e) => "loss" in e);
  assert.equal(losses.length, 6);
  for (const e of losses) assert.deepEqual(Object.keys(e), ["loss", "grad_norm", "learning_rate", "epoch", "step"]);
  assert.deepEqual(losses.map((e) => e.step), [6, 12, 18, 24, 30, 36]);
  assert.deepEqual(losses.map((e) => e.epoch), [1, 2, 3, 4, 5, 6]);
  // this seed: 0.6931 0.6878 0.578 0.2524 0.1039 0.0597
  assert.ok(losses[5].loss < losses[0].loss * 0.25, `loss goes down: ${losses.map((e) => e.loss)}`);
  // linear schedule with 4 warmup steps (ceil(0.1 × 36)): lr at step 36 is 0
  assert.equal(losses[5].learning_rate, 0);
  assert.ok(Math.abs(losses[0].learning_rate - 1e-2 * (36 - 6) / 32) < 1e-12);
  const evals = trainer.state.log_history.filter((e) => "eval_loss" in e);
  assert.equal(evals.length, 6);
  assert.ok(evals[5].eval_loss < evals[0].eval_loss, "eval loss goes down");
  assert.ok(evals[5].eval_accuracy >= 0.9, `eval accuracy ${evals[5].eval_accuracy}`);
  assert.deepEqual(evaluated.map((m) => m.eval_accuracy), evals.map((e) => e.eval_accuracy));
  const last = trainer.state.log_history[trainer.state.log_history.length - 1];
  assert.ok("train_runtime" in last && "train_samples_per_second" in last && "train_loss" in last && last.step === 36);
  assert.equal(logged.length, trainer.state.log_history.length, "on_log saw every entry");
  // checkpoints each epoch, only the last two kept; each has the HF files
  assert.deepEqual(fs.readdirSync(out).sort(), ["checkpoint-30", "checkpoint-36"]);
  assert.deepEqual(fs.readdirSync(path.join(out, "checkpoint-36")).sort(), [
    "config.json", "model.safetensors", "optimizer.json", "optimizer.safetensors", "rng_state.json", "scheduler.json", "trainer_state.json", "training_args.json",
  ]);
  const state = JSON.parse(fs.readFileSync(path.join(out, "checkpoint-36", "trainer_state.json"), "utf8"));
  assert.equal(state.global_step, 36);
  assert.equal(state.log_history.filter((e: LogEntry) => "eval_loss" in e).length, 6);
  // predict gives logits and labels for every example
  const pred = await trainer.predict(classification_data(5, 3));
  assert.equal((pred.predictions as number[][]).length, 5);
  assert.equal((pred.label_ids as number[]).length, 5);
  assert.ok("test_loss" in pred.metrics && "test_accuracy" in pred.metrics);
  trainer.optimizer!.dispose();
  fs.rmSync(out, { recursive: true, force: true });
});

function mlm_data(n: number, seed: number): Feature[] {
  const g = new Generator(seed);
  return Array.from({ length: n }, () => {
    const len = 6 + g.randint(6);
    const start = 5 + g.randint(20);
    return { input_ids: [1, ...Array.from({ length: len }, (_, i) => start + (i % 5)), 2] };
  });
}

function snapshot(model: BertForMaskedLM): Map<string, Float32Array> {
  return new Map(model.named_parameters().map(([n, v]) => [n, v.dataSync().slice() as Float32Array]));
}

test("resuming from a checkpoint gives bit-identical next steps (MLM masking, dropout, grad accumulation, AdamW, schedule)", async () => {
  await ready();
  const out = tmpdir("resume");
  const args = (): ConstructorParameters<typeof TrainingArguments>[0] => ({
    output_dir: out, learning_rate: 1e-2, max_steps: 8, per_device_train_batch_size: 4, gradient_accumulation_steps: 2,
    warmup_steps: 2, lr_scheduler_type: "cosine", weight_decay: 0.01, logging_steps: 1, save_steps: 4, seed: 7, disable_tqdm: true,
  });
  const data = mlm_data(24, 5);
  set_seed(3);
  const a = new BertForMaskedLM(TINY);
  const trainerA = new Trainer({ model: a, args: args(), train_dataset: data, data_collator: new DataCollatorForLanguageModeling({ tokenizer: tok, mlm_probability: 0.3 }) });
  await trainerA.train();
  const finalA = snapshot(a);
  const logA = trainerA.state.log_history.filter((e) => "loss" in e);
  assert.ok(fs.existsSync(path.join(out, "checkpoint-4")) && fs.existsSync(path.join(out, "checkpoint-8")));

  set_seed(12345); // a different model init and generator positions: everything must come from the checkpoint
  const b = new BertForMaskedLM(TINY);
  const trainerB = new Trainer({ model: b, args: args(), train_dataset: data, data_collator: new DataCollatorForLanguageModeling({ tokenizer: tok, mlm_probability: 0.3 }) });
  await trainerB.train({ resume_from_checkpoint: path.join(out, "checkpoint-4") });
  const finalB = snapshot(b);
  for (const [name, va] of finalA) assert.deepEqual(finalB.get(name), va, `${name} is bit-identical after resuming`);
  const logB = trainerB.state.log_history.filter((e) => "loss" in e);
  assert.deepEqual(logB.map((e) => e.step), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.deepEqual(logB.slice(4), logA.slice(4), "steps 5..8 log the same loss, grad_norm and lr");
  assert.ok(logA[7].loss < logA[0].loss, `MLM loss goes down: ${logA.map((e) => e.loss)}`);

  // resume_from_checkpoint: true picks the last checkpoint; nothing left to do there
  const c = new BertForMaskedLM(TINY);
  const trainerC = new Trainer({ model: c, args: { ...args(), resume_from_checkpoint: true }, train_dataset: data, data_collator: new DataCollatorForLanguageModeling({ tokenizer: tok }) });
  const r = await trainerC.train();
  assert.equal(r.global_step, 8);
  for (const [name, va] of finalA) assert.deepEqual(snapshot(c).get(name), va);
  await assert.rejects(trainerC.train({ resume_from_checkpoint: path.join(out, "nope") }), /Can't find a valid checkpoint at/);
  for (const t of [trainerA, trainerB, trainerC]) t.optimizer!.dispose();
  fs.rmSync(out, { recursive: true, force: true });
});

test("TrainingArguments: HF defaults and errors", () => {
  const a = new TrainingArguments({ output_dir: "x" });
  assert.equal(a.learning_rate, 5e-5);
  assert.equal(a.lr_scheduler_type, "linear");
  assert.equal(a.max_grad_norm, 1.0);
  assert.equal(a.num_train_epochs, 3);
  assert.equal(a.get_warmup_steps(100), 0);
  assert.equal(new TrainingArguments({ output_dir: "x", warmup_ratio: 0.06 }).get_warmup_steps(100), 6);
  assert.equal(new TrainingArguments({ output_dir: "x", eval_strategy: "steps", logging_steps: 50 }).eval_steps, 50);
  assert.throws(() => new TrainingArguments({ output_dir: "x", warmup_ratio: 2 }), /warmup_ratio must lie in range \[0,1\]/);
  assert.throws(() => new TrainingArguments({ output_dir: "x", learning_rat: 1 } as never), /unexpected keyword argument 'learning_rat'/);
  assert.throws(() => new TrainingArguments({ output_dir: "x", load_best_model_at_end: true, eval_strategy: "epoch" }), /requires the save and eval strategy to match/);
  assert.throws(() => new TrainingArguments({} as never), /output_dir is required/);
  // Python argument lists port unchanged: inert HF arguments are accepted, unsupported ones say so
  assert.equal(new TrainingArguments({ output_dir: "x", do_train: true, report_to: "none", logging_dir: "runs" }).learning_rate, 5e-5);
  assert.throws(() => new TrainingArguments({ output_dir: "x", fp16: true }), /fp16 mixed precision is not available/);
  assert.throws(() => new TrainingArguments({ output_dir: "x", optim: "sgd" as never }), /optim 'sgd' is not available/);
  assert.throws(() => new TrainingArguments({ output_dir: "x", lr_scheduler_type: "reduce_lr_on_plateau" }), /reduce_lr_on_plateau requires an eval strategy/);
});

test("checkpoint rotation keeps the newest save_total_limit folders and never the best one; get_last_checkpoint", () => {
  const out = tmpdir("rotate");
  const make = () => [5, 10, 15, 20, 100].forEach((n) => fs.mkdirSync(path.join(out, `checkpoint-${n}`), { recursive: true }));
  make();
  fs.mkdirSync(path.join(out, "checkpoint-x"));
  fs.writeFileSync(path.join(out, "checkpoint-7"), "a file, not a checkpoint");
  assert.equal(get_last_checkpoint(out), path.join(out, "checkpoint-100"));
  rotate_checkpoints(out, 2, path.join(out, "checkpoint-10"));
  assert.deepEqual(fs.readdirSync(out).filter((n) => /^checkpoint-\d+$/.test(n) && fs.statSync(path.join(out, n)).isDirectory()).sort(), ["checkpoint-10", "checkpoint-100"]);
  make();
  rotate_checkpoints(out, 1, path.join(out, "checkpoint-10")); // a limit of 1 keeps the best and the newest
  assert.deepEqual(fs.readdirSync(out).filter((n) => /^checkpoint-\d+$/.test(n) && fs.statSync(path.join(out, n)).isDirectory()).sort(), ["checkpoint-10", "checkpoint-100"]);
  make();
  rotate_checkpoints(out, 3);
  assert.deepEqual(fs.readdirSync(out).filter((n) => /^checkpoint-\d+$/.test(n) && fs.statSync(path.join(out, n)).isDirectory()).sort(), ["checkpoint-100", "checkpoint-15", "checkpoint-20"]);
  assert.equal(get_last_checkpoint(path.join(out, "missing")), null);
  fs.rmSync(out, { recursive: true, force: true });
});

test("gradient accumulation: 2 micro-batches of 4 take the same steps as batches of 8; plateau schedule steps on eval_loss", async () => {
  await ready();
  const data = classification_data(32, 9).map((f) => ({ ...f, input_ids: (f.input_ids as number[]).slice(0, 6).concat([2]) })); // equal lengths
  const noDropout = { ...TINY, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0, num_labels: 2 };
  const run = async (bs: number, gas: number) => {
    set_seed(21);
    const model = new BertForSequenceClassification(noDropout);
    const out = tmpdir("gas");
    const t = new Trainer({
      model, train_dataset: data, tokenizer: tok,
      args: { output_dir: out, per_device_train_batch_size: bs, gradient_accumulation_steps: gas, max_steps: 3, learning_rate: 1e-2, save_strategy: "no", logging_steps: 1, seed: 4, disable_tqdm: true },
    });
    await t.train();
    fs.rmSync(out, { recursive: true, force: true });
    t.optimizer!.dispose();
    return { params: model.named_parameters().map(([, v]) => Array.from(v.dataSync())), log: t.state.log_history };
  };
  const big = await run(8, 1);
  const acc = await run(4, 2);
  let worst = 0;
  big.params.forEach((p, i) => p.forEach((x, j) => (worst = Math.max(worst, Math.abs(x - acc.params[i][j])))));
  assert.ok(worst < 2e-5, `max parameter difference ${worst}`);
  for (let k = 0; k < 3; k++) assert.ok(Math.abs(big.log[k].loss - acc.log[k].loss) < 2e-4, `loss at step ${k + 1}`);

  set_seed(1);
  const out = tmpdir("plateau");
  const t = new Trainer({
    model: new BertForSequenceClassification(noDropout), train_dataset: data, eval_dataset: data.slice(0, 8), tokenizer: tok,
    args: {
      output_dir: out, num_train_epochs: 3, per_device_train_batch_size: 8, lr_scheduler_type: "reduce_lr_on_plateau", eval_strategy: "epoch",
      save_strategy: "epoch", save_total_limit: 1, load_best_model_at_end: true, disable_tqdm: true, lr_scheduler_kwargs: { patience: 0, factor: 0.5 },
    },
  });
  await t.train();
  assert.equal((t.lr_scheduler as { last_epoch: number }).last_epoch, 3, "one plateau step per evaluation");
  // load_best_model_at_end tracks eval_loss (lower is better), keeps that checkpoint through rotation and reloads it
  const evalLosses = t.state.log_history.filter((e) => "eval_loss" in e).map((e) => e.eval_loss);
  const best = Math.min(...evalLosses);
  assert.equal(t.state.best_metric, best);
  assert.equal(t.state.best_model_checkpoint, path.join(out, `checkpoint-${4 * (evalLosses.indexOf(best) + 1)}`));
  assert.ok(fs.existsSync(t.state.best_model_checkpoint!) && fs.existsSync(path.join(out, "checkpoint-12")));
  assert.ok(Math.abs((await t.evaluate()).eval_loss - best) < 1e-6, "the best weights are back in the model");
  t.optimizer!.dispose();
  fs.rmSync(out, { recursive: true, force: true });
});

test("the progress bar draws on a TTY stream and prints logs; it stays silent otherwise", () => {
  const args = new TrainingArguments({ output_dir: "x" });
  const state = { max_steps: 4, global_step: 0 } as never;
  const draw = (tty: boolean, disable = false) => {
    const stream = Object.assign(new PassThrough(), { isTTY: tty, columns: 100 }) as unknown as NodeJS.WriteStream;
    let text = "";
    (stream as unknown as PassThrough).on("data", (d: Buffer) => (text += d.toString()));
    const cb = new ProgressCallback(stream);
    const a = disable ? new TrainingArguments({ output_dir: "x", disable_tqdm: true }) : args;
    cb.on_train_begin(a, state);
    cb.on_step_end(a, { max_steps: 4, global_step: 2 } as never);
    cb.on_log(a, { global_step: 2 } as never, undefined as never, { logs: { loss: 0.5, step: 2 } });
    cb.on_train_end();
    return text;
  };
  const shown = draw(true);
  assert.match(shown, /2\/4/);
  assert.match(shown, /\{'loss': 0.5, 'step': 2\}/);
  assert.equal(draw(false), "");
  assert.equal(draw(true, true), "");
});

test("concat_padded pads the sequence axis with -100 across evaluation batches (token classification)", () => {
  assert.deepEqual(concat_padded([[[1, 2]], [[3, 4, 5]]]), [[1, 2, -100], [3, 4, 5]]);
  assert.deepEqual(concat_padded([[[[1], [2]]], [[[3], [4], [5]]]]), [[[1], [2], [-100]], [[3], [4], [5]]]);
  assert.deepEqual(concat_padded([[0, 1], [1]]), [0, 1, 1]);
});

test("train() awaits callbacks' asynchronous flush() before it resolves (a live chart's last redraw lands in its cell)", async () => {
  await ready();
  set_seed(3);
  const out = tmpdir("flush");
  const events: string[] = [];
  const slow = {
    on_log: () => void events.push("log"),
    flush: async () => {
      await new Promise((r) => setTimeout(r, 50));
      events.push("flushed");
    },
  };
  const t = new Trainer({
    model: new BertForSequenceClassification({ ...TINY, num_labels: 2 }), train_dataset: classification_data(8, 2), tokenizer: tok, callbacks: [slow],
    args: { output_dir: out, max_steps: 2, per_device_train_batch_size: 4, save_strategy: "no", logging_steps: 1, disable_tqdm: true },
  });
  await t.train();
  events.push("train resolved");
  assert.deepEqual(events.slice(-2), ["flushed", "train resolved"]);
  assert.ok(events.filter((e) => e === "log").length >= 2);
  t.optimizer!.dispose();
  fs.rmSync(out, { recursive: true, force: true });
});
