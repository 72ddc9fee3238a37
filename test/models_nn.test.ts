// src/nn: Module naming/registration, state dicts, init rules, layers, activations and losses.
import { test } from "node:test";
import assert from "node:assert/strict";
import { tf, ready, nn, hf_name, manual_seed, BertModel } from "../src";

const close = (a: number, b: number, tol = 1e-6) => assert.ok(Math.abs(a - b) <= tol, `${a} vs ${b}`);

test("variables are named <model-uid>/<hf name>, unique per instance; hf_name and get_parameter go both ways", async () => {
  await ready();
  const config = { vocab_size: 50, hidden_size: 8, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 16, max_position_embeddings: 16 };
  const a = new BertModel(config);
  const b = new BertModel(config);
  const names = a.named_parameters().map(([n]) => n);
  assert.deepEqual(names.slice(0, 5), ["embeddings.word_embeddings.weight", "embeddings.position_embeddings.weight", "embeddings.token_type_embeddings.weight", "embeddings.LayerNorm.weight", "embeddings.LayerNorm.bias"]);
  assert.equal(names.at(-1), "pooler.dense.bias");
  for (const [n, v] of a.named_parameters()) {
    assert.match(v.name, /^BertModel_\d+\//);
    assert.equal(hf_name(v), n);
    assert.equal(a.get_parameter(n), v);
  }
  const prefixA = a.parameters()[0].name.split("/")[0];
  const prefixB = b.parameters()[0].name.split("/")[0];
  assert.notEqual(prefixA, prefixB);
  assert.equal(a.num_parameters(), a.parameters().reduce((s, v) => s + v.size, 0));
  a.dispose();
  b.dispose();
});

test("HF init rules: normal(0, initializer_range) weights, zero biases, LayerNorm 1/0, padding row zero; seeded", async () => {
  await ready();
  const config = { vocab_size: 200, hidden_size: 16, num_hidden_layers: 1, num_attention_heads: 2, intermediate_size: 32, max_position_embeddings: 16, initializer_range: 0.05, pad_token_id: 3 };
  manual_seed(1);
  const m = new BertModel(config);
  manual_seed(1);
  const same = new BertModel(config);
  const other = new BertModel(config);
  const emb = m.embeddings.word_embeddings.weight.arraySync() as number[][];
  assert.ok(emb[3].every((x) => x === 0), "padding row is zero");
  const flat = emb.flat().filter((_, i) => Math.floor(i / 16) !== 3);
  const std = Math.sqrt(flat.reduce((s, x) => s + x * x, 0) / flat.length);
  assert.ok(Math.abs(std - 0.05) < 0.005, `std ${std}`);
  assert.ok(m.embeddings.LayerNorm.param("weight").dataSync().every((x) => x === 1));
  assert.ok(m.embeddings.LayerNorm.param("bias").dataSync().every((x) => x === 0));
  assert.ok(m.encoder.layer[0].attention.self.query.bias!.dataSync().every((x) => x === 0));
  assert.deepEqual(m.embeddings.word_embeddings.weight.dataSync(), same.embeddings.word_embeddings.weight.dataSync());
  assert.notDeepEqual(m.embeddings.word_embeddings.weight.dataSync(), other.embeddings.word_embeddings.weight.dataSync());
  [m, same, other].forEach((x) => x.dispose());
});

test("state_dict / load_state_dict: strict errors name the keys; shapes are checked", async () => {
  await ready();
  const lin = new nn.Linear(3, 2).materialize();
  const sd = lin.state_dict();
  assert.deepEqual([...sd.keys()], ["weight", "bias"]);
  const w = tf.tensor2d([[1, 2, 3], [4, 5, 6]]);
  assert.throws(() => lin.load_state_dict(new Map([["weight", w]])), /Missing key\(s\) in state_dict: "bias"/);
  assert.throws(() => lin.load_state_dict(new Map<string, tf.Tensor>([["weight", w], ["bias", tf.zeros([2])], ["extra", tf.zeros([1])]])), /Unexpected key\(s\) in state_dict: "extra"/);
  assert.throws(() => lin.load_state_dict(new Map([["weight", tf.zeros([3, 3])]]), { strict: false }), /size mismatch for weight/);
  const r = lin.load_state_dict(new Map([["weight", w]]), { strict: false });
  assert.deepEqual(r, { missing_keys: ["bias"], unexpected_keys: [] });
  const y = lin.forward(tf.tensor2d([[1, 1, 1]]));
  assert.deepEqual(Array.from(y.dataSync()), [6, 15]);
  lin.dispose();
  assert.throws(() => lin.forward(tf.ones([1, 3])), /has no value yet/);
});

test("LayerNorm, Embedding and activations give torch's numbers", async () => {
  await ready();
  const ln = new nn.LayerNorm(4, 1e-12).materialize();
  const y = ln.forward(tf.tensor2d([[1, 2, 3, 4]])).dataSync();
  // (x - 2.5) / sqrt(1.25)
  [-1.3416407, -0.4472136, 0.4472136, 1.3416407].forEach((v, i) => close(y[i], v, 1e-5));
  const e = new nn.Embedding(5, 2, { padding_idx: 0 }).materialize();
  const g = e.forward(tf.tensor2d([[0, 4]], undefined, "int32"));
  assert.deepEqual(g.shape, [1, 2, 2]);
  assert.deepEqual(Array.from(g.dataSync()).slice(0, 2), [0, 0]);
  const x = tf.tensor1d([-1, 0, 1, 2]);
  const xv = tf.variable(x.clone());
  const gelu = nn.ACT2FN.gelu(x).dataSync();
  [-0.15865526, 0, 0.84134474, 1.9544997].forEach((v, i) => close(gelu[i], v, 1e-5));
  // under a tape GELU has a written-out gradient Φ(x) + x·φ(x) (torch.autograd's values), same forward values
  const before = tf.memory().numTensors;
  const { value: gv, grads: gg } = tf.variableGrads(() => tf.sum(tf.mul(nn.ACT2FN.gelu(xv), tf.tensor1d([1, 2, 3, 4]))), [xv]);
  close(gv.dataSync()[0], -0.15865526 + 0 + 3 * 0.84134474 + 4 * 1.9544997, 1e-5);
  [-0.08331547, 2 * 0.5, 3 * 1.08331547, 4 * 1.08523180].forEach((v, i) => close(gg[xv.name].dataSync()[i], v, 1e-5));
  tf.dispose([gv, ...Object.values(gg)]);
  assert.equal(tf.memory().numTensors, before);
  const gnew = nn.ACT2FN.gelu_new(x).dataSync();
  [-0.15880801, 0, 0.84119199, 1.9545977].forEach((v, i) => close(gnew[i], v, 1e-5));
  const silu = nn.ACT2FN.silu(x).dataSync();
  [-0.26894142, 0, 0.73105858, 1.7615942].forEach((v, i) => close(silu[i], v, 1e-5));
  assert.deepEqual(Array.from(nn.ACT2FN.relu(x).dataSync()), [0, 0, 1, 2]);
  assert.throws(() => nn.get_activation("gelu_99"), /function gelu_99 not found in ACT2FN/);
  [ln, e].forEach((m) => m.dispose());
  xv.dispose();
});

test("losses: cross-entropy ignores -100 and averages over the rest; MSE; BCE-with-logits", async () => {
  await ready();
  const logits = tf.tensor2d([[2, 0, -1], [0.5, 0.5, 0.5], [1, 2, 3]]);
  // torch.nn.functional.cross_entropy(logits, [0, -100, 2]) = mean(0.16984601, 0.40760596)
  close(nn.cross_entropy(logits, tf.tensor1d([0, -100, 2], "int32")).dataSync()[0], (0.16984601 + 0.40760596) / 2, 1e-6);
  assert.ok(Number.isNaN(nn.cross_entropy(logits, tf.tensor1d([-100, -100, -100], "int32")).dataSync()[0]), "all ignored → NaN as torch");
  assert.throws(() => nn.cross_entropy(logits, tf.tensor1d([0, 3, 1], "int32")), /label 3 at index 1 is out of range for 3 classes/);
  close(nn.mse_loss(tf.tensor1d([1, 2, 3]), tf.tensor1d([1, 0, 6])).dataSync()[0], 13 / 3, 1e-6);
  // torch: F.binary_cross_entropy_with_logits([[0.5, -2], [3, 0]], [[1, 0], [0, 1]]) = 1.1136
  close(nn.binary_cross_entropy_with_logits(tf.tensor2d([[0.5, -2], [3, 0]]), tf.tensor2d([[1, 0], [0, 1]])).dataSync()[0],
    (0.47407699 + 0.12692801 + 3.04858735 + 0.69314718) / 4, 1e-6);
  assert.throws(() => nn.mse_loss(tf.ones([2]), tf.ones([3])), /same shape/);
});

test("Dropout: identity in eval, torch scaling in train, reproducible with manual_seed", async () => {
  await ready();
  const d = new nn.Dropout(0.5);
  const x = tf.ones([1000]);
  d.eval();
  assert.equal(d.forward(x), x);
  d.train();
  manual_seed(3);
  const a = d.forward(x).dataSync();
  manual_seed(3);
  const b = d.forward(x).dataSync();
  assert.deepEqual(a, b);
  const kept = a.filter((v) => v !== 0);
  assert.ok(kept.every((v) => Math.abs(v - 2) < 1e-6), "kept values are scaled by 1/(1-p)");
  assert.ok(kept.length > 400 && kept.length < 600, `${kept.length} kept of 1000`);
  assert.throws(() => new nn.Dropout(1.5), /between 0 and 1/);
});

test("a model prints as torch's module tree (tslab shows the last value of a cell this way)", async () => {
  await ready();
  const m = new BertModel({ vocab_size: 100, hidden_size: 8, num_hidden_layers: 2, num_attention_heads: 2, intermediate_size: 16, max_position_embeddings: 16 });
  const text = String(m);
  assert.ok(text.startsWith("BertModel(\n  (embeddings): BertEmbeddings(\n    (word_embeddings): Embedding(100, 8, padding_idx=0)\n"), text);
  assert.match(text, /\n      \(1\): BertLayer\(\n/);
  assert.match(text, /\(LayerNorm\): LayerNorm\(\(8,\), eps=1e-12, elementwise_affine=True\)/);
  assert.match(text, /\(query\): Linear\(in_features=8, out_features=8, bias=True\)/);
  assert.match(text, /\(dropout\): Dropout\(p=0\.1, inplace=False\)/);
  assert.equal((await import("node:util")).inspect(m), text);
  m.dispose();
});
