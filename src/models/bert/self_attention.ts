// BertSelfAttention: multi-head scaled dot-product attention with absolute or relative
// (relative_key / relative_key_query, via distance_embedding) positions, decoder key/value cache and
// cross-attention over encoder states. Products go through ops.bmm.
import { tf } from "../../backend";
import { bmm } from "../../ops";
import { Dropout, Embedding, Linear, Module } from "../../nn";
import type { BertConfig, PositionEmbeddingType } from "./configuration_bert";

export interface SelfAttentionResult {
  context: tf.Tensor3D; // [batch, seq, hidden]
  probs?: tf.Tensor4D; // [batch, heads, seq, kv_seq]
  present?: [tf.Tensor4D, tf.Tensor4D]; // decoder only: (key, value), each [batch, heads, kv_seq, head_size]
}

/** What a layer's attention call takes besides the hidden states and the additive mask. */
export interface AttentionOptions {
  encoder_hidden_states?: tf.Tensor3D | null; // [batch, enc_seq, hidden] (cross-attention)
  encoder_attention_mask?: tf.Tensor | null;
  past_key_value?: tf.Tensor4D[] | null; // cached [key, value] (self) and [key, value] (cross)
  output_attentions?: boolean;
  /** This layer's head_mask [1, heads, 1, 1] (1 keep, 0 drop), multiplied into the probabilities after dropout. */
  head_mask?: tf.Tensor | null;
}

/**
 * HF's `BertSelfAttention`: scaled dot-product attention over heads (absolute or relative_key / relative_key_query positions, cross-attention, caches, head_mask).
 */
export class BertSelfAttention extends Module {
  num_attention_heads: number; // fewer after prune_heads
  readonly attention_head_size: number;
  all_head_size: number;
  readonly position_embedding_type: PositionEmbeddingType;
  readonly max_position_embeddings: number;
  readonly is_decoder: boolean;
  readonly query: Linear;
  readonly key: Linear;
  readonly value: Linear;
  readonly dropout: Dropout;
  readonly distance_embedding: Embedding | null;

  constructor(config: BertConfig, position_embedding_type?: PositionEmbeddingType) {
    super();
    if (config.hidden_size % config.num_attention_heads !== 0) {
      throw new Error(`The hidden size (${config.hidden_size}) is not a multiple of the number of attention heads (${config.num_attention_heads})`);
    }
    this.num_attention_heads = config.num_attention_heads;
    this.attention_head_size = config.hidden_size / config.num_attention_heads;
    this.all_head_size = this.num_attention_heads * this.attention_head_size;
    const std = config.initializer_range;
    this.query = this.register_module("query", new Linear(config.hidden_size, this.all_head_size, { std }));
    this.key = this.register_module("key", new Linear(config.hidden_size, this.all_head_size, { std }));
    this.value = this.register_module("value", new Linear(config.hidden_size, this.all_head_size, { std }));
    this.dropout = this.register_module("dropout", new Dropout(config.attention_probs_dropout_prob));
    this.position_embedding_type = position_embedding_type ?? config.position_embedding_type;
    this.max_position_embeddings = config.max_position_embeddings;
    this.distance_embedding = this.position_embedding_type === "absolute"
      ? null
      : this.register_module("distance_embedding", new Embedding(2 * config.max_position_embeddings - 1, this.attention_head_size, { std }));
    this.is_decoder = config.is_decoder;
  }

  // [batch, seq, all_head] → [batch, heads, seq, head_size]
  private transpose_for_scores(x: tf.Tensor): tf.Tensor4D {
    const [batch, seq] = x.shape;
    return x.reshape([batch, seq, this.num_attention_heads, this.attention_head_size]).transpose([0, 2, 1, 3]) as tf.Tensor4D;
  }

