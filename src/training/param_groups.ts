// Hugging Face's two parameter groups: weight decay on weights, none on biases and LayerNorm
// parameters (Trainer.create_optimizer: decay = parameters outside LayerNorm modules whose name has
// no "bias"; the run_glue examples' rule ["bias", "LayerNorm.weight"] gives the same split on BERT).
import { tf } from "../backend";
import type { AdamWGroupOptions } from "./adamw";

/** What the helpers need from a model: HF parameter names with their variables. */
export interface NamedParameters {
  named_parameters(): [string, tf.Variable][];
}

/** True when `hf_name` (e.g. `encoder.layer.0.output.LayerNorm.weight`) belongs to a LayerNorm module. */
export function is_layer_norm_parameter(hf_name: string): boolean {
  const parts = hf_name.split(".");
  const module = parts[parts.length - 2] ?? "";
  return /^(LayerNorm|layer_?norm)$/i.test(module);
}

/** HF `get_decay_parameter_names`: names that get weight decay (not biases, not LayerNorm parameters), in model order. */
export function get_decay_parameter_names(model: NamedParameters | string[]): string[] {
  const names = Array.isArray(model) ? model : model.named_parameters().map(([n]) => n);
  return names.filter((n) => !is_layer_norm_parameter(n) && !n.includes("bias"));
}

/**
 * The usual two groups for AdamW: `[{ params: decay, weight_decay }, { params: no_decay, weight_decay: 0 }]`,
 * holding the model's tf.Variables (tied weights appear once). Pass them as `new AdamW({ lr, param_groups })`.
 */
export function get_grouped_parameters(model: NamedParameters, weight_decay: number): AdamWGroupOptions[] {
  const decay = new Set(get_decay_parameter_names(model));
  const seen = new Set<string>();
  const groups: [tf.Variable[], tf.Variable[]] = [[], []];
  for (const [name, v] of model.named_parameters()) {
    if (!v.trainable || seen.has(v.name)) continue;
    seen.add(v.name);
    groups[decay.has(name) ? 0 : 1].push(v);
  }
  return [
    { params: groups[0], weight_decay },
    { params: groups[1], weight_decay: 0.0 },
  ];
}
