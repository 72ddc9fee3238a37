// BertPooler: tanh(dense(hidden state of the first token)).
import { tf } from "../../backend";
import { Linear, Module } from "../../nn";
import type { BertConfig } from "./configuration_bert";

/**
 * HF's `BertPooler`: dense + tanh on the [CLS] hidden state.
 */
export class BertPooler extends Module {
  readonly dense: Linear;

  constructor(config: BertConfig) {
    super();
    this.dense = this.register_module("dense", new Linear(config.hidden_size, config.hidden_size, { std: config.initializer_range }));
  }

  // [batch, seq, hidden] → [batch, hidden]
  forward(hidden_states: tf.Tensor3D): tf.Tensor2D {
    const [batch, , hidden] = hidden_states.shape;
    const first = hidden_states.slice([0, 0, 0], [batch, 1, hidden]).reshape([batch, hidden]);
    return tf.tanh(this.dense.forward(first)) as tf.Tensor2D;
  }
}
