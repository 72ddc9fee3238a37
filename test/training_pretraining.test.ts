import { test } from "node:test";
import assert from "node:assert/strict";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { ready } from "../src/backend";
import { BertForMaskedLM, BertForPreTraining } from "../src/models";
import { tf } from "../src/backend";
import { masked_lm_loss, labelled_positions } from "../src/training/masked_loss";
import { Trainer } from "../src/training/trainer_api";
import { DataCollatorForLanguageModeling } from "../src/training/collators";
import { create_nsp_examples } from "../src/training/nsp";
import { Generator, set_seed } from "../src/training/rng";

const tok = { pad_token_id: 0, cls_token_id: 1, sep_token_id: 2, mask_token_id: 3, vocab_size: 48, all_special_ids: [0, 1, 2, 3] };

test("BERT pretraining end to end: NSP pairs → MLM collator → BertForPreTraining (MLM + NSP loss) → the loss goes down", async () => {
  await ready();
  // documents over 8 of the 48 ids, so there is something to learn quickly (ln 48 ≈ 3.9 → about ln 8 ≈ 2.1 for MLM)
  const g = new Generator(0);
  const docs = Array.from({ length: 12 }, () => Array.from({ length: 12 }, () => Array.from({ length: 3 + g.randint(3) }, () => 4 + g.randint(8))));
  const examples = create_nsp_examples(docs, { tokenizer: tok, block_size: 24, generator: new Generator(1) });
  assert.ok(examples.length >= 40, `${examples.length} examples`);
  const labels = new Set(examples.map((e) => e.next_sentence_label));
  assert.deepEqual([...labels].sort(), [0, 1]);
  set_seed(5);
  const model = new BertForPreTraining({
    vocab_size: 48, hidden_size: 32, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 48, max_position_embeddings: 32,
  });
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-pretrain-"));
  const trainer = new Trainer({
    model, train_dataset: examples,
    data_collator: new DataCollatorForLanguageModeling({ tokenizer: tok, mlm_probability: 0.15 }),
    args: { output_dir: out, max_steps: 24, per_device_train_batch_size: 8, learning_rate: 1e-2, warmup_steps: 4, logging_steps: 8, save_strategy: "no", disable_tqdm: true, seed: 3 },
  });
  await trainer.train();
  const losses = trainer.state.log_history.filter((e) => "loss" in e).map((e) => e.loss);
  // ≈ ln 48 + ln 2 = 4.56 at the start; the floor is about ln 8 + ln 2 = 2.77 (unigram MLM + chance NSP)
  assert.equal(losses.length, 3);
  assert.ok(losses[2] < losses[0] - 0.8 && losses[2] > 2.5, `MLM + NSP loss goes down: ${losses}`);
  trainer.optimizer!.dispose();
  fs.rmSync(out, { recursive: true, force: true });
});

test("masked_lm_loss (LM head on masked rows only) equals the model's loss and gradients, for MLM and MLM + NSP", async () => {
  await ready();
  const cfg = { vocab_size: 48, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 20, max_position_embeddings: 32 };
  const g = new Generator(8);
  const rows = Array.from({ length: 4 }, (_, i) => ({ input_ids: [1, ...Array.from({ length: 5 + i }, () => 4 + g.randint(44)), 2], next_sentence_label: i % 2 }));
  const collator = new DataCollatorForLanguageModeling({ tokenizer: tok, mlm_probability: 0.4, generator: new Generator(2) });
  for (const Model of [BertForMaskedLM, BertForPreTraining]) {
    set_seed(1);
    const model = new Model(cfg).eval();
    const batch = collator(rows);
    if (Model === BertForMaskedLM) delete batch.next_sentence_label;
    const vars = model.named_parameters().map(([, v]) => v);
    const full = tf.variableGrads(() => (model.forward(batch) as { loss: tf.Scalar }).loss, vars);
    const fast = tf.variableGrads(() => masked_lm_loss(model, batch), vars);
    const a = full.value.dataSync()[0];
    const b = fast.value.dataSync()[0];
    // outside a tape (Trainer.evaluate) too, the same value, on tfjs: no ONNX engine compiled for a loss
    const no_tape = masked_lm_loss(model, batch);
    assert.ok(Math.abs(no_tape.dataSync()[0] - b) < 1e-6, `${Model.name}: loss without a tape ${no_tape.dataSync()[0]} vs ${b}`);
    assert.equal(model.bert.last_engine, "tfjs", model.bert.last_engine_reason ?? "");
    no_tape.dispose();
    assert.ok(Math.abs(a - b) < 1e-5 * Math.abs(a), `${Model.name}: loss ${b} vs ${a}`);
    let worst = 0;
    for (const [name, ga] of Object.entries(full.grads)) {
      const gb = fast.grads[name];
      assert.ok(gb, `${name} has a gradient on the fast path`);
      const x = ga.dataSync();
      const y = gb.dataSync();
      for (let i = 0; i < x.length; i++) worst = Math.max(worst, Math.abs(x[i] - y[i]));
    }
    assert.ok(worst < 1e-5, `${Model.name}: max gradient difference ${worst}`);
    tf.dispose([full.value, fast.value, ...Object.values(full.grads), ...Object.values(fast.grads), ...Object.values(batch), ...vars]);
  }
  assert.throws(() => masked_lm_loss({} as never, {}), /needs `bert` and `cls.predictions`/);
});

test("labelled_positions: the rows masked_lm_loss gives vocabulary logits (label != -100), in order, with their labels", async () => {
  await ready();
  const labels = tf.tensor2d([[-100, 7, -100, 0], [3, -100, -100, 29]], undefined, "int32");
  assert.deepEqual(labelled_positions(labels), { positions: [1, 3, 4, 7], targets: [7, 0, 3, 29] }); // label 0 is a token, not "ignored"
  const none = tf.fill([2, 3], -100, "int32");
  assert.deepEqual(labelled_positions(none), { positions: [], targets: [] });
  tf.dispose([labels, none]);
});

test("the Trainer trains with compute_loss: masked_lm_loss", async () => {
  await ready();
  set_seed(2);
  const model = new BertForMaskedLM({ vocab_size: 48, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 20, max_position_embeddings: 32 });
  const g = new Generator(3);
  const data = Array.from({ length: 32 }, () => ({ input_ids: [1, ...Array.from({ length: 8 }, () => 4 + g.randint(6)), 2] }));
  const out = fs.mkdtempSync(path.join(os.tmpdir(), "bertlab-fastmlm-"));
  const trainer = new Trainer({
    model, train_dataset: data, compute_loss: masked_lm_loss, data_collator: new DataCollatorForLanguageModeling({ tokenizer: tok }),
    args: { output_dir: out, max_steps: 16, per_device_train_batch_size: 8, learning_rate: 1e-2, logging_steps: 8, save_strategy: "no", disable_tqdm: true },
  });
  await trainer.train();
  const losses = trainer.state.log_history.filter((e) => "loss" in e).map((e) => e.loss);
  assert.ok(losses[1] < losses[0] - 0.5, `loss goes down (ln 48 → ln 6): ${losses}`);
  trainer.optimizer!.dispose();
  fs.rmSync(out, { recursive: true, force: true });
});
