// BertModel: embeddings → encoder → (pooler). Also the input checks every BERT model shares.
import { tf } from "../../backend";
import type { BertConfig, BertConfigDict } from "./configuration_bert";
import { BertEmbeddings } from "./embeddings";
import { BertEncoder } from "./encoder";
import { check_ids, to_tensor, BertInputs } from "./inputs";
import { get_extended_attention_mask, invert_attention_mask } from "./masks";
import type { BertModelOutput, OutputFor, PastKeyValues } from "./outputs";
import { BertPooler } from "./pooler";
import { BertPreTrainedModel } from "./pretrained";

/** Model inputs as validated tensors (what BertModel.run takes). */
export interface BertTensors {
  input_ids?: tf.Tensor2D; // [batch, seq] int32
  attention_mask?: tf.Tensor; // [batch, past + seq] (or [batch, seq, past + seq])
  token_type_ids?: tf.Tensor2D; // [batch, seq] int32
  position_ids?: tf.Tensor; // [batch | 1, seq] int32
  inputs_embeds?: tf.Tensor3D; // [batch, seq, hidden]
  encoder_hidden_states?: tf.Tensor3D;
  encoder_attention_mask?: tf.Tensor;
  head_mask?: tf.Tensor[]; // one [1, heads, 1, 1] per layer
  past_key_values?: PastKeyValues;
  use_cache?: boolean;
  output_hidden_states: boolean;
  output_attentions: boolean;
}

/** Converts and validates the model inputs of `inputs` (labels are left to the heads). */
export function bert_tensors(model: string, config: BertConfig, inputs: BertInputs): BertTensors {
  const t: BertTensors = {
    output_hidden_states: inputs.output_hidden_states ?? config.output_hidden_states,
    output_attentions: inputs.output_attentions ?? config.output_attentions,
    use_cache: inputs.use_cache,
    past_key_values: inputs.past_key_values,
  };
  if (inputs.input_ids != null && inputs.inputs_embeds != null) throw new Error("You cannot specify both input_ids and inputs_embeds at the same time");
  if (inputs.input_ids == null && inputs.inputs_embeds == null) throw new Error(`You have to specify either input_ids or inputs_embeds (${model}.forward got neither)`);
  let batch: number;
  let seq: number;
  if (inputs.input_ids != null) {
    t.input_ids = as_batch(to_tensor("input_ids", inputs.input_ids, "int32", [1, 2])) as tf.Tensor2D;
    [batch, seq] = t.input_ids.shape;
    check_ids("input_ids", t.input_ids, config.vocab_size, `config.vocab_size is ${config.vocab_size}`);
  } else {
    t.inputs_embeds = to_tensor("inputs_embeds", inputs.inputs_embeds!, "float32", 3) as tf.Tensor3D;
    [batch, seq] = t.inputs_embeds.shape;
    if (t.inputs_embeds.shape[2] !== config.hidden_size) {
      throw new Error(`inputs_embeds must be [batch, seq, ${config.hidden_size}] (config.hidden_size), got [${t.inputs_embeds.shape}]`);
    }
  }
  if (seq === 0) throw new Error(`${model}: the input sequence is empty (shape [${batch}, 0])`);
  const past = t.past_key_values ? check_past(t.past_key_values, config, batch) : 0;
  if (inputs.token_type_ids != null) {
    t.token_type_ids = as_batch(to_tensor("token_type_ids", inputs.token_type_ids, "int32", [1, 2])) as tf.Tensor2D;
    if (t.token_type_ids.shape.join() !== [batch, seq].join()) throw new Error(`token_type_ids has shape [${t.token_type_ids.shape}]; expected [${batch}, ${seq}] like input_ids`);
    check_ids("token_type_ids", t.token_type_ids, config.type_vocab_size, `config.type_vocab_size is ${config.type_vocab_size}`);
  }
  if (inputs.position_ids != null) {
    t.position_ids = to_tensor("position_ids", inputs.position_ids, "int32", [1, 2]);
    if (t.position_ids.shape[t.position_ids.rank - 1] !== seq) throw new Error(`position_ids has shape [${t.position_ids.shape}]; expected [batch, ${seq}]`);
    check_ids("position_ids", t.position_ids, config.max_position_embeddings, `config.max_position_embeddings is ${config.max_position_embeddings}`);
  } else if (config.position_embedding_type === "absolute" && past + seq > config.max_position_embeddings) {
    throw new Error(`The sequence (${past ? `${past} cached + ` : ""}${seq} tokens) is longer than config.max_position_embeddings (${config.max_position_embeddings}); truncate the input (e.g. tokenizer truncation with max_length ${config.max_position_embeddings})`);
  }
  if (inputs.attention_mask != null) {
    t.attention_mask = as_batch(to_tensor("attention_mask", inputs.attention_mask, "float32", [1, 2, 3]));
    const want = t.attention_mask.rank === 2 ? [batch, past + seq] : [batch, seq, past + seq];
    if (t.attention_mask.shape.join() !== want.join()) throw new Error(`attention_mask has shape [${t.attention_mask.shape}]; expected [${want}]`);
  }
  if (inputs.encoder_hidden_states != null) {
    t.encoder_hidden_states = to_tensor("encoder_hidden_states", inputs.encoder_hidden_states, "float32", 3) as tf.Tensor3D;
    if (t.encoder_hidden_states.shape[0] !== batch || t.encoder_hidden_states.shape[2] !== config.hidden_size) {
      throw new Error(`encoder_hidden_states has shape [${t.encoder_hidden_states.shape}]; expected [${batch}, encoder_seq, ${config.hidden_size}]`);
    }
  }
  if (inputs.encoder_attention_mask != null) {
    t.encoder_attention_mask = to_tensor("encoder_attention_mask", inputs.encoder_attention_mask, "float32", [2, 3]);
  }
  if (inputs.head_mask != null) t.head_mask = head_mask_per_layer(to_tensor("head_mask", inputs.head_mask, "float32", [1, 2]), config);
  return t;
}

