// Head importance (Michel et al. 2019, "Are Sixteen Heads Really Better than One?"), as HF's bertology
// example computes it: I_h = Σ_batches |∂loss/∂head_mask_h| / (number of attended tokens), then each
// layer's scores divided by their L2 norm, then min–max scaled over all heads. Also the mean attention
// entropy per head over the same data. (HF's script never zeroes head_mask.grad between batches, so
// it sums running totals; this sums each batch's own |gradient|, the paper's definition.)
import { tf } from "../backend";
import type { BertInputs, BertPreTrainedModel } from "../models";
import { in_eval } from "./common";

/** Options of head_importance (Michel et al. 2019, |∂loss/∂head mask|): normalisation and progress. */
export interface HeadImportanceOptions {
  /** Divide each layer by its L2 norm (default true). */
  normalize_by_layer?: boolean;
  /** Min–max scale over all heads to [0, 1] (default true). */
  normalize_global?: boolean;
  /** Called after each batch with (done, total). */
  progress?: (done: number, total: number) => void;
}

/** head_importance's result: [layers][heads] importance (normalised and raw) and mean attention entropy (Michel et al. 2019). */
export interface HeadImportanceResult {
  /** [layers][heads] importance (normalised as asked). */
  importance: number[][];
  /** [layers][heads] importance before normalisation (Σ|∂loss/∂mask| / tokens). */
  raw: number[][];
  /** [layers][heads] mean attention entropy (nats) over the attended query tokens. */
  entropy: number[][];
  tokens: number;
}

/** `dataset`: batches of model inputs with labels (the model must return a loss). */
export function head_importance(model: BertPreTrainedModel, dataset: BertInputs[], options: HeadImportanceOptions = {}): HeadImportanceResult {
  const L = model.config.num_hidden_layers;
  const H = model.config.num_attention_heads;
  if (Object.values(model.config.pruned_heads).some((h) => h.length)) throw new Error("head_importance: the model has pruned heads; compute importance before prune_heads");
  if (!Array.isArray(dataset) || dataset.length === 0) throw new Error("head_importance: dataset must be a non-empty list of input batches with labels");
  const importance = Array.from({ length: L }, () => new Array<number>(H).fill(0));
  const entropy = Array.from({ length: L }, () => new Array<number>(H).fill(0));
  let tokens = 0;
  dataset.forEach((batch, bi) => {
    let ent: tf.Tensor | null = null; // [L, H], kept out of grad's tidy
    const [grad, n] = tf.tidy(() => {
      const am = query_mask(batch);
      const g = tf.grad((m: tf.Tensor) => {
        const out = in_eval(model, () => model.forward({ ...batch, head_mask: m, output_attentions: true })) as { loss?: tf.Scalar; attentions: tf.Tensor4D[] };
        if (!out.loss) throw new Error(`head_importance: batch ${bi} gave no loss; include labels`);
        const mask = am ?? tf.ones([out.attentions[0].shape[0], out.attentions[0].shape[2]]); // [b, s]
        ent = tf.keep(tf.stack(out.attentions.map((p) => entropy_sum(p, mask)))); // [L, H]
        return out.loss;
      })(tf.ones([L, H]));
      return [tf.abs(g), am ? tf.sum(am) : tf.scalar(ent_rows(batch))];
    });
    const ga = grad.arraySync() as number[][];
    const ea = ent!.arraySync() as number[][];
    tokens += n.dataSync()[0];
    tf.dispose([grad, ent!, n]);
    for (let l = 0; l < L; l++) for (let h = 0; h < H; h++) { importance[l][h] += ga[l][h]; entropy[l][h] += ea[l][h]; }
    options.progress?.(bi + 1, dataset.length);
  });
  const raw = importance.map((r) => r.map((v) => v / tokens));
  let imp = raw.map((r) => r.slice());
  if (options.normalize_by_layer ?? true) {
    imp = imp.map((r) => {
      const norm = Math.sqrt(r.reduce((a, b) => a + b * b, 0));
      return r.map((v) => v / (norm + 1e-20));
    });
  }
  if (options.normalize_global ?? true) {
    const flat = imp.flat();
    const mn = Math.min(...flat);
    const mx = Math.max(...flat);
    imp = imp.map((r) => r.map((v) => (mx > mn ? (v - mn) / (mx - mn) : 0)));
  }
  return { importance: imp, raw, entropy: entropy.map((r) => r.map((v) => v / tokens)), tokens };
}

/** The batch's attention_mask as float [b, s], or null when absent (every token attends). */
function query_mask(batch: BertInputs): tf.Tensor2D | null {
  if (batch.attention_mask == null) return null;
  const m = batch.attention_mask instanceof tf.Tensor ? batch.attention_mask.toFloat() : tf.tensor(batch.attention_mask as number[][], undefined, "float32");
  return (m.rank === 1 ? m.expandDims(0) : m) as tf.Tensor2D;
}

/** Tokens in a batch without attention_mask: batch × seq of its input_ids. */
function ent_rows(batch: BertInputs): number {
  const ids = batch.input_ids instanceof tf.Tensor ? batch.input_ids.shape : tf.tidy(() => tf.tensor(batch.input_ids as number[][]).shape);
  return ids.length === 1 ? ids[0] : ids[0] * ids[1];
}

/** Σ over batch and attended queries of −Σ_k p log p, per head: [heads]. p: [b, h, q, k], mask: [b, q]. */
function entropy_sum(p: tf.Tensor4D, mask: tf.Tensor): tf.Tensor1D {
  const plogp = tf.where(tf.greater(p, 0), tf.mul(p, tf.log(p)), tf.zerosLike(p));
  const e = tf.neg(tf.sum(plogp, -1)); // [b, h, q]
  return tf.sum(tf.mul(e, mask.expandDims(1)), [0, 2]) as tf.Tensor1D; // [h]
}
