// BertEncoder: the stack of BertLayers, collecting hidden states, attentions and the cache.
import { tf } from "../../backend";
import { Module, ModuleList } from "../../nn";
import type { BertConfig } from "./configuration_bert";
import { BertLayer } from "./layer";
import type { AttentionOptions } from "./self_attention";

export interface EncoderResult {
  last_hidden_state: tf.Tensor3D;
  hidden_states?: tf.Tensor3D[];
  attentions?: tf.Tensor4D[];
  cross_attentions?: tf.Tensor4D[];
  past_key_values?: tf.Tensor4D[][];
}

/**
 * HF's `BertEncoder`: the stack of BertLayer (hidden states, attentions and caches collected on request).
 */
export class BertEncoder extends Module {
  readonly config: BertConfig;
  readonly layer: BertLayer[];

  constructor(config: BertConfig) {
    super();
    this.config = config;
    const list = this.register_module("layer", new ModuleList<BertLayer>());
    for (let i = 0; i < config.num_hidden_layers; i++) list.append(new BertLayer(config));
    this.layer = list.toArray();
    // a config saved after prune_heads is rebuilt pruned (HF's init_weights does the same)
    for (const [layer, heads] of Object.entries(config.pruned_heads ?? {})) this.layer[Number(layer)]?.attention.prune_heads(heads);
  }

  forward(
    hidden_states: tf.Tensor3D,
    attention_mask: tf.Tensor | null,
    options: Omit<AttentionOptions, "past_key_value" | "head_mask"> & {
      head_mask?: tf.Tensor[] | null; // one [1, heads, 1, 1] per layer
      past_key_values?: tf.Tensor4D[][] | null; // one cache per layer
      use_cache?: boolean;
      output_hidden_states?: boolean;
    } = {},
  ): EncoderResult {
    const all_hidden: tf.Tensor3D[] = [];
    const all_attn: tf.Tensor4D[] = [];
    const all_cross: tf.Tensor4D[] = [];
    const cache: tf.Tensor4D[][] = [];
    let h = hidden_states;
    this.layer.forEach((layer, i) => {
      if (options.output_hidden_states) all_hidden.push(h);
      const r = layer.forward(h, attention_mask, {
        encoder_hidden_states: options.encoder_hidden_states,
        encoder_attention_mask: options.encoder_attention_mask,
        past_key_value: options.past_key_values ? options.past_key_values[i] : null,
        output_attentions: options.output_attentions,
        head_mask: options.head_mask ? options.head_mask[i] : null,
      });
      h = r.hidden_states;
      if (options.use_cache && r.present) cache.push(r.present);
      if (options.output_attentions) {
        if (r.self_attention) all_attn.push(r.self_attention);
        if (this.config.add_cross_attention && r.cross_attention) all_cross.push(r.cross_attention);
      }
    });
    if (options.output_hidden_states) all_hidden.push(h);
    return {
      last_hidden_state: h,
      hidden_states: options.output_hidden_states ? all_hidden : undefined,
      attentions: options.output_attentions ? all_attn : undefined,
      cross_attentions: options.output_attentions && this.config.add_cross_attention ? all_cross : undefined,
      past_key_values: options.use_cache ? cache : undefined,
    };
  }
}
