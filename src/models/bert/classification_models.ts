// The task models with a fresh classifier on top of BERT: sequence classification (regression,
// single- and multi-label, problem type inferred as HF), multiple choice, token classification and
// extractive question answering (start/end logits).
import { tf } from "../../backend";
import { binary_cross_entropy_with_logits, cross_entropy, Dropout, Linear, mse_loss } from "../../nn";
import type { BertConfig, BertConfigDict, ProblemType } from "./configuration_bert";
import { to_tensor, BertInputs, TensorInput } from "./inputs";
import { bert_tensors, BertModel } from "./modeling_bert";
import type { MultipleChoiceModelOutput, OutputFor, QuestionAnsweringModelOutput, SequenceClassifierOutput, TokenClassifierOutput } from "./outputs";
import { BertPreTrainedModel, without_init } from "./pretrained";

function classifier_dropout(config: BertConfig): Dropout {
  return new Dropout(config.classifier_dropout ?? config.hidden_dropout_prob);
}

/**
 * HF's problem-type inference: 1 label → regression; integer labels → single-label; else multi-label. One addition
 * for JavaScript, where `tf.tensor([1])` is float32 while Python's `torch.tensor([1])` is int64: float labels of shape
 * [batch] holding whole numbers in [0, num_labels) are class ids (single-label) — multi-label targets must have the
 * logits' shape [batch, num_labels], so Python would only have raised a shape error there.
 */
export function infer_problem_type(config: BertConfig, labels: tf.Tensor): ProblemType {
  if (config.problem_type) return config.problem_type;
  if (config.num_labels === 1) return "regression";
  if (labels.dtype === "int32") return "single_label_classification";
  if (labels.rank === 1 && config.num_labels > 1) {
    const v = labels.dataSync();
    if (v.every((x) => Number.isInteger(x) && x >= 0 && x < config.num_labels)) return "single_label_classification";
  }
  return "multi_label_classification";
}

/**
 * BERT with a sequence classification head on the pooled output (Python: `transformers.BertForSequenceClassification`): logits [batch, num_labels]; a loss with labels (cross-entropy, MSE for one label, BCE for multi-label).
 * @example
 * ```ts
 * const clf = await BertForSequenceClassification.from_pretrained("bertlab/mini-bert-uncased-sentiment");
 * clf(tokenizer("a wonderful film", { return_tensors: "tf" })).logits.softmax(-1)
 * ```
 */
export class BertForSequenceClassification extends BertPreTrainedModel<SequenceClassifierOutput> {
  readonly num_labels: number;
  readonly bert: BertModel;
  readonly dropout: Dropout;
  readonly classifier: Linear;

  constructor(config: BertConfig | BertConfigDict) {
    super(config);
    this.num_labels = this.config.num_labels;
    this.bert = this.register_module("bert", without_init(() => new BertModel(this.config)));
    this.dropout = this.register_module("dropout", classifier_dropout(this.config));
    this.classifier = this.register_module("classifier", new Linear(this.config.hidden_size, this.num_labels, { std: this.config.initializer_range }));
    this.post_init();
  }

  protected _forward(inputs: BertInputs): SequenceClassifierOutput {
    const out = this.bert.run(bert_tensors(this.constructor.name, this.config, inputs));
    const logits = this.classifier.forward(this.dropout.forward(out.pooler_output!)) as tf.Tensor2D; // [b, num_labels]
    const result: SequenceClassifierOutput = { logits, hidden_states: out.hidden_states, attentions: out.attentions };
    if (inputs.labels != null) {
      const labels = to_tensor("labels", inputs.labels, "auto");
      const problem = infer_problem_type(this.config, labels);
      if (problem === "regression") {
        result.loss = this.num_labels === 1 ? mse_loss(logits.reshape([-1]), labels.toFloat().reshape([-1])) : mse_loss(logits, labels.toFloat());
      } else if (problem === "single_label_classification") {
        result.loss = cross_entropy(logits.reshape([-1, this.num_labels]), labels.toInt().reshape([-1]));
      } else {
        result.loss = binary_cross_entropy_with_logits(logits, labels.toFloat());
      }
    }
    return result;
  }
}

