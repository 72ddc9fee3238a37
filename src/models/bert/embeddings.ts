// BertEmbeddings: word + token type (+ absolute position) embeddings, then LayerNorm and dropout.
import { tf } from "../../backend";
import { Dropout, Embedding, LayerNorm, Module } from "../../nn";
import type { BertConfig } from "./configuration_bert";

/**
 * HF's `BertEmbeddings`: word + position + token-type embeddings, LayerNorm and dropout.
 */
export class BertEmbeddings extends Module {
  readonly config: BertConfig;
  readonly word_embeddings: Embedding;
  readonly position_embeddings: Embedding;
  readonly token_type_embeddings: Embedding;
  readonly LayerNorm: LayerNorm;
  readonly dropout: Dropout;

  constructor(config: BertConfig) {
    super();
    this.config = config;
    const std = config.initializer_range;
    this.word_embeddings = this.register_module("word_embeddings", new Embedding(config.vocab_size, config.hidden_size, { padding_idx: config.pad_token_id, std }));
    this.position_embeddings = this.register_module("position_embeddings", new Embedding(config.max_position_embeddings, config.hidden_size, { std }));
    this.token_type_embeddings = this.register_module("token_type_embeddings", new Embedding(config.type_vocab_size, config.hidden_size, { std }));
    this.LayerNorm = this.register_module("LayerNorm", new LayerNorm(config.hidden_size, config.layer_norm_eps));
    this.dropout = this.register_module("dropout", new Dropout(config.hidden_dropout_prob));
  }

  forward(args: {
    input_ids?: tf.Tensor; // [batch, seq] int32
    token_type_ids?: tf.Tensor; // [batch, seq]
    position_ids?: tf.Tensor; // [batch | 1, seq]
    inputs_embeds?: tf.Tensor; // [batch, seq, hidden]
    past_key_values_length?: number;
  }): tf.Tensor3D {
    const past = args.past_key_values_length ?? 0;
    const shape = args.input_ids ? args.input_ids.shape : args.inputs_embeds!.shape.slice(0, 2);
    const [batch, seq] = shape as [number, number];
    const position_ids = args.position_ids ?? tf.range(past, past + seq, 1, "int32").expandDims(0); // [1, seq]
    const token_type_ids = args.token_type_ids ?? tf.zeros([batch, seq], "int32"); // [batch, seq]
    const inputs_embeds = args.inputs_embeds ?? this.word_embeddings.forward(args.input_ids!); // [batch, seq, hidden]
    let embeddings = tf.add(inputs_embeds, this.token_type_embeddings.forward(token_type_ids));
    if (this.config.position_embedding_type === "absolute") {
      embeddings = tf.add(embeddings, this.position_embeddings.forward(position_ids)); // broadcast over batch
    }
    embeddings = this.LayerNorm.forward(embeddings);
    return this.dropout.forward(embeddings) as tf.Tensor3D; // [batch, seq, hidden]
  }
}
