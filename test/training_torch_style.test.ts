// The PyTorch-style loop on AdamW: optimizer.step(closure), compute_gradients + step(), zero_grad, the
// accumulated gradient buffer, clip_grad_norm_ in place, and the Python habits on tensors.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tf, ready } from "../src/backend";
import { AdamW, clip_grad_norm, clip_grad_norm_, get_scheduler, LambdaLR, ReduceLROnPlateau, set_seed } from "../src/training";
import { BACKWARD_HINT, CUDA_HINT, NUMPY_HINT, ZERO_GRAD_HINT } from "../src/training/torch_habits";
import { BertForSequenceClassification } from "../src/models";
import { ADAMW_CASES, make_vars, type AdamWCase } from "./fixtures/optim/adamw_cases";

type Case = AdamWCase;
const CASES = ADAMW_CASES.filter((c) => c.optimizer === "torch.optim.AdamW");
const makeVars = make_vars;
const gradsAt = (c: Case, s: number) => c.grads[s].map((g, k) => tf.tensor(g, c.param_shapes[k]));
/** A loss whose gradient with respect to vars[k] is exactly grads[k]: Σ_k sum(vars[k] · grads[k]). */
const linearLoss = (vars: tf.Variable[], grads: tf.Tensor[]) => () => tf.addN(vars.map((v, k) => tf.sum(tf.mul(v, grads[k])))) as tf.Scalar;

type Form = "applyGradients" | "closure" | "two-step";

/** Runs the golden trajectory through one form; returns every step's parameters. */
function trajectory(c: Case, form: Form): Float32Array[][] {
  const vars = makeVars(c);
  const opt = new AdamW({ ...c.kwargs, params: vars });
  const out: Float32Array[][] = [];
  for (let s = 0; s < c.steps; s++) {
    const g = gradsAt(c, s);
    if (form === "applyGradients") opt.applyGradients(Object.fromEntries(vars.map((v, k) => [v.name, g[k]])));
    else if (form === "closure") opt.step(linearLoss(vars, g));
    else {
      opt.zero_grad();
      opt.compute_gradients(linearLoss(vars, g));
      opt.step();
    }
    tf.dispose(g);
    out.push(vars.map((v) => v.dataSync() as Float32Array));
  }
  opt.dispose();
  tf.dispose(vars);
  return out;
}

test("closure form and two-step form follow torch.optim.AdamW's golden trajectories bit for bit like applyGradients", async () => {
  await ready();
  assert.equal(CASES.length, 5);
  for (const c of CASES) {
    const ref = trajectory(c, "applyGradients");
    let worst = 0;
    ref.forEach((step, s) => step.forEach((p, k) => c.params_after_step[s][k].forEach((e, i) => (worst = Math.max(worst, Math.abs(p[i] - e))))));
    assert.ok(worst <= (c.dtype === "float64" ? 1e-6 : 5e-8), `${JSON.stringify(c.kwargs)}: ${worst}`);
    for (const form of ["closure", "two-step"] as Form[]) assert.deepEqual(trajectory(c, form), ref, `${form} ${JSON.stringify(c.kwargs)}`);
  }
});

test("compute_gradients accumulates into optimizer.grads until zero_grad(); zero_grad frees the grads, the returned losses stay the user's", async () => {
  await ready();
  const c = CASES[0];
  const vars = makeVars(c);
  const opt = new AdamW({ params: vars });
  const g = gradsAt(c, 1);
  const first = opt.compute_gradients(linearLoss(vars, g));
  const expected_loss = vars.reduce((s, v, k) => s + tf.tidy(() => tf.sum(tf.mul(v, g[k])).dataSync()[0]), 0);
  assert.ok(Math.abs(first.loss.item() - expected_loss) < 1e-5);
  assert.deepEqual(Object.keys(first.grads).sort(), vars.map((v) => v.name).sort());
  assert.deepEqual([...first.grads[vars[1].name].dataSync()], [...g[1].dataSync()]);
  const second = opt.compute_gradients(linearLoss(vars, g));
  assert.equal(second.grads, opt.grads);
  assert.deepEqual([...opt.grads[vars[1].name].dataSync()], [...g[1].dataSync()].map((x) => Math.fround(x + x)), "two calls without zero_grad: summed, as loss.backward()");
  assert.ok(!first.loss.isDisposed && !second.loss.isDisposed, "losses stay readable");
  opt.zero_grad();
  assert.deepEqual(opt.grads, {});
  assert.ok(!first.loss.isDisposed && !second.loss.isDisposed, "losses are the user's: zero_grad leaves them");
  assert.ok(Math.abs(first.loss.item() - expected_loss) < 1e-5, "loss.item() after zero_grad()");
  assert.throws(() => opt.step(), /there are no gradients; compute them first with optimizer\.compute_gradients\(\(\) => model\(batch\)\.loss\)/);
  // zero_grad between steps gives the same weights as the closure form; without it the old gradients stay in the sum
  const before = vars.map((v) => v.dataSync().slice());
  opt.compute_gradients(linearLoss(vars, g));
  opt.step();
  opt.step(); // torch: a second step() reuses p.grad
  assert.notDeepEqual([...vars[0].dataSync()], before[0]);
  assert.equal(opt.state.get(vars[0].name)!.step, 2);
  tf.dispose(g);
  opt.dispose();
  tf.dispose(vars);
});

