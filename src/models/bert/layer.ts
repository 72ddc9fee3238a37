// BertLayer: self-attention, optional cross-attention (decoders with add_cross_attention), feed-forward.
import { tf } from "../../backend";
import { Module } from "../../nn";
import { BertAttention } from "./attention";
import type { BertConfig } from "./configuration_bert";
import { BertIntermediate, BertOutput } from "./feed_forward";
import type { AttentionOptions } from "./self_attention";

export interface LayerResult {
  hidden_states: tf.Tensor3D; // [batch, seq, hidden]
  self_attention?: tf.Tensor4D;
  cross_attention?: tf.Tensor4D;
  present?: tf.Tensor4D[]; // [self k, self v] (+ [cross k, cross v])
}

/**
 * HF's `BertLayer`: attention (and cross-attention for decoders), then the feed-forward block.
 */
export class BertLayer extends Module {
  readonly is_decoder: boolean;
  readonly add_cross_attention: boolean;
  readonly attention: BertAttention;
  readonly crossattention: BertAttention | null;
  readonly intermediate: BertIntermediate;
  readonly output: BertOutput;

  constructor(config: BertConfig) {
    super();
    this.is_decoder = config.is_decoder;
    this.add_cross_attention = config.add_cross_attention;
    this.attention = this.register_module("attention", new BertAttention(config));
    if (this.add_cross_attention && !this.is_decoder) {
      throw new Error(`${this.constructor.name} should be used as a decoder model if cross attention is added (set config.is_decoder = true)`);
    }
    this.crossattention = this.add_cross_attention ? this.register_module("crossattention", new BertAttention(config, "absolute")) : null;
    this.intermediate = this.register_module("intermediate", new BertIntermediate(config));
    this.output = this.register_module("output", new BertOutput(config));
  }

  forward(
    hidden_states: tf.Tensor3D,
    attention_mask: tf.Tensor | null,
    options: AttentionOptions = {},
  ): LayerResult {
    const past = options.past_key_value ?? null;
    const self = this.attention.forward(hidden_states, attention_mask, {
      past_key_value: past ? past.slice(0, 2) : null,
      output_attentions: options.output_attentions,
      head_mask: options.head_mask,
    });
    let attention_output = self.context;
    let present = self.present ? [...self.present] : undefined;
    let cross_attention: tf.Tensor4D | undefined;
    if (this.is_decoder && options.encoder_hidden_states) {
      if (!this.crossattention) {
        throw new Error("If `encoder_hidden_states` are passed, BertLayer has to be instantiated with cross-attention layers by setting `config.add_cross_attention=True`");
      }
      const cross = this.crossattention.forward(attention_output, attention_mask, {
        encoder_hidden_states: options.encoder_hidden_states,
        encoder_attention_mask: options.encoder_attention_mask,
        past_key_value: past && past.length >= 4 ? past.slice(2, 4) : null,
        output_attentions: options.output_attentions,
        head_mask: options.head_mask,
      });
      attention_output = cross.context;
      cross_attention = cross.probs;
      if (present && cross.present) present = [...present, ...cross.present];
    }
    const layer_output = this.output.forward(this.intermediate.forward(attention_output), attention_output);
    return { hidden_states: layer_output, self_attention: self.probs, cross_attention, present };
  }
}
