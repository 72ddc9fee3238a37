// The prediction heads, shared by every task model that uses them: the MLM head (transform + decoder
// tied to the word embeddings, with its own bias), the NSP head, and both together for pre-training.
import { tf } from "../../backend";
import { Activation, get_activation, LayerNorm, Linear, Module } from "../../nn";
import type { BertConfig } from "./configuration_bert";

/**
 * HF's `BertPredictionHeadTransform`: dense → activation → LayerNorm before the MLM decoder.
 */
export class BertPredictionHeadTransform extends Module {
  readonly dense: Linear;
  readonly transform_act_fn: Activation;
  readonly LayerNorm: LayerNorm;

  constructor(config: BertConfig) {
    super();
    this.dense = this.register_module("dense", new Linear(config.hidden_size, config.hidden_size, { std: config.initializer_range }));
    this.transform_act_fn = get_activation(config.hidden_act);
    this.LayerNorm = this.register_module("LayerNorm", new LayerNorm(config.hidden_size, config.layer_norm_eps));
  }

  // [batch, seq, hidden] → [batch, seq, hidden]
  forward(hidden_states: tf.Tensor): tf.Tensor {
    return this.LayerNorm.forward(this.transform_act_fn(this.dense.forward(hidden_states)));
  }
}

/**
 * transform → decoder. HF registers `bias` on this module and makes `decoder.bias` the same tensor;
 * here `decoder.bias` is tied to `bias` (one variable, two checkpoint names), and the model ties
 * `decoder.weight` to `bert.embeddings.word_embeddings.weight`.
 */
export class BertLMPredictionHead extends Module {
  readonly transform: BertPredictionHeadTransform;
  readonly decoder: Linear;

  constructor(config: BertConfig) {
    super();
    this.register_parameter("bias", [config.vocab_size], { kind: "zeros" });
    this.transform = this.register_module("transform", new BertPredictionHeadTransform(config));
    this.decoder = this.register_module("decoder", new Linear(config.hidden_size, config.vocab_size, { std: config.initializer_range }));
    this.decoder.tie_parameter("bias", this, "bias");
  }

  // [batch, seq, hidden] → [batch, seq, vocab]
  forward(hidden_states: tf.Tensor): tf.Tensor3D {
    return this.decoder.forward(this.transform.forward(hidden_states)) as tf.Tensor3D;
  }
}

/**
 * HF's `BertOnlyMLMHead`: the masked-LM prediction head (transform + decoder tied to the word embeddings).
 */
export class BertOnlyMLMHead extends Module {
  readonly predictions: BertLMPredictionHead;

  constructor(config: BertConfig) {
    super();
    this.predictions = this.register_module("predictions", new BertLMPredictionHead(config));
  }

  forward(sequence_output: tf.Tensor): tf.Tensor3D {
    return this.predictions.forward(sequence_output);
  }
}

/**
 * HF's `BertOnlyNSPHead`: the next-sentence classifier on the pooled output.
 */
export class BertOnlyNSPHead extends Module {
  readonly seq_relationship: Linear;

  constructor(config: BertConfig) {
    super();
    this.seq_relationship = this.register_module("seq_relationship", new Linear(config.hidden_size, 2, { std: config.initializer_range }));
  }

  // [batch, hidden] → [batch, 2]
  forward(pooled_output: tf.Tensor): tf.Tensor2D {
    return this.seq_relationship.forward(pooled_output) as tf.Tensor2D;
  }
}

/**
 * HF's `BertPreTrainingHeads`: the MLM head and the NSP head together.
 */
export class BertPreTrainingHeads extends Module {
  readonly predictions: BertLMPredictionHead;
  readonly seq_relationship: Linear;

  constructor(config: BertConfig) {
    super();
    this.predictions = this.register_module("predictions", new BertLMPredictionHead(config));
    this.seq_relationship = this.register_module("seq_relationship", new Linear(config.hidden_size, 2, { std: config.initializer_range }));
  }

  forward(sequence_output: tf.Tensor, pooled_output: tf.Tensor): [tf.Tensor3D, tf.Tensor2D] {
    return [this.predictions.forward(sequence_output), this.seq_relationship.forward(pooled_output) as tf.Tensor2D];
  }
}
