// One training step of a Hugging Face BERT as one ONNX graph: forward, the hand-derived backward
// (./train_tape), gradient clipping and torch.optim.AdamW — weights and Adam moments go in as graph
// inputs and come out updated. Heads: BertForMaskedLM (the LM head runs on the masked rows only:
// `mlm_positions` are flat indices b·seq + s, `mlm_labels` their token ids — the same loss as HF's
// cross-entropy over every position with ignore_index -100), BertForPreTraining (+ NSP) and
// BertForSequenceClassification (single-label). Parameters keep their HF names and PyTorch layouts.
import { EngineBertConfig, ResolvedConfig, resolveConfig } from "./config";
import { Dim, FLOAT, GraphBuilder, INT64 } from "./graph";
import { Tape } from "./train_tape";

/**
 * The heads the ONNX train graph covers (TrainingArguments' `train_engine: "onnx"`).
 */
export const TRAIN_ARCHITECTURES = ["BertForMaskedLM", "BertForPreTraining", "BertForSequenceClassification"] as const;
/** The heads the ONNX training graph supports (one of TRAIN_ARCHITECTURES). */
export type TrainArchitecture = (typeof TRAIN_ARCHITECTURES)[number];

/** Dropout probabilities of the training graph (0 everywhere: no Dropout node). */
export interface TrainDropout {
  hidden: number;
  attention: number;
  classifier: number;
}

/** Options of buildTrainGraph (the ONNX training graph): head, labels, dropout, whether it steps AdamW or returns gradients, clipping. */
export interface TrainGraphOptions {
  architecture: string;
  /** SequenceClassification: number of labels (from the classifier weight). */
  num_labels?: number;
  dropout?: Partial<TrainDropout>;
  /** Dropout seed of the first node (each node adds its index). */
  seed?: number;
  /** "step" (default): outputs updated weights and moments; "grads": outputs the gradients, no optimizer. */
  mode?: "step" | "grads";
  /** Index of each parameter's AdamW group (default 0); one `adamw.<g>` input per group. */
  group_of?: (name: string) => number;
  /** Clip the global gradient norm to the `max_grad_norm` input (torch.nn.utils.clip_grad_norm_). */
  clip?: boolean;
}

export interface ParamSpec {
  name: string;
  shape: number[];
}

export interface BuiltTrainGraph {
  bytes: Uint8Array;
  params: ParamSpec[];
  groups: number;
  /** Names of the int64 batch inputs the graph takes. */
  batch_inputs: string[];
  /** Extra outputs: mlm_loss, mlm_predictions ([masked] ids), nsp_loss, nsp_predictions ([batch]) where the head has them. */
  details: string[];
}

/** Order of the eight scalars of an `adamw.<group>` input. */
export const ADAMW_SCALARS = ["decay", "beta1", "one_minus_beta1", "beta2", "one_minus_beta2", "step_scale", "eps_scaled"] as const;

const FLOAT32_MIN = -3.4028234663852886e38;

class TrainGraph {
  readonly g = new GraphBuilder();
  readonly t: Tape;
  readonly c: ResolvedConfig;
  readonly params: ParamSpec[] = [];
  readonly drop: TrainDropout;

  constructor(config: EngineBertConfig, readonly arch: TrainArchitecture, readonly o: TrainGraphOptions) {
    this.c = resolveConfig(config);
    const c = this.c;
    if (!["absolute", "relative_key", "relative_key_query"].includes(c.position_embedding_type)) throw new Error(`ONNX training: config.position_embedding_type='${c.position_embedding_type}' is not supported; expected 'absolute', 'relative_key' or 'relative_key_query'`);
    if (c.hidden_act !== "gelu") throw new Error(`ONNX training: config.hidden_act='${c.hidden_act}' is not supported; expected 'gelu' (use the tfjs engine)`);
    if (c.is_decoder || c.add_cross_attention) throw new Error("ONNX training: decoders (is_decoder / add_cross_attention) are not supported; use the tfjs engine");
    this.t = new Tape(this.g, o.seed ?? 0);
    this.drop = { hidden: 0, attention: 0, classifier: 0, ...o.dropout };
  }

  /** Extra outputs of the pre-training heads: per-head losses and argmax predictions (for accuracy logs). */
  readonly details: string[] = [];
  detail(name: string, x: string, elemType: number, shape: Dim[] = []): void {
    this.g.op("Identity", [x], undefined, undefined, name);
    this.g.output(name, elemType, shape);
    this.details.push(name);
  }

