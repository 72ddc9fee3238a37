// BertSelfOutput (dense + dropout + residual LayerNorm) and BertAttention (self-attention + output).
import { tf } from "../../backend";
import { Dropout, LayerNorm, Linear, Module } from "../../nn";
import type { BertConfig, PositionEmbeddingType } from "./configuration_bert";
import { BertSelfAttention, SelfAttentionResult } from "./self_attention";

export class BertSelfOutput extends Module {
  readonly dense: Linear;
  readonly LayerNorm: LayerNorm;
  readonly dropout: Dropout;

  constructor(config: BertConfig) {
    super();
    this.dense = this.register_module("dense", new Linear(config.hidden_size, config.hidden_size, { std: config.initializer_range }));
    this.LayerNorm = this.register_module("LayerNorm", new LayerNorm(config.hidden_size, config.layer_norm_eps));
    this.dropout = this.register_module("dropout", new Dropout(config.hidden_dropout_prob));
  }

  // hidden_states, input_tensor: [batch, seq, hidden]
  forward(hidden_states: tf.Tensor, input_tensor: tf.Tensor): tf.Tensor3D {
    const h = this.dropout.forward(this.dense.forward(hidden_states));
    return this.LayerNorm.forward(tf.add(h, input_tensor)) as tf.Tensor3D;
  }
}

export class BertAttention extends Module {
  readonly self: BertSelfAttention;
  readonly output: BertSelfOutput;

  constructor(config: BertConfig, position_embedding_type?: PositionEmbeddingType) {
    super();
    this.self = this.register_module("self", new BertSelfAttention(config, position_embedding_type));
    this.output = this.register_module("output", new BertSelfOutput(config));
  }

  forward(hidden_states: tf.Tensor3D, attention_mask: tf.Tensor | null, options: Parameters<BertSelfAttention["forward"]>[2] = {}): SelfAttentionResult {
    const r = this.self.forward(hidden_states, attention_mask, options);
    return { ...r, context: this.output.forward(r.context, hidden_states) };
  }
}
