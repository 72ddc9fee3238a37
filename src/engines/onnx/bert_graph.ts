// Builds the ONNX graph of a Hugging Face BERT (any head) from config + HF-named weights.
// Inputs: input_ids, attention_mask, token_type_ids — int64 [batch, seq].
// Dense layers are MatMul with pre-transposed [in, out] initializers; LayerNormalization is the
// opset-17 op; Q, K and V share one MatMul. hidden_states / attentions are extra graph outputs.
import { activation } from "./activations";
import { EngineBertConfig, ResolvedConfig, resolveConfig, WeightStore, WeightsLike } from "./config";
import type { ExternalData } from "./external_data";
import { Attr, FLOAT, GraphBuilder, INT32, INT64, MS_DOMAIN } from "./graph";
import { QuantizeOptions, quantizedMatMul, quantizeWeight, ResolvedQuantize, resolveQuantize, weight_qmax } from "./quantize";

/**
 * The model classes whose forward bertlab can build as an ONNX graph (export_onnx, the ONNX engine).
 */
export const ARCHITECTURES = [
  "BertModel",
  "BertForPreTraining",
  "BertForMaskedLM",
  "BertLMHeadModel",
  "BertForNextSentencePrediction",
  "BertForSequenceClassification",
  "BertForMultipleChoice",
  "BertForTokenClassification",
  "BertForQuestionAnswering",
] as const;
/** The BERT heads the ONNX inference graph builder supports (one of ARCHITECTURES, HF class names). */
export type Architecture = (typeof ARCHITECTURES)[number];

/** How an ONNX inference graph is built: extra outputs, fused contrib ops, where weights are transposed, int8 weights. */
export interface GraphFlags {
  output_hidden_states: boolean;
  output_attentions: boolean;
  /**
   * Use ORT's fused contrib ops (com.microsoft Attention, SkipLayerNormalization, BiasGelu / FastGelu)
   * where the config allows it (absolute positions, gelu / gelu_new, no attention probabilities asked
   * for). Default true; the plain-op graph is used otherwise.
   */
  fused?: boolean;
  /**
   * Where dense weights get transposed to [in, out]: "js" (default) transposes in JS and stores the
   * result; "graph" stores them as given ([out, in] views of the caller's arrays, a tied decoder sharing
   * the word-embedding initializer) under Concat/Transpose nodes that ORT constant-folds at session
   * creation. "graph" saves the JS copies but raised the peak RSS of a bert-base load from 1.6 to
   * 1.8–2.2 GB (ORT's folding holds more copies), so it is not the default.
   */
  transpose?: "graph" | "js";
  /**
   * Dynamic int8 weights for every dense layer (encoder, pooler, heads; not the embeddings nor the
   * attention score products), as standard ONNX ops that ORT fuses into DynamicQuantizeMatMul. The
   * layers are then built from plain ops, which ORT fuses too (Gelu, FusedMatMul): per core 58 ms for a
   * BERT-base b1 s128 forward, against 75 ms with com.microsoft QAttention for Q/K/V and 183 ms fp32
   * (fused contrib graph), measured interleaved on one thread. null: fp32.
   */
  quantize?: QuantizeOptions | boolean | null;
}

/** An ONNX inference graph built from a BERT config and weights: the model bytes, its output names, and how it was built. */
export interface BuiltGraph {
  bytes: Uint8Array;
  /** Graph output names: head outputs, then hidden_states.{0..L}, attentions.{0..L-1}. */
  outputs: string[];
  /** Whether the fused contrib-op layers were used. */
  fused: boolean;
  /** The weight quantization applied (null: fp32). */
  quantize: ResolvedQuantize | null;
}

const FLOAT32_MIN = -3.4028234663852886e38; // torch.finfo(torch.float32).min, HF's additive mask value

/** [out, in] (PyTorch Linear) → [in, out], so the graph does a plain MatMul. Blocked for the cache. */
function transpose2d(data: Float32Array, rows: number, cols: number): Float32Array {
  const out = new Float32Array(rows * cols);
  const B = 32;
  for (let r0 = 0; r0 < rows; r0 += B) {
    const r1 = Math.min(r0 + B, rows);
    for (let c0 = 0; c0 < cols; c0 += B) {
      const c1 = Math.min(c0 + B, cols);
      for (let r = r0; r < r1; r++) {
        const src = r * cols;
        for (let c = c0; c < c1; c++) out[c * rows + r] = data[src + c];
      }
    }
  }
  return out;
}

