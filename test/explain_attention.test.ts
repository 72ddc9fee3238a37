// Attention rollout / flow / entropy against direct matrix formulas on fixed attention tensors, the
// Edmonds–Karp max-flow against a brute-force minimum cut, the logit lens against the model's own MLM
// logits, and head importance against finite differences of the loss in the head mask.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tf, ready, BertForMaskedLM, BertForSequenceClassification, BertTokenizer, attention_rollout, attention_flow, attention_entropy,
  max_flow, residual_attention, logit_lens, head_importance } from "../src";
import { Generator } from "../src/nn";
import { clear_linear_cache } from "../src/ops";

const offline = { local_files_only: true };

/** Fixed row-stochastic attentions [layers][heads][n][n] from a seeded generator. */
function attentions(L: number, H: number, n: number, seed: number): number[][][][] {
  const g = new Generator(seed);
  return Array.from({ length: L }, () => Array.from({ length: H }, () => Array.from({ length: n }, () => {
    const r = Array.from(g.normal_array(n, 0, 2), (v) => Math.exp(v));
    const s = r.reduce((a, b) => a + b, 0);
    return r.map((v) => v / s);
  })));
}

function close(a: number[][], b: number[][], tol: number, what: string): void {
  a.forEach((r, i) => r.forEach((v, j) => assert.ok(Math.abs(v - b[i][j]) < tol, `${what}[${i}][${j}]: ${v} vs ${b[i][j]}`)));
}

test("attention_rollout = Π_l normalise(0.5·mean_h A_l + 0.5·I), computed with tfjs matrix ops", () => {
  const att = attentions(3, 4, 6, 1);
  const r = attention_rollout(att);
  const direct = tf.tidy(() => {
    let R: tf.Tensor | null = null;
    for (const layer of att) {
      const A = tf.add(tf.mul(0.5, tf.mean(tf.tensor3d(layer), 0)), tf.mul(0.5, tf.eye(6)));
      const An = tf.div(A, tf.sum(A, 1, true));
      R = R ? tf.matMul(An, R) : An;
    }
    return R!.arraySync() as number[][];
  });
  close(r.rollout, direct, 1e-6, "rollout");
  assert.equal(r.layers.length, 3);
  r.rollout.forEach((row) => assert.ok(Math.abs(row.reduce((a, b) => a + b, 0) - 1) < 1e-9));
  // tensors in, [batch, heads, seq, seq] per layer, batch_index picks the row
  const t = att.map((l) => tf.tensor4d([l.map((h) => h.map((q) => q.map(() => 0.25))), l]));
  close(attention_rollout(t, { batch_index: 1 }).rollout, r.rollout, 1e-6, "from tensors");
  tf.dispose(t);
});

test("max_flow (Edmonds–Karp) equals the brute-force minimum cut on small random graphs", () => {
  const g = new Generator(3);
  for (let trial = 0; trial < 20; trial++) {
    const n = 6;
    const u = Array.from({ length: n * n }, () => g.random());
    const cap = Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i !== j && u[i * n + j] > 0.4 ? u[i * n + j] : 0)));
    const { value, source_side } = max_flow(cap, 0, n - 1);
    let best = Infinity;
    for (let mask = 0; mask < 1 << n; mask++) {
      if (!(mask & 1) || mask & (1 << (n - 1))) continue; // source in S, sink not
      let c = 0;
      for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (mask & (1 << i) && !(mask & (1 << j))) c += cap[i][j];
      best = Math.min(best, c);
    }
    assert.ok(Math.abs(value - best) < 1e-9, `trial ${trial}: max-flow ${value} vs min cut ${best}`);
    let cut = 0; // the residual graph's source side is a minimum cut
    for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) if (source_side[i] && !source_side[j]) cut += cap[i][j];
    assert.ok(Math.abs(cut - value) < 1e-9);
  }
});

test("attention_flow: one layer is the residual attention itself; two layers equal max-flow by brute-force min cut of the layered graph", () => {
  const one = attentions(1, 2, 4, 5);
  close(attention_flow(one).flow, residual_attention(one)[0], 1e-12, "one-layer flow");
  const att = attentions(2, 3, 3, 7);
  const aug = residual_attention(att);
  const f = attention_flow(att, { layers: [2] });
  // the layered graph: nodes (l, i) = l*3 + i; min cut by enumeration (9 nodes)
  const n = 3;
  const N = 9;
  const cap = Array.from({ length: N }, () => new Array(N).fill(0));
  for (let l = 1; l <= 2; l++) for (let i = 0; i < n; i++) for (let j = 0; j < n; j++) cap[l * n + i][(l - 1) * n + j] = aug[l - 1][i][j];
  for (let i = 0; i < n; i++) {
    const row = [0, 1, 2].map((j) => {
      const s = 2 * n + i;
      let best = Infinity;
      for (let mask = 0; mask < 1 << N; mask++) {
        if (!(mask & (1 << s)) || mask & (1 << j)) continue;
        let c = 0;
        for (let a = 0; a < N; a++) for (let b = 0; b < N; b++) if (mask & (1 << a) && !(mask & (1 << b))) c += cap[a][b];
        best = Math.min(best, c);
      }
      return best;
    });
    const sum = row.reduce((a, b) => a + b, 0);
    close([f.flow[i]], [row.map((v) => v / sum)], 1e-9, `flow row ${i}`);
  }
  assert.deepEqual(f.layer_indices, [2]);
  assert.throws(() => attention_flow(att, { layers: [3] }), /layer 3 is out of range 1..2/);
});