  /** A weight as a graph input named after its HF key. */
  param(name: string, shape: number[]): string {
    this.params.push({ name, shape });
    return this.g.input(name, FLOAT, shape);
  }

  linear(x: string, prefix: string, inDim: number, outDim: number): string {
    return this.t.linear(x, this.param(`${prefix}.weight`, [outDim, inDim]), this.param(`${prefix}.bias`, [outDim]));
  }

  layerNorm(x: string, prefix: string): string {
    const H = this.c.hidden_size;
    return this.t.layerNorm(x, this.param(`${prefix}.weight`, [H]), this.param(`${prefix}.bias`, [H]), this.c.layer_norm_eps);
  }

  /** BertEmbeddings: word + token type + position → LayerNorm → dropout; [N, H]. */
  embeddings(ids: string, types: string, seqVec: string): string {
    const { t, c } = this;
    const H = c.hidden_size;
    const word = this.param("bert.embeddings.word_embeddings.weight", [c.vocab_size, H]);
    const type = this.param("bert.embeddings.token_type_embeddings.weight", [c.type_vocab_size, H]);
    this.wordEmbeddings = word;
    const sum = t.add(t.embedding(word, ids, c.vocab_size, H), t.embedding(type, types, c.type_vocab_size, H)); // [B, S, H]
    // relative positions enter in the attention scores instead (HF keeps the unused absolute table in the checkpoint)
    const withPos = c.position_embedding_type !== "absolute" ? sum
      : t.addBroadcastRows(sum, t.firstRows(this.param("bert.embeddings.position_embeddings.weight", [c.max_position_embeddings, H]), seqVec, c.max_position_embeddings));
    return t.dropout(this.layerNorm(t.reshape(withPos, this.g.constInt64([-1, H])), "bert.embeddings.LayerNorm"), this.drop.hidden);
  }
  private wordEmbeddings = "";

  /** BertLayer on rows [N, H]. */
  layer(h: string, i: number, maskAdd: string, bshd: string): string {
    const { t, c } = this;
    const H = c.hidden_size;
    const p = `bert.encoder.layer.${i}`;
    // Q, K and V as one Gemm: their [H, H] weights and biases joined in the graph (the backward splits them)
    const ws = ["query", "key", "value"].map((m) => this.param(`${p}.attention.self.${m}.weight`, [H, H]));
    const bs = ["query", "key", "value"].map((m) => this.param(`${p}.attention.self.${m}.bias`, [H]));
    const W = t.concat(ws, 0, [H, H, H]); // [3H, H]
    const B = t.concat(bs, 0, [H, H, H]); // [3H]
    const qkv = t.linear(h, W, B); // [N, 3H]
    const d = H / c.num_attention_heads;
    const P = c.max_position_embeddings;
    const rel = c.position_embedding_type === "absolute" ? undefined
      : { table: this.param(`${p}.attention.self.distance_embedding.weight`, [2 * P - 1, d]), P, headDim: d, keyQuery: c.position_embedding_type === "relative_key_query" };
    const ctx = t.attentionCore(qkv, maskAdd, bshd, H, d, this.drop.attention, rel); // [N, H]
    const a = this.layerNorm(t.add(t.dropout(this.linear(ctx, `${p}.attention.output.dense`, H, H), this.drop.hidden), h), `${p}.attention.output.LayerNorm`);
    const inter = t.gelu(this.linear(a, `${p}.intermediate.dense`, H, c.intermediate_size)); // [N, I]
    const out = t.dropout(this.linear(inter, `${p}.output.dense`, c.intermediate_size, H), this.drop.hidden);
    return this.layerNorm(t.add(out, a), `${p}.output.LayerNorm`);
  }

  pooler(seq: string, bsh: string, seqVec: string): string {
    const H = this.c.hidden_size;
    const first = this.t.firstToken(this.t.reshape(seq, bsh), seqVec); // [B, H]
    return this.t.tanh(this.linear(first, "bert.pooler.dense", H, H));
  }

  /** BertLMPredictionHead on the masked rows: transform, then the decoder tied to the word embeddings. */
  lmHead(rows: string): string {
    const { t, c } = this;
    const H = c.hidden_size;
    const norm = this.layerNorm(t.gelu(this.linear(rows, "cls.predictions.transform.dense", H, H)), "cls.predictions.transform.LayerNorm");
    const dec = c.tie_word_embeddings ? this.wordEmbeddings : this.param("cls.predictions.decoder.weight", [c.vocab_size, H]);
    return t.linear(norm, dec, this.param("cls.predictions.bias", [c.vocab_size])); // [M, vocab]
  }

