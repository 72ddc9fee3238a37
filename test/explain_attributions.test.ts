// Token attributions (src/explain): integrated gradients against a plain-PyTorch reference with captum's
// arithmetic (test/fixtures/explain/make_reference.py, on the golden weights), completeness at n_steps 50,
// saliency / input × gradient against the reference and finite differences, occlusion against direct
// forwards, and the [PAD] baseline on the shipped sentiment classifier.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tf, ready, BertForSequenceClassification, BertForMaskedLM, BertForQuestionAnswering, BertForTokenClassification, BertPreTrainedModel, BertTokenizer,
  integrated_gradients, saliency, input_x_gradient, occlusion, approximation_parameters, leggauss, target_scores } from "../src";
import { clear_linear_cache } from "../src/ops";
import { loadCase } from "./fixtures/models/golden";

// eslint-disable-next-line @typescript-eslint/no-var-requires
const REF = require("./fixtures/explain/reference.json");
type Loader = { from_pretrained(dir: string, o?: object): Promise<BertPreTrainedModel> };
const CLASSES: Record<string, Loader> = { seq_cls_2: BertForSequenceClassification, masked_lm: BertForMaskedLM, question_answering: BertForQuestionAnswering, token_cls_conll: BertForTokenClassification };
const offline = { local_files_only: true };

function maxAbs(a: number[][]): number {
  return Math.max(...a.flat().map(Math.abs));
}
function maxDiff(a: number[][], b: number[][]): number {
  assert.equal(a.length, b.length);
  return Math.max(...a.flatMap((r, i) => r.map((v, j) => Math.abs(v - b[i][j]))));
}

test("leggauss and captum's step sizes: numpy's nodes / weights; trapezoid weights 1/n halved at the ends", () => {
  const { x, w } = leggauss(5); // numpy.polynomial.legendre.leggauss(5)
  const nx = [-0.906179845938664, -0.5384693101056831, 0.0, 0.5384693101056831, 0.906179845938664];
  const nw = [0.23692688505618942, 0.4786286704993662, 0.568888888888889, 0.4786286704993662, 0.23692688505618942];
  x.forEach((v, i) => assert.ok(Math.abs(v - nx[i]) < 1e-14));
  w.forEach((v, i) => assert.ok(Math.abs(v - nw[i]) < 1e-14));
  const gl = approximation_parameters("gausslegendre", 50);
  assert.ok(Math.abs(gl.step_sizes.reduce((a, b) => a + b, 0) - 1) < 1e-12);
  assert.ok(gl.alphas.every((a, i) => a > 0 && a < 1 && (i === 0 || a > gl.alphas[i - 1])));
  const rt = approximation_parameters("riemann_trapezoid", 4);
  assert.deepEqual(rt.alphas, [0, 1 / 3, 2 / 3, 1]);
  assert.deepEqual(rt.step_sizes, [0.125, 0.25, 0.25, 0.125]);
  assert.throws(() => approximation_parameters("riemann_trapezoid", 1), /larger than one/);
});

for (const row of REF.ig) {
  test(`integrated gradients on ${row.case}, target ${JSON.stringify(row.target)}: equal to the PyTorch reference (gausslegendre 50, riemann_trapezoid 20); complete within 1%`, async () => {
    await ready();
    const model = await CLASSES[row.case].from_pretrained(loadCase(row.case).dir, { quiet: true });
    const inputs = { input_ids: row.input_ids, attention_mask: row.attention_mask, token_type_ids: row.token_type_ids };
    clear_linear_cache(); // ops caches one Wᵀ per dense weight; count without them
    const before = tf.memory().numTensors;
    const gl = integrated_gradients(model, inputs, { target: row.target, baseline_ids: row.baseline_ids, n_steps: 50 });
    const scale = maxAbs(row.gausslegendre_50.attributions);
    assert.ok(maxDiff(gl.attributions!, row.gausslegendre_50.attributions) <= 2e-3 * scale + 1e-7, `gausslegendre attributions differ by ${maxDiff(gl.attributions!, row.gausslegendre_50.attributions)} (scale ${scale})`);
    assert.ok(Math.abs(gl.f_input - row.gausslegendre_50.f_input) < 1e-4);
    assert.ok(Math.abs(gl.f_baseline - row.gausslegendre_50.f_baseline) < 1e-4);
    // completeness: Σ attributions = F(x) − F(baseline) within 1%
    const gap = gl.f_input - gl.f_baseline;
    assert.ok(Math.abs(gl.delta) <= 0.01 * Math.abs(gap) + 1e-6, `delta ${gl.delta} vs F(x) − F(b) = ${gap}`);
    const rt = integrated_gradients(model, inputs, { target: row.target, baseline_ids: row.baseline_ids, n_steps: 20, method: "riemann_trapezoid", internal_batch_size: 6 });
    assert.ok(maxDiff(rt.attributions!, row.riemann_trapezoid_20.attributions) <= 2e-3 * scale + 1e-7);
    assert.ok(Math.abs(rt.delta - row.riemann_trapezoid_20.delta) < 1e-3 * Math.abs(gap) + 1e-6, `riemann delta ${rt.delta} vs torch ${row.riemann_trapezoid_20.delta}`);
    // per-token scores are the hidden sums
    gl.scores.forEach((s, i) => assert.ok(Math.abs(s - gl.attributions![i].reduce((a, b) => a + b, 0)) < 1e-9));
    const sal = saliency(model, inputs, { target: row.target });
    const ixg = input_x_gradient(model, inputs, { target: row.target });
    assert.ok(maxDiff(sal.attributions!, row.saliency) <= 1e-3 * maxAbs(row.saliency) + 1e-7);
    assert.ok(maxDiff(ixg.attributions!, row.input_x_gradient) <= 1e-3 * maxAbs(row.input_x_gradient) + 1e-7);
    clear_linear_cache();
    assert.equal(tf.memory().numTensors, before, "attribution calls leaked tensors");
    model.dispose();
  });
}

