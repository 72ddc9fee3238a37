// BertSelfOutput (dense + dropout + residual LayerNorm) and BertAttention (self-attention + output).
import { tf } from "../../backend";
import { Dropout, LayerNorm, Linear, Module, prune_linear_layer } from "../../nn";
import type { BertConfig, PositionEmbeddingType } from "./configuration_bert";
import { BertSelfAttention, SelfAttentionResult } from "./self_attention";

/**
 * HF's `BertSelfOutput`: dense → dropout → LayerNorm(x + input), after the attention.
 */
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

/**
 * HF's `BertAttention`: self-attention, then the output projection with dropout, residual and LayerNorm (BertSelfOutput); prunable heads.
 */
export class BertAttention extends Module {
  readonly self: BertSelfAttention;
  readonly output: BertSelfOutput;
  /** Heads removed so far, in the original numbering. */
  readonly pruned_heads = new Set<number>();

  constructor(config: BertConfig, position_embedding_type?: PositionEmbeddingType) {
    super();
    this.self = this.register_module("self", new BertSelfAttention(config, position_embedding_type));
    this.output = this.register_module("output", new BertSelfOutput(config));
  }

  /**
   * Removes `heads` (original numbering; already pruned ones are skipped), as HF: the query / key / value
   * rows and the output dense columns of those heads go, the layer keeps fewer heads.
   */
  prune_heads(heads: number[]): void {
    const self = this.self;
    const total = self.num_attention_heads + this.pruned_heads.size;
    for (const h of heads) if (!(Number.isInteger(h) && h >= 0 && h < total)) throw new Error(`prune_heads: head ${h} is out of range 0..${total - 1}`);
    const fresh = [...new Set(heads)].filter((h) => !this.pruned_heads.has(h));
    if (fresh.length === 0) return;
    const d = self.attention_head_size;
    // position of each original head among the remaining ones (HF find_pruneable_heads_and_indices)
    const drop = new Set(fresh.map((h) => h - [...this.pruned_heads].filter((p) => p < h).length));
    const index: number[] = [];
    for (let h = 0; h < self.num_attention_heads; h++) if (!drop.has(h)) for (let j = 0; j < d; j++) index.push(h * d + j);
    prune_linear_layer(self.query, index);
    prune_linear_layer(self.key, index);
    prune_linear_layer(self.value, index);
    prune_linear_layer(this.output.dense, index, 1);
    self.num_attention_heads -= fresh.length;
    self.all_head_size = self.attention_head_size * self.num_attention_heads;
    for (const h of fresh) this.pruned_heads.add(h);
  }

  forward(hidden_states: tf.Tensor3D, attention_mask: tf.Tensor | null, options: Parameters<BertSelfAttention["forward"]>[2] = {}): SelfAttentionResult {
    const r = this.self.forward(hidden_states, attention_mask, options);
    return { ...r, context: this.output.forward(r.context, hidden_states) };
  }
}
