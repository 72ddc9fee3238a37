// The task models that predict tokens or sentence relations with the shared heads:
// BertForPreTraining (MLM + NSP), BertForMaskedLM, BertLMHeadModel (causal LM) and
// BertForNextSentencePrediction. The MLM decoder weight is tied to the word embeddings.
import { tf } from "../../backend";
import { cross_entropy } from "../../nn";
import type { BertConfig, BertConfigDict } from "./configuration_bert";
import { BertOnlyMLMHead, BertOnlyNSPHead, BertPreTrainingHeads, BertLMPredictionHead } from "./heads";
import { to_tensor, BertInputs } from "./inputs";
import { bert_tensors, BertModel } from "./modeling_bert";
import type { BertForPreTrainingOutput, CausalLMOutputWithCrossAttentions, MaskedLMOutput, NextSentencePredictorOutput, OutputFor } from "./outputs";
import { BertPreTrainedModel, without_init } from "./pretrained";

/** Ties decoder.weight to the word embeddings (config.tie_word_embeddings, default true). */
function tie_decoder(model: { config: BertConfig; bert: BertModel }, predictions: BertLMPredictionHead): void {
  if (model.config.tie_word_embeddings) predictions.decoder.tie_parameter("weight", model.bert.embeddings.word_embeddings, "weight");
}

/** Token-level cross-entropy: logits [..., C] against labels [...] with -100 ignored. */
function token_loss(logits: tf.Tensor, labels: tf.Tensor): tf.Scalar {
  const c = logits.shape[logits.rank - 1];
  return cross_entropy(logits.reshape([-1, c]), labels.reshape([-1]));
}

function labels_of(name: string, v: BertInputs["labels"], shape?: number[]): tf.Tensor {
  const t = to_tensor(name, v!, "int32");
  if (shape && t.size !== shape.reduce((a, b) => a * b, 1)) throw new Error(`${name} has shape [${t.shape}]; expected [${shape}]`);
  return t;
}

/**
 * BERT with both pretraining heads (Python: `transformers.BertForPreTraining`): prediction_logits and seq_relationship_logits; a loss with labels and next_sentence_label.
 * @example
 * ```ts
 * const model = await BertForPreTraining.from_pretrained("bertlab/mini-bert-uncased"); model(inputs).prediction_logits.shape
 * ```
 */
export class BertForPreTraining extends BertPreTrainedModel<BertForPreTrainingOutput> {
  readonly bert: BertModel;
  readonly cls: BertPreTrainingHeads;

  constructor(config: BertConfig | BertConfigDict) {
    super(config);
    this.bert = this.register_module("bert", without_init(() => new BertModel(this.config)));
    this.cls = this.register_module("cls", new BertPreTrainingHeads(this.config));
    tie_decoder(this, this.cls.predictions);
    this.post_init();
  }

  protected _forward(inputs: BertInputs): BertForPreTrainingOutput {
    const t = bert_tensors(this.constructor.name, this.config, inputs);
    const out = this.bert.run(t);
    const [prediction_logits, seq_relationship_logits] = this.cls.forward(out.last_hidden_state, out.pooler_output!);
    const result: BertForPreTrainingOutput = { prediction_logits, seq_relationship_logits, hidden_states: out.hidden_states, attentions: out.attentions };
    if (inputs.labels != null && inputs.next_sentence_label != null) {
      const mlm = token_loss(prediction_logits, labels_of("labels", inputs.labels, prediction_logits.shape.slice(0, 2)));
      const nsp = cross_entropy(seq_relationship_logits, labels_of("next_sentence_label", inputs.next_sentence_label, [seq_relationship_logits.shape[0]]));
      result.loss = tf.add(mlm, nsp) as tf.Scalar;
    }
    return result;
  }
}

/**
 * BERT with the masked-LM head (Python: `transformers.BertForMaskedLM`): logits [batch, seq, vocab]; a loss with labels (-100 = ignored).
 * @example
 * ```ts
 * const mlm = await BertForMaskedLM.from_pretrained("bertlab/mini-bert-uncased");
 * mlm(tokenizer("Paris is the [MASK] of France.", { return_tensors: "tf" })).logits.at(0, 4).argmax(-1).item()
 * ```
 */
export class BertForMaskedLM extends BertPreTrainedModel<MaskedLMOutput> {
  readonly bert: BertModel;
  readonly cls: BertOnlyMLMHead;

  constructor(config: BertConfig | BertConfigDict) {
    super(config);
    if (this.config.is_decoder) {
      console.warn("If you want to use `BertForMaskedLM` make sure `config.is_decoder=False` for bi-directional self-attention.");
    }
    this.bert = this.register_module("bert", without_init(() => new BertModel(this.config, false)));
    this.cls = this.register_module("cls", new BertOnlyMLMHead(this.config));
    tie_decoder(this, this.cls.predictions);
    this.post_init();
  }