class BertGraph {
  readonly g: GraphBuilder;
  readonly c: ResolvedConfig;
  readonly w: WeightStore;
  readonly headDim: number;
  readonly outputs: string[] = [];
  private fused = false;
  private maskI32?: string;

  constructor(config: EngineBertConfig, weights: WeightsLike, readonly arch: Architecture, external?: ExternalData) {
    this.g = new GraphBuilder(external);
    this.c = resolveConfig(config);
    this.w = new WeightStore(weights, arch);
    this.headDim = this.c.hidden_size / this.c.num_attention_heads;
  }

  /** Declares a graph output; `x` is renamed through Identity so names stay unique. */
  emit(name: string, x: string, dims: (number | string)[]): void {
    this.g.op("Identity", [x], undefined, undefined, name);
    this.g.output(name, FLOAT, dims);
    this.outputs.push(name);
  }

  /** y = x·Wᵀ + b for a PyTorch Linear named `prefix` ([out, in] weight). */
  dense(x: string, prefix: string, inDim: number, outDim: number): string {
    const b = this.w.get(`${prefix}.bias`, [outDim]);
    const xw = this.mm(x, `${prefix}.weight`, [this.w.get(`${prefix}.weight`, [outDim, inDim]).data as Float32Array], outDim, inDim);
    const B = this.g.initFloat(`${prefix}.bias`, b.data as Float32Array, [outDim]);
    return this.g.op("Add", [xw, B], undefined, prefix.split(".").slice(-2).join("_"));
  }

  /**
   * x · Wᵀ (no bias) for PyTorch [out, in] weight blocks stacked along out: a MatMul with the transposed
   * fp32 weight, or the dynamically quantized int8 product when the graph is quantized.
   */
  mm(x: string, name: string, blocks: Float32Array[], outDim: number, inDim: number): string {
    if (this.quant) {
      const { per_channel, scheme } = this.quant;
      return quantizedMatMul(this.g, x, name, quantizeWeight(blocks, outDim, inDim, per_channel, weight_qmax(scheme)), inDim, outDim * blocks.length, scheme);
    }
    return this.g.op("MatMul", [x, this.weightT(name, blocks, outDim, inDim)], undefined, "matmul");
  }
  private quant: ResolvedQuantize | null = null;

  /**
   * A [in, out] weight for MatMul from PyTorch [out, in] blocks stacked along out (one block: a Linear;
   * three: Q/K/V). "graph" mode: the blocks are initializers (views, no copy) joined by Concat and
   * transposed by a Transpose node, both folded by ORT; "js" mode: one transposed initializer.
   */
  weightT(name: string, blocks: Float32Array[], outDim: number, inDim: number): string {
    const rows = outDim * blocks.length;
    if (this.transposeMode === "js") {
      let data = blocks[0];
      if (blocks.length > 1) {
        data = new Float32Array(rows * inDim);
        blocks.forEach((bl, j) => data.set(bl, j * outDim * inDim));
      }
      return this.g.initFloat(`${name}_t`, transpose2d(data, rows, inDim), [inDim, rows]);
    }
    const parts = blocks.map((bl, j) => this.g.initFloat(blocks.length > 1 ? `${name}.${j}` : name, bl, [outDim, inDim]));
    const stacked = parts.length > 1 ? this.g.op("Concat", parts, { axis: 0 }, "w_concat") : parts[0];
    return this.g.op("Transpose", [stacked], { perm: [1, 0] }, "w_t"); // [in, out]
  }
  private transposeMode: "graph" | "js" = "js";

  layerNorm(x: string, prefix: string): string {
    const H = this.c.hidden_size;
    const scale = this.g.initFloat(`${prefix}.weight`, this.w.get(`${prefix}.weight`, [H]).data as Float32Array, [H]);
    const bias = this.g.initFloat(`${prefix}.bias`, this.w.get(`${prefix}.bias`, [H]).data as Float32Array, [H]);
    return this.g.op("LayerNormalization", [x, scale, bias], { axis: -1, epsilon: { f: this.c.layer_norm_eps } }, "layernorm");
  }

  embedding(name: string, rows: number, cols: number): string {
    return this.g.initFloat(name, this.w.get(name, [rows, cols]).data as Float32Array, [rows, cols]);
  }

