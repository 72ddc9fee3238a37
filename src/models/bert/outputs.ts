// Output records of the BERT models: plain objects of tfjs tensors with Hugging Face field names (type aliases, not
// interfaces, so a record is a tf.TensorContainer: `const out = tf.tidy(() => model(inputs))` type-checks).
// The caller owns every tensor in a record; `dispose_output(out)` frees them all.
import { tf } from "../../backend";

/** Per layer: [self key, self value] (+ [cross key, cross value] with cross-attention), each [batch, heads, seq, head_size]. */
export type PastKeyValues = tf.Tensor4D[][];

/** BertModel's output record (Python: `BaseModelOutputWithPoolingAndCrossAttentions`): last_hidden_state, pooler_output, hidden_states?, attentions?. */
export type BertModelOutput = {
  last_hidden_state: tf.Tensor3D; // [batch, seq, hidden]
  pooler_output?: tf.Tensor2D; // [batch, hidden]
  hidden_states?: tf.Tensor3D[]; // num_hidden_layers + 1, embeddings first
  attentions?: tf.Tensor4D[]; // [batch, heads, seq, seq] softmax probabilities
  cross_attentions?: tf.Tensor4D[]; // [batch, heads, seq, encoder_seq]
  past_key_values?: PastKeyValues;
};

type CommonOutput = {
  loss?: tf.Scalar;
  hidden_states?: tf.Tensor3D[];
  attentions?: tf.Tensor4D[];
};

/** BertForPreTraining's output record (Python: `BertForPreTrainingOutput`): prediction_logits, seq_relationship_logits, loss with both labels. */
export type BertForPreTrainingOutput = CommonOutput & {
  prediction_logits: tf.Tensor3D; // [batch, seq, vocab]
  seq_relationship_logits: tf.Tensor2D; // [batch, 2]
};

/** BertForMaskedLM's output record (Python: `MaskedLMOutput`): logits [batch, seq, vocab], loss with labels. */
export type MaskedLMOutput = CommonOutput & {
  logits: tf.Tensor3D; // [batch, seq, vocab]
};

/** BertLMHeadModel's output record (Python: `CausalLMOutputWithCrossAttentions`): logits, past_key_values with use_cache, loss with labels. */
export type CausalLMOutputWithCrossAttentions = CommonOutput & {
  logits: tf.Tensor3D; // [batch, seq, vocab]
  past_key_values?: PastKeyValues;
  cross_attentions?: tf.Tensor4D[];
};

/** BertForNextSentencePrediction's output record (Python: `NextSentencePredictorOutput`): logits [batch, 2], loss with labels. */
export type NextSentencePredictorOutput = CommonOutput & {
  logits: tf.Tensor2D; // [batch, 2]
};

/** BertForSequenceClassification's output record (Python: `SequenceClassifierOutput`): logits [batch, num_labels], loss with labels. */
export type SequenceClassifierOutput = CommonOutput & {
  logits: tf.Tensor2D; // [batch, num_labels]
};

/** BertForMultipleChoice's output record (Python: `MultipleChoiceModelOutput`): logits [batch, num_choices], loss with labels. */
export type MultipleChoiceModelOutput = CommonOutput & {
  logits: tf.Tensor2D; // [batch, num_choices]
};

/** BertForTokenClassification's output record (Python: `TokenClassifierOutput`): logits [batch, seq, num_labels], loss with labels. */
export type TokenClassifierOutput = CommonOutput & {
  logits: tf.Tensor3D; // [batch, seq, num_labels]
};

/** BertForQuestionAnswering's output record (Python: `QuestionAnsweringModelOutput`): start_logits, end_logits [batch, seq], loss with both positions. */
export type QuestionAnsweringModelOutput = CommonOutput & {
  start_logits: tf.Tensor2D; // [batch, seq]
  end_logits: tf.Tensor2D; // [batch, seq]
};

/** Frees every tensor in an output record (or any nested object/array of tensors). */
export function dispose_output(output: object | null | undefined): void {
  if (!output) return;
  const walk = (v: unknown): void => {
    if (v instanceof tf.Tensor) v.dispose();
    else if (Array.isArray(v)) v.forEach(walk);
    else if (v && typeof v === "object") Object.values(v).forEach(walk);
  };
  walk(output);
}

/** The inputs keys that make a head compute its loss (as HF: BertForPreTraining needs both labels). */
type LossKeys<O> = O extends { prediction_logits: unknown; seq_relationship_logits: unknown }
  ? "labels" | "next_sentence_label"
  : O extends { start_logits: unknown } ? "start_positions" | "end_positions" : "labels";

/**
 * The output of a call with inputs of type `I`, narrowed as Python's value is: `loss` is there when the inputs
 * carry the labels, `attentions` / `hidden_states` when `output_attentions` / `output_hidden_states` is `true`.
 * (A config that turns them on is not seen by the types: they stay optional then.)
 */
export type OutputFor<I, O> = O &
  ("loss" extends keyof O ? (I extends { [K in LossKeys<O>]: object | number | readonly unknown[] } ? { loss: tf.Scalar } : {}) : {}) &
  (I extends { output_attentions: true } ? { attentions: tf.Tensor4D[] } : {}) &
  (I extends { output_hidden_states: true } ? { hidden_states: tf.Tensor3D[] } : {});
