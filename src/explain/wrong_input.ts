// Errors that name the right function. Every explain and plot function that takes another one's output (or a
// model's attentions) first asks `check_not_sibling`: when the value is recognisably some other function's result
// — attention_rollout's { rollout, layers }, logit_lens' { final_probs }, a model's whole output record, a chart —
// it throws saying whose output it is and the call that takes it, e.g.
//   plot_attention: this is attention_rollout's output; draw it with plot_rollout(rollout, tokens)
// Recognition is by the records' own field names (they are plain objects), so it costs nothing on good input.

/** What produced a value, recognised from its fields; null when it is none of bertlab's records. */
export function producer_of(x: unknown): string | null {
  if (x === null || typeof x !== "object" || Array.isArray(x)) return null;
  const o = x as Record<string, unknown>;
  const has = (...keys: string[]) => keys.every((k) => k in o);
  if (has("rollout", "layers")) return "attention_rollout";
  if (has("flow", "layers", "layer_indices")) return "attention_flow";
  if (has("final_probs", "final_top", "layers")) return "logit_lens";
  if (has("importance", "raw", "entropy")) return "head_importance";
  if (has("tokens", "layers") && Array.isArray(o.layers) && o.layers.length > 0 && typeof o.layers[0] === "object" && o.layers[0] !== null && "queries" in (o.layers[0] as object)) return "attention_details";
  if (has("method", "tokens", "scores", "input_ids")) return typeof o.method === "string" && o.method !== "" ? o.method : "integrated_gradients";
  if ("library" in o && (has("spec") || has("html") || has("layout"))) return "chart";
  if (has("attentions") || has("last_hidden_state") || has("logits") || has("prediction_logits") || has("start_logits")) return "model output";
  return null;
}

/** The call that takes each producer's output (what to write instead). */
const DRAW: Record<string, string> = {
  attention_rollout: "plot_rollout(rollout, tokens)",
  attention_flow: "plot_rollout(flow, tokens)",
  logit_lens: "plot_logit_lens(lens)",
  head_importance: "plot_head_importance(result)",
  attention_details: "neuron_view(details) (or neuron_view_static(details))",
  integrated_gradients: "token_attribution_html(ig) or plot_token_attributions(ig)",
  saliency: "token_attribution_html(result) or plot_token_attributions(result)",
  input_x_gradient: "token_attribution_html(result) or plot_token_attributions(result)",
  occlusion: "token_attribution_html(result) or plot_token_attributions(result)",
  chart: "show(chart) (it is already a chart)",
};

/**
 * Throws when `value` (the argument `arg` of `fn`) is another function's output: says whose, and what takes it.
 * `accepts` lists the producers `fn` itself takes. A model's whole output record where attentions are expected
 * gets "pass outputs.attentions (run the model with output_attentions: true)".
 */
export function check_not_sibling(fn: string, arg: string, value: unknown, accepts: string[] = []): void {
  const who = producer_of(value);
  if (who === null || accepts.includes(who)) return;
  if (who === "model output") {
    const o = value as Record<string, unknown>;
    if (arg === "attentions") {
      const how = o.attentions ? `${fn}(outputs.attentions, ...)` : `${fn}(model({ ...inputs, output_attentions: true }).attentions, ...)`;
      throw new TypeError(`${fn}: ${arg} got a model's whole output record; pass its attentions: ${how}`);
    }
    if (arg === "scores" && o.logits) throw new TypeError(`${fn}: ${arg} got a model's whole output record; pass its logits: ${fn}(outputs.logits, ...)`);
    return;
  }
  if (who === "chart") throw new TypeError(`${fn}: ${arg} is already a chart; display it with show(chart)`);
  const method = DRAW[who] ?? DRAW.integrated_gradients;
  const which = who in DRAW ? who : `${who} (a token attribution)`;
  throw new TypeError(`${fn}: this is ${which}'s output; draw it with ${method}`);
}

/** neuron_view takes attention_details(...), not attentions: the hint both at run time and in its type. */
export const NEURON_VIEW_HINT = "neuron_view needs queries and keys, not attention weights: neuron_view(attention_details(model, inputs, { tokenizer }))";
