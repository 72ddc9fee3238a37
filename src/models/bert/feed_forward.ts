// The position-wise feed-forward block: BertIntermediate (dense + activation) and BertOutput
// (dense + dropout + residual LayerNorm).
import { tf } from "../../backend";
import { Activation, Dropout, get_activation, LayerNorm, Linear, Module } from "../../nn";
import type { BertConfig } from "./configuration_bert";

/**
 * HF's `BertIntermediate`: dense to intermediate_size and the activation (GELU).
 */
export class BertIntermediate extends Module {
  readonly dense: Linear;
  readonly intermediate_act_fn: Activation;

  constructor(config: BertConfig) {
    super();
    this.dense = this.register_module("dense", new Linear(config.hidden_size, config.intermediate_size, { std: config.initializer_range }));
    this.intermediate_act_fn = get_activation(config.hidden_act);
  }

  // [batch, seq, hidden] → [batch, seq, intermediate]
  forward(hidden_states: tf.Tensor): tf.Tensor {
    return this.intermediate_act_fn(this.dense.forward(hidden_states));
  }
}

/**
 * HF's `BertOutput`: dense back to hidden_size → dropout → LayerNorm(x + input).
 */
export class BertOutput extends Module {
  readonly dense: Linear;
  readonly LayerNorm: LayerNorm;
  readonly dropout: Dropout;

  constructor(config: BertConfig) {
    super();
    this.dense = this.register_module("dense", new Linear(config.intermediate_size, config.hidden_size, { std: config.initializer_range }));
    this.LayerNorm = this.register_module("LayerNorm", new LayerNorm(config.hidden_size, config.layer_norm_eps));
    this.dropout = this.register_module("dropout", new Dropout(config.hidden_dropout_prob));
  }

  // hidden_states: [batch, seq, intermediate], input_tensor: [batch, seq, hidden]
  forward(hidden_states: tf.Tensor, input_tensor: tf.Tensor): tf.Tensor3D {
    const h = this.dropout.forward(this.dense.forward(hidden_states));
    return this.LayerNorm.forward(tf.add(h, input_tensor)) as tf.Tensor3D;
  }
}