  protected _forward(inputs: BertInputs): MaskedLMOutput {
    const out = this.bert.run(bert_tensors(this.constructor.name, this.config, inputs));
    const logits = this.cls.forward(out.last_hidden_state);
    const result: MaskedLMOutput = { logits, hidden_states: out.hidden_states, attentions: out.attentions };
    if (inputs.labels != null) result.loss = token_loss(logits, labels_of("labels", inputs.labels, logits.shape.slice(0, 2)));
    return result;
  }
}

/**
 * BERT as a causal LM decoder (Python: `transformers.BertLMHeadModel`; set `config.is_decoder = true`): logits, past_key_values with use_cache.
 * @example
 * ```ts
 * const lm = await BertLMHeadModel.from_pretrained("bertlab/mini-bert-uncased", { config })
 * ```
 */
export class BertLMHeadModel extends BertPreTrainedModel<CausalLMOutputWithCrossAttentions> {
  readonly bert: BertModel;
  readonly cls: BertOnlyMLMHead;

  constructor(config: BertConfig | BertConfigDict) {
    super(config);
    if (!this.config.is_decoder) console.warn("If you want to use `BertLMHeadModel` as a standalone, add `is_decoder=True.`");
    this.bert = this.register_module("bert", without_init(() => new BertModel(this.config, false)));
    this.cls = this.register_module("cls", new BertOnlyMLMHead(this.config));
    tie_decoder(this, this.cls.predictions);
    this.post_init();
  }

  protected _forward(inputs: BertInputs): CausalLMOutputWithCrossAttentions {
    const t = bert_tensors(this.constructor.name, this.config, inputs);
    if (inputs.labels != null) t.use_cache = false;
    const out = this.bert.run(t);
    const logits = this.cls.forward(out.last_hidden_state); // [b, s, vocab]
    const result: CausalLMOutputWithCrossAttentions = {
      logits,
      past_key_values: out.past_key_values,
      hidden_states: out.hidden_states,
      attentions: out.attentions,
      cross_attentions: out.cross_attentions,
    };
    if (inputs.labels != null) {
      // next-token prediction: scores for positions 0..s-2 against labels 1..s-1
      const [b, s, v] = logits.shape;
      const labels = labels_of("labels", inputs.labels, [b, s]).reshape([b, s]);
      const shifted_scores = logits.slice([0, 0, 0], [b, s - 1, v]);
      const shifted_labels = labels.slice([0, 1], [b, s - 1]);
      result.loss = token_loss(shifted_scores, shifted_labels);
    }
    return result;
  }
}

/**
 * BERT with the next-sentence head (Python: `transformers.BertForNextSentencePrediction`): logits [batch, 2] (0 = is next).
 * @example
 * ```ts
 * nsp(tokenizer(a, { text_pair: b, return_tensors: "tf" })).logits.softmax(-1)
 * ```
 */
export class BertForNextSentencePrediction extends BertPreTrainedModel<NextSentencePredictorOutput> {
  readonly bert: BertModel;
  readonly cls: BertOnlyNSPHead;

  constructor(config: BertConfig | BertConfigDict) {
    super(config);
    this.bert = this.register_module("bert", without_init(() => new BertModel(this.config)));
    this.cls = this.register_module("cls", new BertOnlyNSPHead(this.config));
    this.post_init();
  }

  protected _forward(inputs: BertInputs): NextSentencePredictorOutput {
    const out = this.bert.run(bert_tensors(this.constructor.name, this.config, inputs));
    const logits = this.cls.forward(out.pooler_output!); // [b, 2]
    const result: NextSentencePredictorOutput = { logits, hidden_states: out.hidden_states, attentions: out.attentions };
    // `next_sentence_label` is HF's deprecated name for `labels` here.
    const labels = inputs.labels ?? inputs.next_sentence_label;
    if (labels != null) result.loss = cross_entropy(logits, labels_of("labels", labels, [logits.shape[0]]));
    return result;
  }
}

export interface BertForPreTraining { <I extends BertInputs>(inputs: I): OutputFor<I, BertForPreTrainingOutput> }
export interface BertForMaskedLM { <I extends BertInputs>(inputs: I): OutputFor<I, MaskedLMOutput> }
export interface BertLMHeadModel { <I extends BertInputs>(inputs: I): OutputFor<I, CausalLMOutputWithCrossAttentions> }
export interface BertForNextSentencePrediction { <I extends BertInputs>(inputs: I): OutputFor<I, NextSentencePredictorOutput> }
