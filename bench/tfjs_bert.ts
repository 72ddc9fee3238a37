// A compact tfjs BERT (BertModel + a sequence-classification head) over src/ops, used by the
// benchmarks as the "bench ops forward" and for per-op profiles. Same arithmetic as HF's BertModel
// (erf GELU, additive float32.min mask, post-LayerNorm); bertlab's own models live in src/models.
import { tf } from "../src/backend";
import { bmm, linear } from "../src/ops";
import type { TensorData } from "../src/hub/safetensors";
import type { BenchBertConfig } from "./random_bert";

export type Params = Map<string, tf.Variable>;

export function toVariables(w: Map<string, TensorData>, trainable = false): Params {
  const p: Params = new Map();
  for (const [name, t] of w) p.set(name, tf.variable(tf.tensor(t.data, t.shape, t.dtype), trainable, `bench/${name}`));
  return p;
}

function layerNorm(x: tf.Tensor, w: tf.Tensor, b: tf.Tensor, eps: number): tf.Tensor {
  const { mean, variance } = tf.moments(x, -1, true);
  return tf.add(tf.mul(tf.div(tf.sub(x, mean), tf.sqrt(tf.add(variance, eps))), w), b);
}

function gelu(x: tf.Tensor): tf.Tensor {
  return tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.div(x, Math.SQRT2)), 1));
}

/** The two primitives, swappable for ablations (bench/ablation.ts). */
export interface OpsImpl {
  linear: (x: tf.Tensor, w: tf.Tensor2D, b?: tf.Tensor1D | null) => tf.Tensor;
  bmm: (a: tf.Tensor, b: tf.Tensor, transposeB?: boolean) => tf.Tensor;
}

/** BertModel forward: [batch, seq] ids → (last_hidden_state [batch, seq, hidden], pooled [batch, hidden]). */
export function bertForward(c: BenchBertConfig, p: Params, ids: tf.Tensor2D, mask: tf.Tensor2D, types: tf.Tensor2D, ops: OpsImpl = { linear, bmm }): [tf.Tensor3D, tf.Tensor2D] {
  const g = (n: string) => {
    const v = p.get(n);
    if (!v) throw new Error(`bench BERT: missing parameter ${n}`);
    return v;
  };
  const [B, S] = ids.shape;
  const H = c.hidden_size;
  const nh = c.num_attention_heads;
  const d = H / nh;
  const pos = tf.slice(g("embeddings.position_embeddings.weight"), [0, 0], [S, H]);
  let x: tf.Tensor = tf.add(tf.add(tf.gather(g("embeddings.word_embeddings.weight"), ids), tf.gather(g("embeddings.token_type_embeddings.weight"), types)), pos);
  x = layerNorm(x, g("embeddings.LayerNorm.weight"), g("embeddings.LayerNorm.bias"), c.layer_norm_eps); // [B, S, H]
  const maskAdd = tf.mul(tf.sub(1, tf.cast(mask, "float32")), -3.4028234663852886e38).reshape([B, 1, 1, S]);
  const heads = (t: tf.Tensor) => t.reshape([B, S, nh, d]).transpose([0, 2, 1, 3]); // [B, nh, S, d]
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const L = (n: string) => g(`encoder.layer.${i}.${n}`);
    const dense = (t: tf.Tensor, n: string) => ops.linear(t, L(`${n}.weight`) as tf.Tensor2D, L(`${n}.bias`) as tf.Tensor1D);
    const q = heads(dense(x, "attention.self.query"));
    const k = heads(dense(x, "attention.self.key"));
    const v = heads(dense(x, "attention.self.value"));
    const scores = tf.add(tf.div(ops.bmm(q, k, true), Math.sqrt(d)), maskAdd); // [B, nh, S, S]
    const ctx = ops.bmm(tf.softmax(scores), v).transpose([0, 2, 1, 3]).reshape([B, S, H]);
    const a = layerNorm(tf.add(dense(ctx, "attention.output.dense"), x), L("attention.output.LayerNorm.weight"), L("attention.output.LayerNorm.bias"), c.layer_norm_eps);
    const inter = gelu(dense(a, "intermediate.dense"));
    x = layerNorm(tf.add(dense(inter, "output.dense"), a), L("output.LayerNorm.weight"), L("output.LayerNorm.bias"), c.layer_norm_eps);
  }
  const first = tf.squeeze(tf.slice(x, [0, 0, 0], [B, 1, H]), [1]);
  const pooled = tf.tanh(ops.linear(first, g("pooler.dense.weight") as tf.Tensor2D, g("pooler.dense.bias") as tf.Tensor1D)) as tf.Tensor2D;
  return [x as tf.Tensor3D, pooled];
}

/** Cross-entropy of a 2-label classifier on the pooled output (the training benchmark's loss). */
export function classificationLoss(c: BenchBertConfig, p: Params, ids: tf.Tensor2D, mask: tf.Tensor2D, types: tf.Tensor2D, labels: tf.Tensor1D): tf.Scalar {
  const [, pooled] = bertForward(c, p, ids, mask, types);
  const logits = linear(pooled, p.get("classifier.weight") as tf.Variable as tf.Tensor2D, p.get("classifier.bias") as tf.Variable as tf.Tensor1D);
  return tf.losses.softmaxCrossEntropy(tf.oneHot(labels, 2), logits) as tf.Scalar;
}