  /** BertEmbeddings: word + token type (+ absolute position) → LayerNorm. */
  embeddings(ids: string, types: string, seqVec: string): string {
    const { g, c } = this;
    const H = c.hidden_size;
    const word = g.op("Gather", [this.embedding("bert.embeddings.word_embeddings.weight", c.vocab_size, H), ids], undefined, "word_emb");
    const type = g.op("Gather", [this.embedding("bert.embeddings.token_type_embeddings.weight", c.type_vocab_size, H), types], undefined, "type_emb");
    let sum = g.op("Add", [word, type]); // [batch, seq, hidden]
    if (c.position_embedding_type === "absolute") {
      const table = this.embedding("bert.embeddings.position_embeddings.weight", c.max_position_embeddings, H);
      const pos = g.op("Slice", [table, g.constInt64([0]), seqVec, g.constInt64([0])], undefined, "pos_emb"); // [seq, hidden]
      sum = g.op("Add", [sum, pos]);
    }
    return this.layerNorm(sum, "bert.embeddings.LayerNorm");
  }

  /** HF's extended attention mask: (1 − mask) · float32.min, [batch, 1, 1|seq, seq]; causal for decoders. */
  additiveMask(mask: string, seqVec: string): string {
    const { g, c } = this;
    let m = g.op("Unsqueeze", [g.op("Cast", [mask], { to: FLOAT }), g.constInt64([1, 2])], undefined, "mask"); // [batch, 1, 1, seq]
    if (c.is_decoder) {
      const P = c.max_position_embeddings;
      const tril = new Float32Array(P * P);
      for (let i = 0; i < P; i++) tril.fill(1, i * P, i * P + i + 1);
      const table = g.initFloat("causal_mask", tril, [P, P]);
      const ends = g.op("Concat", [seqVec, seqVec], { axis: 0 });
      const causal = g.op("Slice", [table, g.constInt64([0, 0]), ends, g.constInt64([0, 1])], undefined, "causal"); // [seq, seq]
      m = g.op("Mul", [m, causal]); // [batch, 1, seq, seq]
    }
    return g.op("Mul", [g.op("Sub", [g.constFloat(1), m]), g.constFloat(FLOAT32_MIN)], undefined, "mask_add");
  }

  /** Relative position embeddings [seq, seq, head_dim] for relative_key(_query). */
  relativePositions(layer: number, seqVec: string): string {
    const { g, c } = this;
    const P = c.max_position_embeddings;
    const name = `bert.encoder.layer.${layer}.attention.self.distance_embedding.weight`;
    const table = g.initFloat(name, this.w.get(name, [2 * P - 1, this.headDim]).data as Float32Array, [2 * P - 1, this.headDim]);
    if (!this.relIndex) {
      const arange = g.initInt64("arange_positions", Array.from({ length: P }, (_, i) => i));
      const pos = g.op("Slice", [arange, g.constInt64([0]), seqVec, g.constInt64([0])]); // [seq]
      const l = g.op("Unsqueeze", [pos, g.constInt64([1])]); // [seq, 1]
      const r = g.op("Unsqueeze", [pos, g.constInt64([0])]); // [1, seq]
      this.relIndex = g.op("Add", [g.op("Sub", [l, r]), g.constInt64([P - 1])], undefined, "rel_index"); // [seq, seq]
    }
    return g.op("Gather", [table, this.relIndex], undefined, "rel_pos"); // [seq, seq, head_dim]
  }
  private relIndex?: string;

  /** Reshape [batch, seq, hidden] → [batch, seq, heads, head_dim] then permute. */
  heads(x: string, perm: number[]): string {
    const r = this.g.op("Reshape", [x, this.g.constInt64([0, 0, this.c.num_attention_heads, this.headDim])]);
    return this.g.op("Transpose", [r], { perm });
  }