/** HF's get_head_mask: [heads] (every layer) or [layers, heads] → one [1, heads, 1, 1] per layer. */
function head_mask_per_layer(m: tf.Tensor, config: BertConfig): tf.Tensor[] {
  const L = config.num_hidden_layers;
  const H = config.num_attention_heads;
  const want = m.rank === 1 ? [H] : [L, H];
  if (m.shape.join() !== want.join()) throw new Error(`head_mask has shape [${m.shape}]; expected [${want}] (${m.rank === 1 ? "[num_attention_heads]" : "[num_hidden_layers, num_attention_heads]"})`);
  const rows = m.rank === 1 ? new Array<tf.Tensor>(L).fill(m) : tf.unstack(m); // L × [heads]
  return rows.map((r) => r.reshape([1, -1, 1, 1]));
}

/** One unbatched sequence [seq] (as a tokenizer returns for one text) becomes a batch of one [1, seq]. */
function as_batch(t: tf.Tensor): tf.Tensor {
  return t.rank === 1 ? t.expandDims(0) : t;
}

function check_past(past: PastKeyValues, config: BertConfig, batch: number): number {
  if (!Array.isArray(past) || past.length !== config.num_hidden_layers) {
    throw new Error(`past_key_values must hold one entry per layer (${config.num_hidden_layers}), got ${Array.isArray(past) ? past.length : typeof past}`);
  }
  const k = past[0][0];
  if (!(k instanceof tf.Tensor) || k.rank !== 4 || k.shape[0] !== batch) {
    throw new Error(`past_key_values[0][0] must be a [${batch}, heads, past_seq, head_size] tensor (as returned in past_key_values with use_cache)`);
  }
  return k.shape[2];
}

/**
 * The bare BERT encoder (Python: `transformers.BertModel`): last_hidden_state [batch, seq, hidden] and pooler_output; hidden_states / attentions on request.
 * @example
 * ```ts
 * const bert = await BertModel.from_pretrained("bertlab/mini-bert-uncased");
 * const out = bert({ ...tokenizer("Hello", { return_tensors: "tf" }), output_attentions: true }); out.attentions[0].shape
 * ```
 */
export class BertModel extends BertPreTrainedModel<BertModelOutput> {
  readonly embeddings: BertEmbeddings;
  readonly encoder: BertEncoder;
  readonly pooler: BertPooler | null;

  constructor(config: BertConfig | BertConfigDict, add_pooling_layer = true) {
    super(config);
    this.embeddings = this.register_module("embeddings", new BertEmbeddings(this.config));
    this.encoder = this.register_module("encoder", new BertEncoder(this.config));
    this.pooler = add_pooling_layer ? this.register_module("pooler", new BertPooler(this.config)) : null;
    this.post_init();
  }

  protected _forward(inputs: BertInputs): BertModelOutput {
    return this.run(bert_tensors(this.constructor.name, this.config, inputs));
  }

  /** The forward pass on validated tensors (no tidy: task models call it inside theirs). */
  run(t: BertTensors): BertModelOutput {
    const config = this.config;
    const use_cache = config.is_decoder ? (t.use_cache ?? config.use_cache) : false;
    const [batch, seq] = (t.input_ids ? t.input_ids.shape : t.inputs_embeds!.shape.slice(0, 2)) as [number, number];
    const past = t.past_key_values ? t.past_key_values[0][0].shape[2] : 0;
    const attention_mask = t.attention_mask ?? tf.ones([batch, past + seq]);
    const extended = get_extended_attention_mask(attention_mask, [batch, seq], config.is_decoder); // [b, 1, 1|s, kv]
    let encoder_extended: tf.Tensor | null = null;
    if (config.is_decoder && t.encoder_hidden_states) {
      const [eb, es] = t.encoder_hidden_states.shape;
      encoder_extended = invert_attention_mask(t.encoder_attention_mask ?? tf.ones([eb, es]));
    }
    const embedding_output = this.embeddings.forward({
      input_ids: t.input_ids,
      position_ids: t.position_ids,
      token_type_ids: t.token_type_ids,
      inputs_embeds: t.inputs_embeds,
      past_key_values_length: past,
    }); // [b, s, hidden]
    const enc = this.encoder.forward(embedding_output, extended, {
      encoder_hidden_states: t.encoder_hidden_states,
      encoder_attention_mask: encoder_extended,
      past_key_values: t.past_key_values,
      use_cache,
      output_attentions: t.output_attentions,
      output_hidden_states: t.output_hidden_states,
      head_mask: t.head_mask,
    });
    const out: BertModelOutput = { last_hidden_state: enc.last_hidden_state };
    if (this.pooler) out.pooler_output = this.pooler.forward(enc.last_hidden_state);
    if (enc.past_key_values) out.past_key_values = enc.past_key_values;
    if (enc.hidden_states) out.hidden_states = enc.hidden_states;
    if (enc.attentions) out.attentions = enc.attentions;
    if (enc.cross_attentions) out.cross_attentions = enc.cross_attentions;
    return out;
  }
}

export interface BertModel {
  <I extends BertInputs>(inputs: I): OutputFor<I, BertModelOutput>;
}

