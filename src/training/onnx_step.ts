// The Trainer's ONNX Runtime path (TrainingArguments.train_engine "onnx" / "auto"): each optimizer step is
// one run of the training graph of src/engines/onnx (forward + backward + clipping + torch.optim.AdamW),
// the weights and Adam moments living in that step object between syncs. `sync()` writes them back into
// the model's variables and the AdamW's state (before evaluation, checkpoints and at the end of training),
// so evaluation, save_pretrained, checkpoints and resuming work as on the tfjs path.
import { tf } from "../backend";
import { OnnxTrainStep, TRAIN_ARCHITECTURES, onnx_available, weights_from_tensors } from "../engines";
import type { AdamW, AdamWStateDict } from "./adamw";
import type { TfBatch } from "./padding";

/** What the ONNX path needs from a model (bertlab's BERT heads have it). */
export interface OnnxTrainableModel {
  config: Record<string, unknown>;
  named_parameters(): [string, tf.Variable][];
  state_dict?: () => Map<string, tf.Tensor>;
}

const hfName = (variableName: string) => variableName.replace(/^[^/]*\//, "");

/**
 * Why this run cannot take the ONNX path (null: it can). `custom_loss`: a compute_loss other than the
 * model's own loss or masked_lm_loss (which computes the same value).
 */
export function onnx_training_unsupported(model: OnnxTrainableModel, optimizer: AdamW, o: { gradient_accumulation_steps: number; custom_loss: boolean }): string | null {
  if (!onnx_available()) return "onnxruntime-node is not installed";
  const arch = model.constructor?.name;
  if (!(TRAIN_ARCHITECTURES as readonly string[]).includes(arch)) return `the ONNX train graph covers ${TRAIN_ARCHITECTURES.join(", ")}, not ${arch}`;
  const c = model.config as { hidden_act?: string; is_decoder?: boolean; num_labels?: number; problem_type?: string | null };
  if ((c.hidden_act ?? "gelu") !== "gelu") return `config.hidden_act='${c.hidden_act}' (the graph has the erf GELU only)`;
  if (c.is_decoder) return "config.is_decoder=true";
  if (arch === "BertForSequenceClassification" && ((c.num_labels ?? 2) < 2 || (c.problem_type && c.problem_type !== "single_label_classification"))) {
    return "regression / multi-label classification (the graph has the single-label cross-entropy)";
  }
  if (o.gradient_accumulation_steps > 1) return "gradient_accumulation_steps > 1";
  if (o.custom_loss) return "a custom compute_loss (only the model's own loss and masked_lm_loss)";
  if (optimizer.constructor.name !== "AdamW") return `optimizer ${optimizer.constructor.name} (the graph has torch.optim.AdamW)`;
  if (optimizer.param_groups.some((g) => g.amsgrad)) return "amsgrad";
  return null;
}

export class OnnxTrainerStep {
  private constructor(private readonly step: OnnxTrainStep, private readonly model: OnnxTrainableModel, private readonly optimizer: AdamW) {}

  /** Copies the model's weights and the optimizer's state (moments, step count) into a new ORT train step. */
  static async create(model: OnnxTrainableModel, optimizer: AdamW, o: { max_grad_norm: number; seed: number; dropout: boolean; threads?: number }): Promise<OnnxTrainerStep> {
    const c = model.config as { hidden_dropout_prob?: number; attention_probs_dropout_prob?: number; classifier_dropout?: number | null };
    const sd = optimizer.state_dict();
    const exp_avg = new Map<string, Float32Array>();
    const exp_avg_sq = new Map<string, Float32Array>();
    let step = 0;
    for (const [name, s] of Object.entries(sd.state)) {
      exp_avg.set(hfName(name), s.exp_avg.data as Float32Array);
      exp_avg_sq.set(hfName(name), s.exp_avg_sq.data as Float32Array);
      step = Math.max(step, s.step);
    }
    const hidden = o.dropout ? c.hidden_dropout_prob ?? 0.1 : 0;
    const weights = weights_from_tensors(model.state_dict ? model.state_dict() : model.named_parameters());
    const ort = await OnnxTrainStep.create({
      config: model.config, weights, architecture: model.constructor.name, max_grad_norm: o.max_grad_norm, seed: o.seed, step, exp_avg, exp_avg_sq, threads: o.threads,
      dropout: { hidden, attention: o.dropout ? c.attention_probs_dropout_prob ?? 0.1 : 0, classifier: o.dropout ? c.classifier_dropout ?? hidden : 0 },
      param_groups: optimizer.param_groups.map((g) => ({ params: g.params.map(hfName), lr: g.lr, betas: g.betas, eps: g.eps, weight_decay: g.weight_decay })),
    });
    return new OnnxTrainerStep(ort, model, optimizer);
  }

  /** One optimizer step on a collated batch with the groups' current learning rates (the scheduler's). */
  async run(inputs: TfBatch): Promise<{ loss: number; grad_norm: number }> {
    this.optimizer.param_groups.forEach((g, i) => (this.step.param_groups[i].lr = g.lr));
    const { input_ids, attention_mask, token_type_ids, labels, next_sentence_label } = inputs as Record<string, tf.Tensor | undefined>;
    if (!input_ids || !labels) throw new Error(`Trainer (train_engine onnx): the batch needs input_ids and labels; it has ${Object.keys(inputs).join(", ")}`);
    return this.step.step({ input_ids, attention_mask, token_type_ids, labels, next_sentence_label });
  }

  /** Writes the current weights into the model's variables and the moments into the optimizer's state. */
  sync(): void {
    const vars = new Map(this.model.named_parameters());
    for (const [name, data] of this.step.weights()) {
      const v = vars.get(name) ?? vars.get(`bert.${name}`);
      if (!v) throw new Error(`Trainer (train_engine onnx): the model has no parameter '${name}'`);
      tf.tidy(() => v.assign(tf.tensor(data, v.shape, "float32")));
    }
    const byHf = new Map([...vars].map(([n, v]) => [n, v.name]));
    const { exp_avg, exp_avg_sq } = this.step.moments();
    const state: AdamWStateDict["state"] = {};
    for (const [name, m] of exp_avg) {
      const v = vars.get(name)!;
      state[byHf.get(name)!] = {
        step: this.step.step_count,
        exp_avg: { dtype: "float32", shape: [...v.shape], data: Float32Array.from(m) },
        exp_avg_sq: { dtype: "float32", shape: [...v.shape], data: Float32Array.from(exp_avg_sq.get(name)!) },
      };
    }
    this.optimizer.load_state_dict({ state, param_groups: this.optimizer.state_dict().param_groups });
  }

  async dispose(): Promise<void> {
    await this.step.dispose();
  }
}