  /** BertSelfAttention + BertSelfOutput; returns [output, probs]. */
  attention(h: string, layer: number, maskAdd: string, seqVec: string): [string, string] {
    const { g, c } = this;
    const H = c.hidden_size;
    const p = `bert.encoder.layer.${layer}.attention`;
    const [blocks, bqkv] = this.qkvBlocks(p); // one MatMul for Q, K, V: [hidden, 3·hidden]
    const B = g.initFloat(`${p}.self.qkv.bias`, bqkv, [3 * H]);
    const qkv = g.op("Add", [this.mm(h, `${p}.self.qkv.weight`, blocks, H, H), B], undefined, "qkv"); // [batch, seq, 3·hidden]
    const [q, k, v] = g.node("Split", [qkv, g.constInt64([H, H, H])], { outputs: 3, attrs: { axis: 2 }, hint: "qkv_split" });
    const qh = this.heads(q, [0, 2, 1, 3]); // [batch, heads, seq, head_dim]
    const kt = this.heads(k, [0, 2, 3, 1]); // [batch, heads, head_dim, seq]
    const vh = this.heads(v, [0, 2, 1, 3]); // [batch, heads, seq, head_dim]
    let scores = g.op("MatMul", [qh, kt], undefined, "scores"); // [batch, heads, seq, seq]
    if (c.position_embedding_type !== "absolute") {
      const rel = this.relativePositions(layer, seqVec);
      scores = g.op("Add", [scores, g.op("Einsum", [qh, rel], { equation: "bhld,lrd->bhlr" })]);
      if (c.position_embedding_type === "relative_key_query") {
        const kh = this.heads(k, [0, 2, 1, 3]);
        scores = g.op("Add", [scores, g.op("Einsum", [kh, rel], { equation: "bhrd,lrd->bhlr" })]);
      }
    }
    scores = g.op("Add", [g.op("Div", [scores, g.constFloat(Math.sqrt(this.headDim))]), maskAdd]);
    const probs = g.op("Softmax", [scores], { axis: -1 }, "probs"); // [batch, heads, seq, seq]
    const ctx = g.op("MatMul", [probs, vh], undefined, "context"); // [batch, heads, seq, head_dim]
    const merged = g.op("Reshape", [g.op("Transpose", [ctx], { perm: [0, 2, 1, 3] }), g.constInt64([0, 0, H])]); // [batch, seq, hidden]
    const out = this.dense(merged, `${p}.output.dense`, H, H);
    return [this.layerNorm(g.op("Add", [out, h]), `${p}.output.LayerNorm`), probs];
  }

  /** The Q/K/V weight blocks ([hidden, hidden] each, PyTorch layout) and the [3·hidden] bias of one layer. */
  qkvBlocks(p: string): [Float32Array[], Float32Array] {
    const H = this.c.hidden_size;
    const bqkv = new Float32Array(3 * H);
    const blocks = ["query", "key", "value"].map((m, j) => {
      bqkv.set(this.w.get(`${p}.self.${m}.bias`, [H]).data, j * H);
      return this.w.get(`${p}.self.${m}.weight`, [H, H]).data as Float32Array;
    });
    return [blocks, bqkv];
  }

  /** The concatenated [hidden, 3·hidden] Q/K/V weight (fp32, transposed) and [3·hidden] bias of one layer. */
  qkvWeights(p: string): [string, string] {
    const H = this.c.hidden_size;
    const [blocks, bqkv] = this.qkvBlocks(p);
    return [this.weightT(`${p}.self.qkv.weight`, blocks, H, H), this.g.initFloat(`${p}.self.qkv.bias`, bqkv, [3 * H])];
  }

  /** MatMul without the bias (the fused ops add it), weight pre-transposed. */
  matmul(x: string, prefix: string, inDim: number, outDim: number): [string, string] {
    const xw = this.mm(x, `${prefix}.weight`, [this.w.get(`${prefix}.weight`, [outDim, inDim]).data as Float32Array], outDim, inDim);
    const B = this.g.initFloat(`${prefix}.bias`, this.w.get(`${prefix}.bias`, [outDim]).data as Float32Array, [outDim]);
    return [xw, B];
  }

  /** SkipLayerNormalization: LayerNorm(x + bias + residual) in one contrib op. */
  skipLayerNorm(x: string, residual: string, bias: string, prefix: string): string {
    const H = this.c.hidden_size;
    const gamma = this.g.initFloat(`${prefix}.weight`, this.w.get(`${prefix}.weight`, [H]).data as Float32Array, [H]);
    const beta = this.g.initFloat(`${prefix}.bias`, this.w.get(`${prefix}.bias`, [H]).data as Float32Array, [H]);
    return this.g.node("SkipLayerNormalization", [x, residual, gamma, beta, bias], { domain: MS_DOMAIN, attrs: { epsilon: { f: this.c.layer_norm_eps } }, hint: "skip_ln" })[0];
  }

