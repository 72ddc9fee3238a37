// MLM loss computed only where labels != -100: the encoder runs on every token, but the LM head
// (transform + the [hidden → vocab] decoder, the largest matmul of a small BERT) runs on the ~15%
// masked rows only. Same value as the model's own loss (mean cross-entropy over the labelled
// positions, + NSP for BertForPreTraining), far less work for a large vocabulary. Plug it into the
// Trainer with `new Trainer({ ..., compute_loss: masked_lm_loss })`.
import { tf } from "../backend";
import { cross_entropy } from "../nn/losses";
import { with_engine } from "../engines/sync/forward";
import { with_vocab_logits } from "../models/bert/memory";

type Forward = { forward(x: tf.Tensor): tf.Tensor };

/** The module tree this needs: HF's `bert` + `cls.predictions` (+ `cls.seq_relationship` for pretraining). */
export interface MaskedLMModelLike {
  bert: { forward(inputs: object): object };
  cls: { predictions: Forward; seq_relationship?: Forward };
}

/** The rows of a labels tensor [batch, seq] that get vocabulary logits under masked_lm_loss (label ≠ -100). */
export interface LabelledPositions {
  /** Flat indices into [batch·seq], ascending. */
  positions: number[];
  /** The label at each of those positions. */
  targets: number[];
}

/**
 * Where labels ≠ -100 (read from the tensor's values: host data the collator just uploaded). Its
 * `positions.length` is the number of rows the MLM decoder runs on under masked_lm_loss — the size of
 * its [rows, vocab] logits and of their gradient (the model's own loss computes batch·seq rows).
 * @example
 * ```ts
 * labelled_positions(tf.tensor2d([[-100, 7, -100], [3, -100, -100]], undefined, "int32")) // { positions: [1, 3], targets: [7, 3] }
 * ```
 */
export function labelled_positions(labels: tf.Tensor): LabelledPositions {
  const flat = labels.dataSync();
  const positions: number[] = [];
  const targets: number[] = [];
  for (let i = 0; i < flat.length; i++) {
    if (flat[i] !== -100) {
      positions.push(i);
      targets.push(flat[i]);
    }
  }
  return { positions, targets };
}

/** A batch with MLM `labels` [batch, seq] (-100 = not predicted) and, for pretraining, `next_sentence_label` [batch]. */
export function masked_lm_loss(model: MaskedLMModelLike, inputs: Record<string, tf.Tensor>): tf.Scalar {
  const { labels, next_sentence_label, ...rest } = inputs;
  if (!model?.bert || !model.cls?.predictions) {
    throw new Error("masked_lm_loss: the model needs `bert` and `cls.predictions` (BertForMaskedLM or BertForPreTraining)");
  }
  if (!(labels instanceof tf.Tensor)) throw new Error("masked_lm_loss: the batch has no `labels` tensor (use DataCollatorForLanguageModeling)");
  const nsp = model.cls.seq_relationship && next_sentence_label instanceof tf.Tensor;
  const { positions, targets } = labelled_positions(labels);
  return tf.tidy(() => {
    // on tfjs, as the model's own forward with labels: in eval mode (Trainer.evaluate) engine "auto" would
    // otherwise load onnxruntime and compile the encoder anew after every weight update (~120 MB of RSS);
    // the step's memory check counts vocabulary logits for these positions only
    const out = with_vocab_logits(positions.length, () => with_engine(model.bert, "tfjs", () => model.bert.forward(rest))) as { last_hidden_state: tf.Tensor; pooler_output?: tf.Tensor };
    const h = out.last_hidden_state; // [batch, seq, hidden]
    const rows = h.reshape([-1, h.shape[h.rank - 1]]); // [batch*seq, hidden]
    const picked = tf.gather(rows, tf.tensor1d(positions, "int32")); // [n_masked, hidden]
    const logits = model.cls.predictions.forward(picked); // [n_masked, vocab]
    let loss = cross_entropy(logits, tf.tensor1d(targets, "int32"));
    if (nsp) {
      if (!out.pooler_output) throw new Error("masked_lm_loss: next_sentence_label given but the model's bert has no pooler");
      const seq = model.cls.seq_relationship!.forward(out.pooler_output); // [batch, 2]
      loss = tf.add(loss, cross_entropy(seq, next_sentence_label)) as tf.Scalar;
    }
    return loss;
  });
}