test("the closure may return model outputs with a loss; a loss-less output, a vector loss and an unconnected loss say what to do", async () => {
  await ready();
  const c = CASES[0];
  const vars = makeVars(c);
  const opt = new AdamW({ params: vars });
  const g = gradsAt(c, 0);
  const loss = opt.step(() => ({ loss: linearLoss(vars, g)(), logits: tf.ones([2, 2]) }));
  assert.equal(loss.rank, 0);
  assert.throws(() => opt.step(() => ({ logits: tf.mul(vars[0], 2) })), /the closure returned outputs without a loss \(keys: logits\); pass labels to the model/);
  assert.throws(() => opt.step(() => tf.mul(vars[0], 2)), /grad can be implicitly created only for scalar outputs \(the loss has shape \[3\]\); reduce it first, e\.g\. tf\.mean\(loss\)/);
  assert.throws(() => opt.step(() => undefined), /the closure returned undefined; return the loss, e\.g\. \(\) => model\(batch\)\.loss \(a model returns a loss only when the batch has labels\)/);
  assert.throws(() => opt.step(() => tf.scalar(1)), /AdamW\.compute_gradients: the loss does not depend on any parameter this optimizer updates/);
  tf.dispose(g);
  opt.dispose();
  tf.dispose(vars);
});

const TINY = { vocab_size: 40, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 24, max_position_embeddings: 16, hidden_dropout_prob: 0, attention_probs_dropout_prob: 0, num_labels: 2 };
const batch = (ids: number[][], labels: number[]) => ({ input_ids: tf.tensor2d(ids, undefined, "int32"), labels: tf.tensor1d(labels, "int32") });
const IDS = [[1, 5, 6, 7, 2], [1, 9, 30, 31, 2], [1, 12, 13, 33, 2], [1, 22, 5, 8, 2]];
const LABELS = [1, 0, 1, 0];

test("gradient accumulation over two half batches equals one step on the whole batch (grads within 1e-6, weights within 1e-6 = lr·1e-4)", async () => {
  await ready();
  const run = (micro: number[][]): { grads: Record<string, Float32Array>; weights: Float32Array[] } => {
    set_seed(7);
    const model = new BertForSequenceClassification(TINY);
    const named = model.named_parameters();
    const opt = new AdamW({ lr: 1e-2, params: named.map(([, v]) => v) });
    opt.zero_grad();
    for (const rows of micro) {
      const b = batch(rows.map((i) => IDS[i]), rows.map((i) => LABELS[i]));
      opt.compute_gradients(() => tf.div(model(b).loss!, micro.length) as tf.Scalar);
      tf.dispose(Object.values(b));
    }
    const grads = Object.fromEntries(named.map(([n, v]) => [n, opt.grads[v.name].dataSync() as Float32Array]));
    opt.step();
    const weights = named.map(([, v]) => v.dataSync() as Float32Array);
    opt.dispose();
    model.dispose();
    return { grads, weights };
  };
  const whole = run([[0, 1, 2, 3]]);
  const halves = run([[0, 1], [2, 3]]);
  let gworst = 0;
  let wworst = 0;
  for (const k of Object.keys(whole.grads)) whole.grads[k].forEach((x, i) => (gworst = Math.max(gworst, Math.abs(x - halves.grads[k][i]))));
  whole.weights.forEach((w, j) => w.forEach((x, i) => (wworst = Math.max(wworst, Math.abs(x - halves.weights[j][i])))));
  assert.ok(gworst < 1e-6, `grads differ by ${gworst}`);
  assert.ok(wworst < 1e-6, `weights differ by ${wworst}`);
});