/** [batch, num_choices, ...rest] → [batch * num_choices, ...rest] (undefined stays undefined). */
function flatten_choices(name: string, v: TensorInput | undefined, dtype: "int32" | "float32", rank: number): tf.Tensor | undefined {
  if (v == null) return undefined;
  const t = to_tensor(name, v, dtype, rank);
  return t.reshape([-1, ...t.shape.slice(2)]);
}

/**
 * BERT with a multiple-choice head (Python: `transformers.BertForMultipleChoice`): inputs [batch, num_choices, seq] → logits [batch, num_choices].
 * @example
 * ```ts
 * const mc = await BertForMultipleChoice.from_pretrained("bertlab/mini-bert-uncased")
 * ```
 */
export class BertForMultipleChoice extends BertPreTrainedModel<MultipleChoiceModelOutput> {
  readonly bert: BertModel;
  readonly dropout: Dropout;
  readonly classifier: Linear;

  constructor(config: BertConfig | BertConfigDict) {
    super(config);
    this.bert = this.register_module("bert", without_init(() => new BertModel(this.config)));
    this.dropout = this.register_module("dropout", classifier_dropout(this.config));
    this.classifier = this.register_module("classifier", new Linear(this.config.hidden_size, 1, { std: this.config.initializer_range }));
    this.post_init();
  }

  protected _forward(inputs: BertInputs): MultipleChoiceModelOutput {
    const first = inputs.input_ids ?? inputs.inputs_embeds;
    const shape = first instanceof tf.Tensor ? first.shape : first ? to_tensor("input_ids", first, "float32").shape : [];
    if (inputs.input_ids != null && shape.length !== 3) throw new Error(`input_ids must be [batch, num_choices, seq] for ${this.constructor.name}, got [${shape}]`);
    const num_choices = shape[1]!;
    const flat: BertInputs = {
      ...inputs,
      input_ids: flatten_choices("input_ids", inputs.input_ids, "int32", 3),
      attention_mask: flatten_choices("attention_mask", inputs.attention_mask, "float32", 3),
      token_type_ids: flatten_choices("token_type_ids", inputs.token_type_ids, "int32", 3),
      position_ids: flatten_choices("position_ids", inputs.position_ids, "int32", 3),
      inputs_embeds: flatten_choices("inputs_embeds", inputs.inputs_embeds, "float32", 4),
    };
    const out = this.bert.run(bert_tensors(this.constructor.name, this.config, flat));
    const logits = this.classifier.forward(this.dropout.forward(out.pooler_output!)).reshape([-1, num_choices]) as tf.Tensor2D; // [b, choices]
    const result: MultipleChoiceModelOutput = { logits, hidden_states: out.hidden_states, attentions: out.attentions };
    if (inputs.labels != null) result.loss = cross_entropy(logits, to_tensor("labels", inputs.labels, "int32").reshape([-1]));
    return result;
  }
}

/**
 * BERT with a token classification head (Python: `transformers.BertForTokenClassification`): logits [batch, seq, num_labels], e.g. NER.
 * @example
 * ```ts
 * const ner = await BertForTokenClassification.from_pretrained("bertlab/mini-bert-uncased-conll03")
 * ```
 */
export class BertForTokenClassification extends BertPreTrainedModel<TokenClassifierOutput> {
  readonly num_labels: number;
  readonly bert: BertModel;
  readonly dropout: Dropout;
  readonly classifier: Linear;