  /** BertLayer with ORT's fused contrib ops (Attention, SkipLayerNormalization, BiasGelu / FastGelu). */
  fusedLayer(h: string, i: number): string {
    const { g, c } = this;
    const H = c.hidden_size;
    const p = `bert.encoder.layer.${i}`;
    const [W, B] = this.qkvWeights(`${p}.attention`);
    const attrs: Record<string, Attr> = { num_heads: c.num_attention_heads, mask_filter_value: { f: FLOAT32_MIN } };
    if (c.is_decoder) attrs.unidirectional = 1;
    const ctx = g.node("Attention", [h, W, B, this.maskI32!], { domain: MS_DOMAIN, attrs, hint: "attention" })[0]; // [batch, seq, hidden]
    const [o, ob] = this.matmul(ctx, `${p}.attention.output.dense`, H, H);
    const a = this.skipLayerNorm(o, h, ob, `${p}.attention.output.LayerNorm`);
    const [inter, ib] = this.matmul(a, `${p}.intermediate.dense`, H, c.intermediate_size);
    const act = g.node(c.hidden_act === "gelu" ? "BiasGelu" : "FastGelu", [inter, ib], { domain: MS_DOMAIN, hint: "gelu" })[0];
    const [out, outb] = this.matmul(act, `${p}.output.dense`, c.intermediate_size, H);
    return this.skipLayerNorm(out, a, outb, `${p}.output.LayerNorm`);
  }

  /** BertLayer: attention, then BertIntermediate + BertOutput. */
  layer(h: string, i: number, maskAdd: string, seqVec: string): [string, string] {
    const { c } = this;
    const [a, probs] = this.attention(h, i, maskAdd, seqVec);
    const p = `bert.encoder.layer.${i}`;
    const inter = activation(this.g, this.dense(a, `${p}.intermediate.dense`, c.hidden_size, c.intermediate_size), c.hidden_act);
    const out = this.dense(inter, `${p}.output.dense`, c.intermediate_size, c.hidden_size);
    return [this.layerNorm(this.g.op("Add", [out, a]), `${p}.output.LayerNorm`), probs];
  }

  pooler(seq: string): string {
    const first = this.g.op("Gather", [seq, this.g.constInt64([0], true)], { axis: 1 }, "cls_token"); // [batch, hidden]
    return this.g.op("Tanh", [this.dense(first, "bert.pooler.dense", this.c.hidden_size, this.c.hidden_size)], undefined, "pooled");
  }

  /** BertLMPredictionHead: transform (dense, act, LayerNorm) then the (tied) decoder. */
  lmHead(seq: string): string {
    const { g, c, w } = this;
    const H = c.hidden_size;
    const t = activation(g, this.dense(seq, "cls.predictions.transform.dense", H, H), c.hidden_act);
    const norm = this.layerNorm(t, "cls.predictions.transform.LayerNorm");
    let dec: Float32Array;
    if (w.has("cls.predictions.decoder.weight")) dec = w.get("cls.predictions.decoder.weight", [c.vocab_size, H]).data as Float32Array;
    else if (c.tie_word_embeddings) dec = w.get("bert.embeddings.word_embeddings.weight", [c.vocab_size, H]).data as Float32Array;
    else throw new Error(`${this.arch}: missing weight 'cls.predictions.decoder.weight' (config.tie_word_embeddings is false)`);
    // the decoder bias is `cls.predictions.bias` (tied); a checkpoint without it gets zeros, as HF initialises it
    const biasName = w.has("cls.predictions.bias") ? "cls.predictions.bias" : "cls.predictions.decoder.bias";
    const bias = w.has(biasName) ? (w.get(biasName, [c.vocab_size]).data as Float32Array) : new Float32Array(c.vocab_size);
    const xw = this.mm(norm, "cls.predictions.decoder.weight", [dec], c.vocab_size, H); // tied: shares the embedding initializer (fp32, "graph" mode)
    const B = g.initFloat("cls.predictions.bias", bias, [c.vocab_size]);
    return g.op("Add", [xw, B], undefined, "lm_logits"); // [batch, seq, vocab]
  }

  numLabels(prefix: string): number {
    const shape = this.w.get(`${prefix}.weight`).shape;
    return shape[0];
  }