test("a PyTorch-style loop leaks no tensors: closure form, and two-step form with clip_grad_norm_ in place", async () => {
  await ready();
  set_seed(3);
  const model = new BertForSequenceClassification(TINY);
  const opt = new AdamW({ lr: 1e-3 }); // no params: every variable that gets a gradient joins group 0
  const scheduler = get_scheduler("linear", opt, { num_warmup_steps: 1, num_training_steps: 10 });
  const b = batch(IDS, LABELS);
  const loss0 = opt.step(() => model(b).loss!); // creates the moments
  scheduler.step();
  const first = loss0.item();
  assert.ok(Number.isFinite(first));
  opt.zero_grad();
  assert.equal(loss0.item(), first, "loss.item() after zero_grad(), as in PyTorch");
  loss0.dispose();
  const base = tf.memory().numTensors;
  const losses: number[] = [];
  for (let i = 0; i < 3; i++) {
    const loss = opt.step(() => model(b).loss!);
    scheduler.step();
    losses.push(loss.item());
    opt.zero_grad();
    assert.equal(tf.memory().numTensors, base + 1, `closure step ${i}: only this step's loss (released at the next step)`);
  }
  for (let i = 0; i < 3; i++) {
    opt.zero_grad();
    const { loss, grads } = opt.compute_gradients(() => model(b).loss!);
    const norms = clip_grad_norm(grads, 1e9); // the copying form, to compare
    const { total_norm } = clip_grad_norm_(grads, 1e-3);
    assert.ok(Math.abs(total_norm - norms.total_norm) < 1e-4 * norms.total_norm);
    const check = clip_grad_norm(grads, 1e9);
    const after = check.total_norm;
    tf.dispose(Object.values(check.grads));
    assert.ok(Math.abs(after - 1e-3) < 1e-6, `clipped in place to max_norm: ${after}`);
    tf.dispose(Object.values(norms.grads));
    opt.step();
    scheduler.step();
    losses.push(loss.item());
    opt.zero_grad();
    assert.equal(tf.memory().numTensors, base + 1, `two-step ${i}: only this step's loss`);
  }
  assert.ok(losses[2] < first && losses[5] < first, `loss goes down: ${first} → ${losses}`);
  tf.dispose(Object.values(b));
  opt.dispose();
  model.dispose();
});

test("get_scheduler is typed by name: LambdaLR for step schedules, ReduceLROnPlateau for reduce_lr_on_plateau", async () => {
  await ready();
  const opt = new AdamW({ lr: 0.1 });
  const linear: LambdaLR = get_scheduler("linear", opt, { num_warmup_steps: 2, num_training_steps: 4 });
  assert.ok(linear instanceof LambdaLR);
  linear.step();
  assert.deepEqual(linear.get_last_lr(), [0.05]);
  const plateau: ReduceLROnPlateau = get_scheduler("reduce_lr_on_plateau", new AdamW({ lr: 0.1 }));
  assert.ok(plateau instanceof ReduceLROnPlateau);
});

test("Python habits on tensors: item() / tolist() / detach() / cpu() / to('cpu') work; backward() / numpy() / cuda() / to('cuda') say what to write", async () => {
  await ready();
  const t = tf.tensor2d([[1.5, 2], [3, 4]]);
  const s = tf.scalar(2.5);
  assert.equal(s.item(), 2.5);
  assert.equal(tf.tensor1d([7]).item(), 7);
  assert.throws(() => t.item(), { message: "a Tensor with 4 elements cannot be converted to Scalar" });
  assert.deepEqual(t.tolist(), [[1.5, 2], [3, 4]]);
  assert.equal(t.detach().cpu().to("cpu"), t);
  const any = s as unknown as Record<string, (...a: unknown[]) => unknown>;
  assert.throws(() => any.backward(), { message: BACKWARD_HINT });
  assert.throws(() => any.numpy(), { message: NUMPY_HINT });
  assert.throws(() => any.cuda(), { message: CUDA_HINT });
  assert.throws(() => any.to("cuda"), { message: `tensor.to("cuda"): ${CUDA_HINT}` });
  tf.dispose([t, s]);
});

test("Python habits on models: model.to('cpu') / model.cpu() give the model; model.cuda(), model.to('cuda'), model.zero_grad() say what to write; clip_grad_norm_(model.parameters()) too", async () => {
  await ready();
  set_seed(1);
  const model = new BertForSequenceClassification(TINY);
  assert.equal(model.to("cpu").cpu(), model);
  const any = model as unknown as Record<string, (...a: unknown[]) => unknown>;
  assert.throws(() => any.cuda(), { message: CUDA_HINT });
  assert.throws(() => any.to("cuda:0"), { message: `model.to("cuda:0"): ${CUDA_HINT}` });
  assert.throws(() => any.zero_grad(), { message: ZERO_GRAD_HINT });
  const n = tf.memory().numTensors;
  assert.throws(() => clip_grad_norm_(model.parameters() as never, 1.0), /expected the gradients as a map .*clip_grad_norm_\(optimizer\.grads, 1\.0\).*model\.parameters\(\)\? bertlab keeps gradients on the optimizer/);
  assert.equal(tf.memory().numTensors, n, "the parameters are untouched");
  model.dispose();
});
