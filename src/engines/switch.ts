// The engine switch: run a bertlab model's forward on tfjs or on the ONNX engine.
//   const out = await forward_with_engine(model, { input_ids, attention_mask }, { engine: "auto" });
// "auto" takes ONNX when onnxruntime-node loads and the call is plain inference (eval mode, no labels,
// no past_key_values / inputs_embeds / position_ids / cross-attention); otherwise tfjs. The compiled
// engine is cached per model and rebuilt when any of its weights changed (Variable.assign, load).
import { tf } from "../backend";
import { ARCHITECTURES } from "./onnx/bert_graph";
import { engine_for, ModelLike, outputs_to_tensors, release_engine, IdsLike } from "./onnx/engine";
import { onnx_available } from "./onnx/runtime";
import { with_engine } from "./sync/forward";
import { check_model_inputs } from "./input_checks";

/** The forward engines: "tfjs" (bertlab's own layers), "onnx" (ONNX Runtime) or "auto" (ONNX for plain eval-mode inference when it loads, else tfjs). */
export type EngineName = "auto" | "tfjs" | "onnx";

/** What the switch needs from a bertlab model (src/models' BertPreTrainedModel has all of it). */
export interface SwitchableModel extends ModelLike {
  training?: boolean;
  state_dict(): Map<string, tf.Tensor>;
  forward(inputs: object): object;
}

/** Options of forward_with_engine: which engine runs the forward, and which extra outputs it returns. */
export interface EngineCallOptions {
  engine?: EngineName;
  output_hidden_states?: boolean;
  output_attentions?: boolean;
}

const LOSS_KEYS = ["labels", "next_sentence_label", "start_positions", "end_positions"];
const TFJS_ONLY_KEYS = ["past_key_values", "inputs_embeds", "position_ids", "encoder_hidden_states", "encoder_attention_mask", "head_mask"];

/** Why this call cannot run on the ONNX engine, or null when it can. */
export function onnx_unsupported_reason(model: SwitchableModel, inputs: Record<string, unknown>): string | null {
  const arch = model.architecture ?? model.constructor?.name;
  if (!(ARCHITECTURES as readonly string[]).includes(arch)) return `architecture '${arch}' has no ONNX graph`;
  if (model.training) return "the model is in training mode (dropout); call model.eval()";
  if (model.config.add_cross_attention) return "cross-attention is not compiled to ONNX";
  const pruned = (model.config as { pruned_heads?: Record<string, number[]> }).pruned_heads;
  if (pruned && Object.values(pruned).some((h) => h.length > 0)) return "the model has pruned heads (config.pruned_heads), which the ONNX graph does not model";
  for (const k of LOSS_KEYS) if (inputs[k] != null) return `'${k}' asks for a loss, which the ONNX engine does not compute`;
  for (const k of TFJS_ONLY_KEYS) if (inputs[k] != null) return `'${k}' is not an input of the ONNX graph`;
  if (inputs.use_cache) return "use_cache (past_key_values) is tfjs only";
  if (inputs.input_ids == null) return "input_ids is required";
  return null;
}

const versions = new WeakMap<object, unknown[]>();

/** The weights' identity: each parameter's dataId (a new one after every assign), and the quantization. */
function signature(model: SwitchableModel): unknown[] {
  return [...[...model.state_dict().values()].map((t) => t.dataId), model.quantization ?? null];
}

function sameSignature(a: unknown[] | undefined, b: unknown[]): boolean {
  return !!a && a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * A forward pass on the chosen engine. Returns the HF output record as tfjs tensors (hidden_states /
 * attentions as arrays); the caller owns them. `engine: "onnx"` with an unsupported call is an error
 * naming the reason; `"auto"` falls back to tfjs.
 */
export async function forward_with_engine(model: SwitchableModel, inputs: Record<string, unknown>, options: EngineCallOptions = {}): Promise<Record<string, tf.Tensor | tf.Tensor[]>> {
  const engine = options.engine ?? "auto";
  if (!["auto", "tfjs", "onnx"].includes(engine)) throw new Error(`forward_with_engine: engine '${engine}' is not one of auto, tfjs, onnx`);
  const flags = { output_hidden_states: options.output_hidden_states ?? (inputs.output_hidden_states as boolean | undefined), output_attentions: options.output_attentions ?? (inputs.output_attentions as boolean | undefined) };
  check_model_inputs(model.architecture ?? model.constructor?.name, model.config, inputs); // on every engine, before the choice
  const why = onnx_unsupported_reason(model, inputs);
  const useOnnx = engine === "onnx" || (engine === "auto" && why === null && onnx_available());
  // tfjs here means tfjs: model.forward would otherwise pick ONNX itself in auto mode
  if (!useOnnx) return with_engine(model, "tfjs", () => model.forward({ ...inputs, ...definedOnly(flags) })) as Record<string, tf.Tensor | tf.Tensor[]>;
  if (why) throw new Error(`forward_with_engine: engine 'onnx' cannot run this call: ${why}`);
  const sig = signature(model);
  if (!sameSignature(versions.get(model), sig)) {
    await release_engine(model); // weights changed since the engine was compiled
    versions.set(model, sig);
  }
  const e = await engine_for(model);
  const out = await e.run(
    { input_ids: inputs.input_ids as IdsLike, attention_mask: inputs.attention_mask as IdsLike | undefined, token_type_ids: inputs.token_type_ids as IdsLike | undefined },
    { output_hidden_states: !!flags.output_hidden_states, output_attentions: !!flags.output_attentions },
  );
  return outputs_to_tensors(out);
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
