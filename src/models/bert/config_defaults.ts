// Hugging Face's BertConfig defaults for the keys that shape the network: one table read by
// BertConfig (configuration_bert.ts) and by the ONNX engine's config reader (src/engines/onnx/config.ts),
// which takes any config.json dict. A leaf module: it imports nothing, so the engines may use it.
export const BERT_DEFAULTS = {
  vocab_size: 30522,
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  hidden_act: "gelu",
  max_position_embeddings: 512,
  type_vocab_size: 2,
  layer_norm_eps: 1e-12,
  position_embedding_type: "absolute" as "absolute" | "relative_key" | "relative_key_query",
  is_decoder: false,
  add_cross_attention: false,
  tie_word_embeddings: true,
};