  build(): BuiltTrainGraph {
    const { g, t, c, arch, o } = this;
    const H = c.hidden_size;
    const ids = g.input("input_ids", INT64, ["batch", "sequence"]);
    const mask = g.input("attention_mask", INT64, ["batch", "sequence"]);
    const types = g.input("token_type_ids", INT64, ["batch", "sequence"]);
    const batchInputs = ["input_ids", "attention_mask", "token_type_ids"];
    const bsVec = g.op("Shape", [ids], undefined, "batch_seq"); // [2] = [B, S]
    const seqVec = g.op("Shape", [ids], { start: 1, end: 2 }, "seq_len"); // [1] = [S]
    const bshd = g.op("Concat", [bsVec, g.constInt64([c.num_attention_heads, H / c.num_attention_heads])], { axis: 0 }); // [B, S, nh, d]
    const bsh = g.op("Concat", [bsVec, g.constInt64([H])], { axis: 0 }); // [B, S, H]
    const m = g.op("Unsqueeze", [g.op("Cast", [mask], { to: FLOAT }), g.constInt64([1, 2])]); // [B, 1, 1, S]
    const maskAdd = g.op("Mul", [g.op("Sub", [g.constFloat(1), m]), g.constFloat(FLOAT32_MIN)], undefined, "mask_add");

    let h = this.embeddings(ids, types, seqVec);
    for (let i = 0; i < c.num_hidden_layers; i++) h = this.layer(h, i, maskAdd, bshd);

    let loss: string;
    if (arch === "BertForSequenceClassification") {
      const n = o.num_labels ?? 2;
      const labels = g.input("labels", INT64, ["batch"]);
      batchInputs.push("labels");
      const pooled = t.dropout(this.pooler(h, bsh, seqVec), this.drop.classifier);
      loss = t.crossEntropy(this.linear(pooled, "classifier", H, n), labels);
    } else {
      const positions = g.input("mlm_positions", INT64, ["masked"]);
      const mlmLabels = g.input("mlm_labels", INT64, ["masked"]);
      batchInputs.push("mlm_positions", "mlm_labels");
      // the pooler's parameters come before the heads' in HF's order
      const pooled = arch === "BertForPreTraining" ? this.pooler(h, bsh, seqVec) : null;
      const mlmLogits = this.lmHead(t.gatherRows(h, positions)); // [M, vocab]
      loss = t.crossEntropy(mlmLogits, mlmLabels);
      this.detail("mlm_loss", loss, FLOAT);
      this.detail("mlm_predictions", g.op("ArgMax", [mlmLogits], { axis: -1, keepdims: 0 }), INT64, ["masked"]);
      if (pooled) {
        const nsp = g.input("next_sentence_label", INT64, ["batch"]);
        batchInputs.push("next_sentence_label");
        const nspLogits = this.linear(pooled, "cls.seq_relationship", H, 2); // [B, 2]
        const nspLoss = t.crossEntropy(nspLogits, nsp);
        this.detail("nsp_loss", nspLoss, FLOAT);
        this.detail("nsp_predictions", g.op("ArgMax", [nspLogits], { axis: -1, keepdims: 0 }), INT64, ["batch"]);
        loss = t.addScalars(loss, nspLoss);
      }
    }
    g.op("Identity", [loss], undefined, undefined, "loss");
    g.output("loss", FLOAT, []);
    t.backward(loss);
    const details = this.details;

    const grads = this.params.map((p) => {
      const d = t.gradOf(p.name);
      if (!d) throw new Error(`ONNX training graph: no gradient reaches '${p.name}' (internal error)`);
      return d;
    });
    if (o.mode === "grads") {
      this.params.forEach((p, i) => {
        g.op("Identity", [grads[i]], undefined, undefined, `grad.${p.name}`);
        g.output(`grad.${p.name}`, FLOAT, p.shape);
      });
      return { bytes: g.toBytes(`bertlab_${arch}_grads`), params: this.params, groups: 0, batch_inputs: batchInputs, details };
    }
    const groups = this.adamw(grads);
    return { bytes: g.toBytes(`bertlab_${arch}_train_step`), params: this.params, groups, batch_inputs: batchInputs, details };
  }

