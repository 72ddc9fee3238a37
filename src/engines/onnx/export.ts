// `export_onnx`: writes the ONNX graph the engine builds to a file, for onnxruntime elsewhere (a server,
// Triton, Python). Inputs input_ids / attention_mask / token_type_ids (int64, dynamic "batch" and
// "sequence" axes), outputs named as HF's ONNX exports name them (last_hidden_state, pooler_output,
// logits, start_logits / end_logits, prediction_logits / seq_relationship_logits). Standard ai.onnx
// opset-17 ops by default (the ONNX checker accepts them; ORT fuses them itself at load);
// `fused: true` writes ORT's com.microsoft contrib-op layers, the fp32 graph the engine runs.
//   export_onnx(model, "out/model.onnx", { quantize: { per_channel: true } })
import { buildBertGraph } from "./bert_graph";
import { model_architecture, model_weights, ModelLike } from "./engine";
import { OPSET } from "./graph";
import { QuantizeOptions, ResolvedQuantize } from "./quantize";
import { writeFileAtomicSync } from "../../utils/fs";

/** Options of export_onnx: int8 quantization, fused contrib ops and extra outputs of the written graph. */
export interface ExportOnnxOptions {
  /**
   * Dynamic int8 weights (as model.quantize()); default: the model's own quantization; null / false: fp32.
   * `scheme: "auto"` writes the scheme of this CPU (u8s8 with VNNI); a file meant for any x86-64 CPU wants
   * `{ scheme: "reduce_range" }` (or "u8u8"), which never saturates (cpu.ts).
   */
  quantize?: QuantizeOptions | boolean | null;
  /** ORT contrib ops (Attention, SkipLayerNormalization, BiasGelu) where the config allows; default false. */
  fused?: boolean;
  /** Also output hidden_states.0 … hidden_states.L (embeddings, then each layer). */
  output_hidden_states?: boolean;
  /** Also output attentions.0 … (attention probabilities per layer). */
  output_attentions?: boolean;
}

/** What export_onnx returns: the file written, its head, opset, input / output names, quantization and size in bytes. */
export interface ExportOnnxResult {
  path: string;
  /** HF class name of the graph's head. */
  architecture: string;
  /** ai.onnx opset (com.microsoft opset 1 is imported too; used only when `contrib_ops`). */
  opset: number;
  inputs: string[];
  outputs: string[];
  quantize: ResolvedQuantize | null;
  /** Whether com.microsoft contrib ops are in the graph (only ONNX Runtime runs those). */
  contrib_ops: boolean;
  bytes: number;
}

/** Writes the model's ONNX graph to `file` atomically (temporary file + rename). */
export function export_onnx(model: ModelLike, file: string, options: ExportOnnxOptions = {}): ExportOnnxResult {
  if (typeof file !== "string" || file === "") throw new Error(`export_onnx: expected a file path, got ${JSON.stringify(file)}`);
  const architecture = model_architecture(model);
  const quantize = options.quantize === undefined ? model.quantization ?? null : options.quantize;
  const built = buildBertGraph(model.config, model_weights(model, "export_onnx"), architecture, {
    output_hidden_states: !!options.output_hidden_states,
    output_attentions: !!options.output_attentions,
    fused: options.fused ?? false,
    quantize,
  });
  writeFileAtomicSync(file, built.bytes);
  return {
    path: file,
    architecture,
    opset: OPSET,
    inputs: ["input_ids", "attention_mask", "token_type_ids"],
    outputs: built.outputs,
    quantize: built.quantize,
    contrib_ops: built.fused,
    bytes: built.bytes.length,
  };
}