async function sentiment(): Promise<[BertForSequenceClassification, BertTokenizer]> {
  await ready();
  const model = await BertForSequenceClassification.from_pretrained("bertlab/mini-bert-uncased-sentiment", { ...offline, quiet: true });
  const tok = await BertTokenizer.from_pretrained("bertlab/mini-bert-uncased-sentiment", offline);
  model.engine = "tfjs"; // the direct forwards below need no ONNX session (explain itself always runs tfjs)
  return [model, tok];
}

test("shipped sentiment classifier: [PAD] baseline keeps [CLS]/[SEP]; IG complete within 1% at n_steps 50; internal_batch_size does not change the result", async () => {
  const [model, tok] = await sentiment();
  const inputs = tok("a wonderful, moving film", { return_tensors: "tf" });
  const r = integrated_gradients(model, inputs, { target: 1, tokenizer: tok });
  assert.deepEqual(r.tokens, ["[CLS]", "a", "wonderful", ",", "moving", "film", "[SEP]"]);
  assert.deepEqual(r.baseline_ids, [101, 0, 0, 0, 0, 0, 102]);
  const gap = r.f_input - r.f_baseline;
  assert.ok(Math.abs(gap) > 0.1, `F(x) − F(b) = ${gap}`);
  assert.ok(Math.abs(r.delta) <= 0.01 * Math.abs(gap), `delta ${r.delta} vs ${gap}`);
  const chunked = integrated_gradients(model, inputs, { target: 1, tokenizer: tok, internal_batch_size: 7 });
  assert.ok(maxDiff(chunked.attributions!, r.attributions!) < 1e-5);
  const norm = integrated_gradients(model, inputs, { target: 1, tokenizer: tok, n_steps: 10, normalize: true });
  assert.ok(Math.abs(Math.hypot(...norm.scores) - 1) < 1e-9);
  assert.throws(() => integrated_gradients(model, { input_ids: [[101, 102]] }, { target: 1 }), /special tokens/);
  assert.throws(() => integrated_gradients(model, inputs, { target: 5, tokenizer: tok }), /class 5 is out of range 0..1/);
  tf.dispose(Object.values(inputs));
  model.dispose();
});

test("saliency and input × gradient equal central finite differences of F on the embeddings' output", async () => {
  const [model, tok] = await sentiment();
  const inputs = tok("the plot was dull and far too long", { return_tensors: "tf" });
  const sal = saliency(model, inputs, { target: 0, tokenizer: tok });
  const ixg = input_x_gradient(model, inputs, { target: 0, tokenizer: tok });
  // F on a perturbed embeddings output, through the same hook the methods use
  const { forward_from_embeddings, embed, encode } = await import("../src/explain/common");
  const enc = encode(inputs);
  const e = embed(model, enc); // [1, s, h]
  const E = e.arraySync()[0];
  const F = (pos: number, unit: number, h: number) => tf.tidy(() => {
    const d = tf.buffer([1, E.length, E[0].length]);
    d.set(h, 0, pos, unit);
    return forward_from_embeddings(model, enc, tf.add(e, d.toTensor()), 0).dataSync()[0];
  });
  // the 5 largest |gradient| entries: (F(e + h) − F(e − h)) / 2h
  const entries = sal.attributions!.flatMap((r, i) => r.map((v, j) => [v, i, j] as const)).sort((a, b) => b[0] - a[0]).slice(0, 5);
  for (const [, i, j] of entries) {
    const h = 1e-2;
    const fd = (F(i, j, h) - F(i, j, -h)) / (2 * h);
    assert.ok(Math.abs(Math.abs(fd) - sal.attributions![i][j]) < 0.02 * sal.attributions![i][j] + 1e-4, `|∂F/∂e[${i}][${j}]| = ${sal.attributions![i][j]} vs finite difference ${fd}`);
    assert.ok(Math.abs(fd * E[i][j] - ixg.attributions![i][j]) < 0.02 * Math.abs(ixg.attributions![i][j]) + 1e-4);
  }
  e.dispose();
  tf.dispose(Object.values(inputs));
  model.dispose();
});

test("occlusion: F(x) − F(x with the token replaced by [PAD]) per token, windows averaged", async () => {
  const [model, tok] = await sentiment();
  const inputs = tok("not good at all", { return_tensors: "tf" });
  const r = occlusion(model, inputs, { target: 1, tokenizer: tok });
  const ids = (inputs.input_ids as tf.Tensor).arraySync() as number[][];
  const F = (row: number[]) => tf.tidy(() => target_scores(model.forward({ input_ids: [row] }) as unknown as Record<string, unknown>, 1).dataSync()[0]);
  const f = F(ids[0]);
  ids[0].forEach((id, i) => {
    const occluded = ids[0].map((v, j) => (j === i && i > 0 && i < ids[0].length - 1 ? 0 : v));
    assert.ok(Math.abs(r.scores[i] - (f - F(occluded))) < 1e-4, `token ${i}`);
  });
  assert.equal(r.scores[0], 0); // [CLS] is kept in the baseline: occluding it changes nothing
  const w2 = occlusion(model, inputs, { target: 1, tokenizer: tok, sliding_window: 2 });
  assert.equal(w2.scores.length, ids[0].length);
  tf.dispose(Object.values(inputs));
  model.dispose();
});