  forward(
    hidden_states: tf.Tensor3D, // [batch, seq, hidden]
    attention_mask: tf.Tensor | null, // additive, broadcastable to [batch, heads, seq, kv_seq]
    options: AttentionOptions = {},
  ): SelfAttentionResult {
    const { encoder_hidden_states, past_key_value } = options;
    const is_cross_attention = encoder_hidden_states != null;
    const query_layer = this.transpose_for_scores(this.query.forward(hidden_states)); // [b, h, s, d]
    let key_layer: tf.Tensor4D;
    let value_layer: tf.Tensor4D;
    let mask = attention_mask;
    if (is_cross_attention && past_key_value) {
      [key_layer, value_layer] = [past_key_value[0], past_key_value[1]]; // reuse cached cross-attention k, v
      mask = options.encoder_attention_mask ?? null;
    } else if (is_cross_attention) {
      key_layer = this.transpose_for_scores(this.key.forward(encoder_hidden_states!)); // [b, h, enc, d]
      value_layer = this.transpose_for_scores(this.value.forward(encoder_hidden_states!));
      mask = options.encoder_attention_mask ?? null;
    } else if (past_key_value) {
      key_layer = tf.concat([past_key_value[0], this.transpose_for_scores(this.key.forward(hidden_states))], 2) as tf.Tensor4D; // [b, h, past+s, d]
      value_layer = tf.concat([past_key_value[1], this.transpose_for_scores(this.value.forward(hidden_states))], 2) as tf.Tensor4D;
    } else {
      key_layer = this.transpose_for_scores(this.key.forward(hidden_states));
      value_layer = this.transpose_for_scores(this.value.forward(hidden_states));
    }
    const use_cache = past_key_value != null;

    let scores = bmm(query_layer, key_layer, true); // [b, h, s, kv]
    if (this.distance_embedding) {
      scores = tf.add(scores, this.relative_position_scores(query_layer, key_layer, use_cache));
    }
    scores = tf.div(scores, Math.sqrt(this.attention_head_size));
    if (mask) scores = tf.add(scores, mask);
    let probs = tf.softmax(scores, -1) as tf.Tensor4D; // [b, h, s, kv]
    probs = this.dropout.forward(probs) as tf.Tensor4D;
    if (options.head_mask) probs = tf.mul(probs, this.check_head_mask(options.head_mask)) as tf.Tensor4D; // [b, h, s, kv]
    const context = bmm(probs, value_layer); // [b, h, s, d]
    const [batch, , seq] = context.shape;
    const merged = context.transpose([0, 2, 1, 3]).reshape([batch, seq, this.all_head_size]) as tf.Tensor3D; // [b, s, hidden]
    return {
      context: merged,
      probs: options.output_attentions ? probs : undefined,
      present: this.is_decoder ? [key_layer, value_layer] : undefined,
    };
  }

  private check_head_mask(m: tf.Tensor): tf.Tensor {
    const heads = m.shape[1];
    if (heads !== this.num_attention_heads) {
      throw new Error(`head_mask has ${heads} heads for a layer with ${this.num_attention_heads} (after prune_heads, mask the remaining heads only)`);
    }
    return m;
  }

  /**
   * Relative position scores [b, h, s, kv] from distance_embedding (HF einsums bhld,lrd->bhlr and bhrd,lrd->bhlr),
   * added to q·kᵀ before the 1/√d scaling; also read by explain's attention_details for the neuron view.
   */
  relative_position_scores(q: tf.Tensor4D, k: tf.Tensor4D, use_cache: boolean): tf.Tensor {
    const [batch, heads, qlen, d] = q.shape;
    const klen = k.shape[2];
    // Query positions: the last key position when decoding with a cache (as HF), else 0..qlen-1.
    const left = use_cache ? tf.fill([1, 1], klen - 1, "int32") : tf.range(0, qlen, 1, "int32").reshape([qlen, 1]);
    const right = tf.range(0, klen, 1, "int32").reshape([1, klen]);
    const distance = tf.add(tf.sub(left, right), this.max_position_embeddings - 1); // [l, r]
    const l = distance.shape[0];
    const pos = this.distance_embedding!.forward(distance); // [l, r, d]
    // query term: for each l, q[b,h,l,:] · pos[l,r,:]
    const qByL = q.transpose([2, 0, 1, 3]).reshape([qlen, batch * heads, d]); // [l, bh, d]
    const posL = l === qlen ? pos : tf.broadcastTo(pos, [qlen, klen, d]); // [l, r, d]
    const qScores = bmm(qByL, posL, true) // [l, bh, r]
      .reshape([qlen, batch, heads, klen]).transpose([1, 2, 0, 3]); // [b, h, l, r]
    if (this.position_embedding_type === "relative_key") return qScores;
    // key term: for each r, k[b,h,r,:] · pos[l,r,:]
    const kByR = k.transpose([2, 0, 1, 3]).reshape([klen, batch * heads, d]); // [r, bh, d]
    const posR = posL.transpose([1, 0, 2]); // [r, l, d]
    const kScores = bmm(kByR, posR, true) // [r, bh, l]
      .reshape([klen, batch, heads, qlen]).transpose([1, 2, 3, 0]); // [b, h, l, r]
    return tf.add(qScores, kScores);
  }
}