test("attention_entropy: −Σ p log p averaged over attended queries; uniform rows give log(n)", () => {
  const n = 5;
  const uniform = [[Array.from({ length: n }, () => new Array(n).fill(1 / n)), Array.from({ length: n }, (_, i) => Array.from({ length: n }, (_, j) => (i === j ? 1 : 0)))]];
  const e = attention_entropy(uniform);
  assert.ok(Math.abs(e[0][0] - Math.log(n)) < 1e-12);
  assert.equal(e[0][1], 0);
  const att = attentions(2, 2, 4, 9);
  const mask = [1, 1, 1, 0];
  const got = attention_entropy(att, { attention_mask: mask });
  att.forEach((l, li) => l.forEach((h, hi) => {
    const want = h.slice(0, 3).reduce((s, row) => s - row.reduce((a, p) => a + p * Math.log(p), 0), 0) / 3;
    assert.ok(Math.abs(got[li][hi] - want) < 1e-12);
  }));
});

test("logit_lens on the shipped MLM: the last layer is the model's own prediction; every layer has top-k", async () => {
  await ready();
  const model = await BertForMaskedLM.from_pretrained("bertlab/mini-bert-uncased", { ...offline, quiet: true });
  const tok = await BertTokenizer.from_pretrained("bertlab/mini-bert-uncased", offline);
  model.engine = "tfjs";
  const inputs = tok("the president spoke to the [MASK] today.", { return_tensors: "tf" });
  clear_linear_cache(); // ops caches one Wᵀ per dense weight; count without them
  const before = tf.memory().numTensors;
  const r = logit_lens(model, inputs, { tokenizer: tok, k: 5 });
  clear_linear_cache();
  assert.equal(tf.memory().numTensors, before);
  assert.equal(r.layers.length, model.config.num_hidden_layers + 1);
  assert.equal(r.tokens[r.position], "[MASK]");
  const logits = tf.tidy(() => (model.forward(inputs).logits.slice([0, r.position, 0], [1, 1, -1]).reshape([-1]).arraySync() as number[]));
  const order = logits.map((v, i) => [v, i]).sort((a, b) => b[0] - a[0]).slice(0, 5).map(([, i]) => i);
  assert.deepEqual(r.final_top.map((t) => t.id), order);
  r.final_top.forEach((t) => assert.ok(Math.abs(t.logit - logits[t.id]) < 1e-4));
  assert.deepEqual(r.final_probs[r.final_probs.length - 1], r.final_top.map((t) => t.prob));
  r.layers.forEach((l) => assert.ok(l.top.every((t, i) => i === 0 || t.prob <= l.top[i - 1].prob)));
  assert.throws(() => logit_lens(model, { input_ids: [[101, 102]] }, {}), /no \[MASK\]/);
  tf.dispose(Object.values(inputs));
  model.dispose();
});

test("head_importance: |∂loss/∂head_mask| equals finite differences of the loss; layer L2 and global min–max normalisation", async () => {
  await ready();
  const model = await BertForSequenceClassification.from_pretrained("bertlab/mini-bert-uncased-sentiment", { ...offline, quiet: true });
  const tok = await BertTokenizer.from_pretrained("bertlab/mini-bert-uncased-sentiment", offline);
  const enc = tok(["a great movie", "boring and slow, i left early"], { padding: true, return_tensors: "tf" });
  const batch = { ...enc, labels: [1, 0] };
  const r = head_importance(model, [batch], { normalize_by_layer: false, normalize_global: false });
  const [L, H] = [model.config.num_hidden_layers, model.config.num_attention_heads];
  const tokens = (enc.attention_mask as tf.Tensor).sum().dataSync()[0];
  assert.equal(r.tokens, tokens);
  const loss = (m: number[][]) => tf.tidy(() => (model.forward({ ...batch, head_mask: m }) as { loss: tf.Scalar }).loss.dataSync()[0]);
  const h = 1e-2;
  for (let l = 0; l < L; l++) for (let k = 0; k < H; k++) {
    const plus = Array.from({ length: L }, (_, i) => Array.from({ length: H }, (_, j) => (i === l && j === k ? 1 + h : 1)));
    const minus = plus.map((row) => row.map((v) => (v === 1 ? 1 : 1 - h)));
    const fd = Math.abs((loss(plus) - loss(minus)) / (2 * h)) / tokens;
    assert.ok(Math.abs(fd - r.raw[l][k]) < 0.03 * r.raw[l][k] + 2e-5, `head ${l}.${k}: ${r.raw[l][k]} vs finite difference ${fd}`);
  }
  const byLayer = head_importance(model, [batch], { normalize_global: false });
  byLayer.importance.forEach((row) => assert.ok(Math.abs(Math.hypot(...row) - 1) < 1e-6));
  clear_linear_cache();
  const before = tf.memory().numTensors;
  const full = head_importance(model, [batch]);
  clear_linear_cache();
  assert.equal(tf.memory().numTensors, before, "head_importance leaked tensors");
  assert.equal(Math.min(...full.importance.flat()), 0);
  assert.equal(Math.max(...full.importance.flat()), 1);
  assert.ok(full.entropy.flat().every((e) => e > 0 && e <= Math.log(9) + 1e-6));
  tf.dispose(Object.values(enc));
  model.dispose();
});