  constructor(config: BertConfig | BertConfigDict) {
    super(config);
    this.num_labels = this.config.num_labels;
    this.bert = this.register_module("bert", without_init(() => new BertModel(this.config, false)));
    this.dropout = this.register_module("dropout", classifier_dropout(this.config));
    this.classifier = this.register_module("classifier", new Linear(this.config.hidden_size, this.num_labels, { std: this.config.initializer_range }));
    this.post_init();
  }

  protected _forward(inputs: BertInputs): TokenClassifierOutput {
    const out = this.bert.run(bert_tensors(this.constructor.name, this.config, inputs));
    const logits = this.classifier.forward(this.dropout.forward(out.last_hidden_state)) as tf.Tensor3D; // [b, s, num_labels]
    const result: TokenClassifierOutput = { logits, hidden_states: out.hidden_states, attentions: out.attentions };
    if (inputs.labels != null) {
      result.loss = cross_entropy(logits.reshape([-1, this.num_labels]), to_tensor("labels", inputs.labels, "int32").reshape([-1]));
    }
    return result;
  }
}

/**
 * BERT with an extractive QA head (Python: `transformers.BertForQuestionAnswering`): start / end logits per token; a loss with start_positions and end_positions.
 * @example
 * ```ts
 * const out = qa(tokenizer(question, { text_pair: context, return_tensors: "tf" })); out.start_logits.argmax(-1)
 * ```
 */
export class BertForQuestionAnswering extends BertPreTrainedModel<QuestionAnsweringModelOutput> {
  readonly num_labels: number;
  readonly bert: BertModel;
  readonly qa_outputs: Linear;

  constructor(config: BertConfig | BertConfigDict) {
    super(config);
    this.num_labels = this.config.num_labels;
    this.bert = this.register_module("bert", without_init(() => new BertModel(this.config, false)));
    this.qa_outputs = this.register_module("qa_outputs", new Linear(this.config.hidden_size, this.num_labels, { std: this.config.initializer_range }));
    this.post_init();
  }

  protected _forward(inputs: BertInputs): QuestionAnsweringModelOutput {
    if (this.num_labels !== 2) throw new Error(`${this.constructor.name} needs config.num_labels = 2 (start and end), got ${this.num_labels}`);
    const out = this.bert.run(bert_tensors(this.constructor.name, this.config, inputs));
    const logits = this.qa_outputs.forward(out.last_hidden_state); // [b, s, 2]
    const [b, s] = logits.shape;
    const start_logits = logits.slice([0, 0, 0], [b, s, 1]).reshape([b, s]) as tf.Tensor2D;
    const end_logits = logits.slice([0, 0, 1], [b, s, 1]).reshape([b, s]) as tf.Tensor2D;
    const result: QuestionAnsweringModelOutput = { start_logits, end_logits, hidden_states: out.hidden_states, attentions: out.attentions };
    if (inputs.start_positions != null && inputs.end_positions != null) {
      // Positions outside the sequence are clamped to `ignored_index` (= seq length) and ignored, as HF.
      const ignored_index = s;
      const clamp = (name: string, v: TensorInput) => tf.clipByValue(to_tensor(name, v, "float32").reshape([-1]), 0, ignored_index).toInt();
      const start_loss = cross_entropy(start_logits, clamp("start_positions", inputs.start_positions), ignored_index);
      const end_loss = cross_entropy(end_logits, clamp("end_positions", inputs.end_positions), ignored_index);
      result.loss = tf.div(tf.add(start_loss, end_loss), 2) as tf.Scalar;
    }
    return result;
  }
}

export interface BertForSequenceClassification { <I extends BertInputs>(inputs: I): OutputFor<I, SequenceClassifierOutput> }
export interface BertForMultipleChoice { <I extends BertInputs>(inputs: I): OutputFor<I, MultipleChoiceModelOutput> }
export interface BertForTokenClassification { <I extends BertInputs>(inputs: I): OutputFor<I, TokenClassifierOutput> }
export interface BertForQuestionAnswering { <I extends BertInputs>(inputs: I): OutputFor<I, QuestionAnsweringModelOutput> }