  /**
   * Global gradient norm (an output, as HF logs it), clipping folded into the moment updates, and
   * torch.optim.AdamW's single-tensor update:
   *   p ← p·(1 − lr·wd);  m ← β1·m + (1 − β1)·g;  v ← β2·v + (1 − β2)·g·g;
   *   p ← p − lr / (1 − β1ᵗ) · m / (√v / √(1 − β2ᵗ) + ε)
   * written as p·decay + step_scale · m / (√v + eps_scaled), with step_scale = −lr·√(1 − β2ᵗ) / (1 − β1ᵗ)
   * and eps_scaled = ε·√(1 − β2ᵗ) (the same value, one division fewer): 12 passes over each weight.
   */
  adamw(grads: string[]): number {
    const { g, o } = this;
    const sq = grads.map((d) => g.op("ReduceSumSquare", [d], { keepdims: 0 }));
    const norm = g.op("Sqrt", [g.op("Sum", sq)], undefined, "grad_norm");
    g.op("Identity", [norm], undefined, undefined, "grad_norm");
    g.output("grad_norm", FLOAT, []);
    let coef: string | null = null;
    if (o.clip) {
      const maxNorm = g.input("max_grad_norm", FLOAT, []);
      // torch: clip_coef = max_norm / (total_norm + 1e-6), clamped to at most 1
      coef = g.op("Min", [g.op("Div", [maxNorm, g.op("Add", [norm, g.constFloat(1e-6)])]), g.constFloat(1)], undefined, "clip_coef");
    }
    const groupOf = o.group_of ?? (() => 0);
    type Scalars = Record<(typeof ADAMW_SCALARS)[number], string>;
    const scalars = new Map<number, Scalars>();
    const group = (gi: number): Scalars => {
      let s = scalars.get(gi);
      if (!s) {
        const vec = g.input(`adamw.${gi}`, FLOAT, [ADAMW_SCALARS.length]);
        s = Object.fromEntries(ADAMW_SCALARS.map((k, j) => [k, g.op("Gather", [vec, g.constInt64([j], true)], undefined, k)])) as Scalars;
        if (coef) {
          // clipping scales g: fold coef into (1 − β1) and coef² into (1 − β2)
          s.one_minus_beta1 = g.op("Mul", [s.one_minus_beta1, coef]);
          s.one_minus_beta2 = g.op("Mul", [s.one_minus_beta2, g.op("Mul", [coef, coef])]);
        }
        scalars.set(gi, s);
      }
      return s;
    };
    this.params.forEach((p, i) => {
      const gi = groupOf(p.name);
      if (!Number.isInteger(gi) || gi < 0) throw new Error(`ONNX training: group_of('${p.name}') = ${gi}; expected a group index ≥ 0`);
      const s = group(gi);
      const d = grads[i];
      const m = g.input(`exp_avg.${p.name}`, FLOAT, p.shape);
      const v = g.input(`exp_avg_sq.${p.name}`, FLOAT, p.shape);
      const m1 = g.op("Add", [g.op("Mul", [m, s.beta1]), g.op("Mul", [d, s.one_minus_beta1])], undefined, "exp_avg", `updated.exp_avg.${p.name}`);
      const v1 = g.op("Add", [g.op("Mul", [v, s.beta2]), g.op("Mul", [g.op("Mul", [d, d]), s.one_minus_beta2])], undefined, "exp_avg_sq", `updated.exp_avg_sq.${p.name}`);
      const denom = g.op("Add", [g.op("Sqrt", [v1]), s.eps_scaled]);
      const step = g.op("Mul", [g.op("Div", [m1, denom]), s.step_scale]);
      g.op("Add", [g.op("Mul", [p.name, s.decay]), step], undefined, "param", `updated.${p.name}`);
      for (const name of [`updated.${p.name}`, `updated.exp_avg.${p.name}`, `updated.exp_avg_sq.${p.name}`]) g.output(name, FLOAT, p.shape);
    });
    return Math.max(...scalars.keys()) + 1;
  }
}

/** Serialises the training-step graph of `architecture` for `config`. */
export function buildTrainGraph(config: EngineBertConfig, options: TrainGraphOptions): BuiltTrainGraph {
  if (!(TRAIN_ARCHITECTURES as readonly string[]).includes(options.architecture)) {
    throw new Error(`ONNX training: architecture '${options.architecture}' is not supported; expected one of ${TRAIN_ARCHITECTURES.join(", ")}`);
  }
  return new TrainGraph(config, options.architecture as TrainArchitecture, options).build();
}
