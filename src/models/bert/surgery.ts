// Model surgery shared by every BERT model (HF PreTrainedModel methods): prune_heads, the word
// embeddings' getter / setter, and resize_token_embeddings with HF 4.31's rules (old rows kept, new rows
// normal(0, initializer_range), the MLM decoder kept tied and its bias zero-padded, config.vocab_size updated).
import { tf } from "../../backend";
import { default_generator, Embedding, Module } from "../../nn";
import type { BertConfig } from "./configuration_bert";
import type { BertEncoder } from "./encoder";
import type { BertLMPredictionHead } from "./heads";

/** What surgery needs of a model: its config and its modules by HF path. */
export interface SurgeryModel extends Module {
  readonly config: BertConfig;
}

function base_prefix(model: Module): string {
  return model.named_modules().some(([p]) => p === "bert") ? "bert." : "";
}

function module_at<T extends Module>(model: Module, path: string): T | null {
  const hit = model.named_modules().find(([p]) => p === path);
  return (hit ? hit[1] : null) as T | null;
}

export function input_embeddings(model: Module): Embedding {
  const e = module_at<Embedding>(model, `${base_prefix(model)}embeddings.word_embeddings`);
  if (!e) throw new Error(`${model.constructor.name} has no word embeddings`);
  return e;
}

/** The MLM head's predictions module (cls.predictions), or null for models without one. */
export function lm_predictions(model: Module): BertLMPredictionHead | null {
  return module_at<BertLMPredictionHead>(model, "cls.predictions");
}

/** HF `prune_heads({ layer: [heads] })`: shrinks the layers and records the union in config.pruned_heads. */
export function prune_heads(model: SurgeryModel, heads_to_prune: Record<number | string, number[]>): void {
  const encoder = module_at<BertEncoder>(model, `${base_prefix(model)}encoder`)!;
  for (const [key, heads] of Object.entries(heads_to_prune)) {
    const layer = Number(key);
    if (!(Number.isInteger(layer) && layer >= 0 && layer < encoder.layer.length)) {
      throw new Error(`prune_heads: layer ${key} is out of range 0..${encoder.layer.length - 1}`);
    }
    if (!Array.isArray(heads)) throw new Error(`prune_heads: heads for layer ${key} must be a list of head indices, got ${JSON.stringify(heads)}`);
    encoder.layer[layer].attention.prune_heads(heads);
    const union = new Set([...(model.config.pruned_heads[String(layer)] ?? []), ...heads]);
    model.config.pruned_heads[String(layer)] = [...union];
  }
}

/** Copies `value`'s table into the model's word embeddings (its shape may differ) and keeps the decoder tied. */
export function set_input_embeddings(model: SurgeryModel, value: Embedding | tf.Tensor): void {
  const emb = input_embeddings(model);
  const table = value instanceof Embedding ? value.weight : value; // [vocab, hidden]
  if (table.rank !== 2 || table.shape[1] !== emb.embedding_dim) {
    throw new Error(`set_input_embeddings: expected a [vocab, ${emb.embedding_dim}] table, got [${table.shape}]`);
  }
  emb.replace_parameter("weight", table);
  emb.num_embeddings = table.shape[0];
  retie_decoder(model, table.shape[0]);
}

function retie_decoder(model: SurgeryModel, vocab: number): void {
  const pred = lm_predictions(model);
  if (!pred || !model.config.tie_word_embeddings) return;
  pred.decoder.retie_parameter("weight");
  pred.decoder.out_features = vocab;
  resize_bias(pred, vocab);
}

/** HF's _tie_or_clone_weights: the decoder bias is zero-padded (or cut) to the new vocabulary. */
function resize_bias(pred: BertLMPredictionHead, vocab: number): void {
  const bias = pred.param("bias"); // [old]
  if (bias.shape[0] === vocab) return;
  tf.tidy(() => {
    const kept = bias.slice(0, Math.min(vocab, bias.shape[0]));
    pred.replace_parameter("bias", vocab > kept.shape[0] ? tf.concat([kept, tf.zeros([vocab - kept.shape[0]])]) : kept);
  });
  pred.decoder.retie_parameter("bias");
}

/** A [new, cols] table: rows from normal(0, std) (HF's _init_weights), the first min(old, new) copied from `old`. */
function resized_rows(old: tf.Tensor2D, rows: number, std: number): tf.Tensor2D {
  const [n, cols] = old.shape;
  const keep = Math.min(n, rows);
  const data = default_generator.normal_array(rows * cols, 0, std);
  data.set((old.dataSync() as Float32Array).subarray(0, keep * cols));
  return tf.tensor2d(data, [rows, cols]);
}

/**
 * HF 4.31 `resize_token_embeddings(new_num_tokens, pad_to_multiple_of)`: returns the word embeddings,
 * resized when the size changes. Seed new rows with `manual_seed`.
 */
export function resize_token_embeddings(model: SurgeryModel, new_num_tokens?: number | null, pad_to_multiple_of?: number | null): Embedding {
  const emb = input_embeddings(model);
  if (new_num_tokens == null && pad_to_multiple_of == null) return emb;
  let n = new_num_tokens ?? emb.num_embeddings;
  if (!(Number.isInteger(n) && n > 0)) throw new Error(`resize_token_embeddings: new_num_tokens must be a positive integer, got ${new_num_tokens}`);
  if (pad_to_multiple_of != null) {
    if (!(Number.isInteger(pad_to_multiple_of) && pad_to_multiple_of > 0)) throw new Error(`resize_token_embeddings: pad_to_multiple_of must be a positive integer, got ${pad_to_multiple_of}`);
    n = Math.ceil(n / pad_to_multiple_of) * pad_to_multiple_of;
  }
  if (n !== emb.num_embeddings) {
    const std = model.config.initializer_range;
    const table = resized_rows(emb.weight as tf.Tensor2D, n, std);
    emb.replace_parameter("weight", table);
    table.dispose();
    emb.num_embeddings = n;
    const pred = lm_predictions(model);
    if (pred && !model.config.tie_word_embeddings) {
      // an untied decoder is resized like the embeddings (HF _get_resized_lm_head)
      const w = resized_rows(pred.decoder.weight as tf.Tensor2D, n, std);
      pred.decoder.replace_parameter("weight", w);
      w.dispose();
      pred.decoder.out_features = n;
      resize_bias(pred, n);
    } else {
      retie_decoder(model, n);
    }
  }
  model.config.vocab_size = n;
  return emb;
}
