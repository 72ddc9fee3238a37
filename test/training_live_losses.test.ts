// Losses the user holds stay alive (PyTorch's semantics) and the README's loop, with no disposal code in it,
// stays flat in memory over 1,000 steps: each step releases the backend data of the losses handed out before
// (their values stay in the tensor objects and come back on use), src/training/user_owned.ts.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tf, ready } from "../src/backend";
import { AdamW, get_scheduler, set_seed } from "../src/training";
import { handed_over_on_backend } from "../src/training/user_owned";
import { BertForSequenceClassification } from "../src/models";

const TINY = { vocab_size: 16, hidden_size: 4, num_hidden_layers: 1, num_attention_heads: 1, intermediate_size: 4, max_position_embeddings: 8, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0, num_labels: 2 };
const make_batch = () => ({ input_ids: tf.tensor2d([[1, 5, 6, 2], [1, 9, 3, 2]], undefined, "int32"), labels: tf.tensor1d([1, 0], "int32") });

test("the README's loop, no disposal code in it, 1,000 steps: tensor count flat, RSS flat, loss.item() anywhere", async () => {
  await ready();
  set_seed(2);
  const model = new BertForSequenceClassification(TINY);
  const optimizer = new AdamW({ lr: 1e-2 });
  const scheduler = get_scheduler("linear", optimizer, { num_warmup_steps: 10, num_training_steps: 1000 });
  const batch = make_batch();
  model.train();
  let loss = optimizer.step(() => model(batch).loss!); // creates AdamW's moments
  let base = -1;
  const counts: number[] = [];
  const rss: number[] = [];
  const first = loss.item();
  for (let step = 0; step < 1000; step++) {
    optimizer.zero_grad();
    loss = optimizer.step(() => model(batch).loss!);
    scheduler.step();
    optimizer.zero_grad();
    if (step === 1) base = tf.memory().numTensors; // after the caches of the first steps settle (this test runs first: ops/transpose_cache sweeps stale entries every 256 calls)
    if (step % 100 === 99) {
      counts.push(tf.memory().numTensors);
      rss.push(process.memoryUsage().rss);
      assert.ok(Number.isFinite(loss.item()));
    }
  }
  assert.deepEqual(counts, counts.map(() => base), `tensor count per 100 steps: ${counts}`);
  // RSS: the last 500 steps grow by less than 32 MB (a leak of one tensor per step of this model would be
  // invisible in RSS, which is why the count above is exact; this catches leaks outside tfjs' bookkeeping).
  const growth = (rss[9] - rss[4]) / 1e6;
  assert.ok(growth < 32, `RSS grew ${growth.toFixed(1)} MB over 500 steps`);
  assert.ok(loss.item() < first, `trained: ${first} → ${loss.item()}`);
  loss.dispose();
  tf.dispose(Object.values(batch));
  optimizer.dispose();
  model.dispose();
});

test("a kept loss stays alive: item() before and after zero_grad(), after later steps, in tf.stack(losses), inside tf.tidy; dispose() still frees it", async () => {
  await ready();
  set_seed(1);
  const model = new BertForSequenceClassification(TINY);
  const optimizer = new AdamW({ lr: 1e-2 });
  const batch = make_batch();
  model.train();
  const losses: tf.Scalar[] = [];
  const values: number[] = [];
  for (let i = 0; i < 5; i++) {
    const loss = optimizer.step(() => model(batch).loss!);
    values.push(loss.item());
    optimizer.zero_grad();
    assert.equal(loss.item(), values[i], "loss.item() after zero_grad()");
    losses.push(loss);
  }
  assert.equal(handed_over_on_backend(), 1, "only the last step's loss holds backend data");
  assert.deepEqual(losses.map((l) => l.item()), values, "every kept loss reads back its own value");
  assert.deepEqual(losses.map((l) => l.item()), values, "every kept loss reads back its own value");
  assert.ok(losses.every((l) => !l.isDisposed));
  const fresh = tf.scalar(values[0]);
  assert.equal(losses[0].toString(), fresh.toString(), "printing works");
  fresh.dispose();
  optimizer.step(() => model(batch).loss!).dispose(); // releases losses[0] again
  const before = tf.memory().numTensors;
  const mean = tf.tidy(() => tf.stack(losses).mean());
  assert.ok(Math.abs(mean.item() - values.reduce((a, b) => a + b) / 5) < 1e-6, "kept losses work in ops (even inside tf.tidy)");
  mean.dispose();
  assert.equal(tf.memory().numTensors, before + 5, "the 5 released losses came back on use (the tidy did not free them)");
  // the next step releases them again
  const next = optimizer.step(() => model(batch).loss!);
  assert.equal(tf.memory().numTensors, before + 1, "released again at the next step; the new loss is the one on the backend");
  assert.deepEqual(losses.map((l) => l.item()), values);
  // dispose() frees a loss for good, released or not, and only once
  const n = tf.memory().numTensors;
  next.dispose();
  next.dispose();
  assert.equal(tf.memory().numTensors, n - 1);
  assert.ok(next.isDisposed);
  losses[0].dispose();
  assert.ok(losses[0].isDisposed);
  assert.throws(() => losses[0].item(), /disposed/);
  const { loss } = optimizer.compute_gradients(() => model(batch).loss!);
  optimizer.step();
  optimizer.zero_grad();
  assert.ok(Number.isFinite(loss.item()), "the two-step form's loss too");
  tf.dispose([...losses.slice(1), loss]);
  tf.dispose(Object.values(batch));
  optimizer.dispose();
  model.dispose();
});