  build(flags: GraphFlags): BuiltGraph {
    const { g, c, arch } = this;
    this.transposeMode = flags.transpose ?? "js";
    this.quant = resolveQuantize(flags.quantize);
    const B = "batch";
    const S = "sequence";
    const ids = g.input("input_ids", INT64, [B, S]);
    const mask = g.input("attention_mask", INT64, [B, S]);
    const types = g.input("token_type_ids", INT64, [B, S]);
    const seqVec = g.op("Shape", [ids], { start: 1, end: 2 }, "seq_len"); // [1] = [seq]
    this.fused =
      flags.fused !== false && !this.quant && !flags.output_attentions && c.position_embedding_type === "absolute" && (c.hidden_act === "gelu" || c.hidden_act === "gelu_new" || c.hidden_act === "gelu_pytorch_tanh");
    let maskAdd = "";
    if (this.fused) this.maskI32 = g.op("Cast", [mask], { to: INT32 }, "mask_i32"); // [batch, seq], 1 = attend
    else maskAdd = this.additiveMask(mask, seqVec);

    let h = this.embeddings(ids, types, seqVec);
    const hidden = [h];
    const attns: string[] = [];
    for (let i = 0; i < c.num_hidden_layers; i++) {
      if (this.fused) {
        h = this.fusedLayer(h, i);
      } else {
        const [next, probs] = this.layer(h, i, maskAdd, seqVec);
        h = next;
        attns.push(probs);
      }
      hidden.push(h);
    }
    const H = c.hidden_size;
    switch (arch) {
      case "BertModel":
        this.emit("last_hidden_state", h, [B, S, H]);
        if (this.w.has("bert.pooler.dense.weight")) this.emit("pooler_output", this.pooler(h), [B, H]);
        break;
      case "BertForPreTraining":
        this.emit("prediction_logits", this.lmHead(h), [B, S, c.vocab_size]);
        this.emit("seq_relationship_logits", this.dense(this.pooler(h), "cls.seq_relationship", H, 2), [B, 2]);
        break;
      case "BertForMaskedLM":
      case "BertLMHeadModel":
        this.emit("logits", this.lmHead(h), [B, S, c.vocab_size]);
        break;
      case "BertForNextSentencePrediction":
        this.emit("logits", this.dense(this.pooler(h), "cls.seq_relationship", H, 2), [B, 2]);
        break;
      case "BertForSequenceClassification":
      case "BertForMultipleChoice": {
        const n = this.numLabels("classifier");
        this.emit("logits", this.dense(this.pooler(h), "classifier", H, n), [B, n]);
        break;
      }
      case "BertForTokenClassification": {
        const n = this.numLabels("classifier");
        this.emit("logits", this.dense(h, "classifier", H, n), [B, S, n]);
        break;
      }
      case "BertForQuestionAnswering": {
        const logits = this.dense(h, "qa_outputs", H, 2); // [batch, seq, 2]
        const [s, e] = g.node("Split", [logits, g.constInt64([1, 1])], { outputs: 2, attrs: { axis: 2 } });
        this.emit("start_logits", g.op("Squeeze", [s, g.constInt64([2])]), [B, S]);
        this.emit("end_logits", g.op("Squeeze", [e, g.constInt64([2])]), [B, S]);
        break;
      }
    }
    if (flags.output_hidden_states) hidden.forEach((x, i) => this.emit(`hidden_states.${i}`, x, [B, S, H]));
    if (flags.output_attentions) attns.forEach((x, i) => this.emit(`attentions.${i}`, x, [B, c.num_attention_heads, S, S]));
    return { bytes: g.toBytes(`bertlab_${arch}`), outputs: this.outputs, fused: this.fused, quantize: this.quant };
  }
}

/**
 * Serialises the ONNX model of `architecture` with these weights. With `external`, every initializer of
 * 1 KB or more is written to that file as it is built (the model then refers to it), so lazy weights
 * (a checkpoint reader's tensors) are read, transposed and written one at a time.
 */
export function buildBertGraph(config: EngineBertConfig, weights: WeightsLike, architecture: string, flags: GraphFlags, external?: ExternalData): BuiltGraph {
  if (!(ARCHITECTURES as readonly string[]).includes(architecture)) {
    throw new Error(`ONNX engine: architecture '${architecture}' is not supported; expected one of ${ARCHITECTURES.join(", ")}`);
  }
  if (config.add_cross_attention) {
    throw new Error(`ONNX engine: config.add_cross_attention=true (encoder-decoder cross-attention) is not supported; use the tfjs engine`);
  }
  return new BertGraph(config, weights, architecture as Architecture, external).build(flags);
}
