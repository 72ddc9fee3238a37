// What the ONNX engine reads from a config.json / BertConfig, with Hugging Face's defaults, and a
// weight lookup that accepts checkpoints with or without the "bert." prefix.
import type { LazyTensor } from "../../hub/lazy";
import type { TensorData } from "../../hub/safetensors";
import { BERT_DEFAULTS } from "../../models/bert/config_defaults";

/** The config.json keys the engine uses (any BertConfig-like object has them). */
export interface EngineBertConfig {
  vocab_size?: number;
  hidden_size?: number;
  num_hidden_layers?: number;
  num_attention_heads?: number;
  intermediate_size?: number;
  hidden_act?: string;
  max_position_embeddings?: number;
  type_vocab_size?: number;
  layer_norm_eps?: number;
  position_embedding_type?: string;
  is_decoder?: boolean;
  add_cross_attention?: boolean;
  tie_word_embeddings?: boolean;
  num_labels?: number;
  id2label?: Record<string, string>;
}

/** The config with every field the graph needs filled in (HF BertConfig defaults). */
export interface ResolvedConfig {
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  hidden_act: string;
  max_position_embeddings: number;
  type_vocab_size: number;
  layer_norm_eps: number;
  position_embedding_type: "absolute" | "relative_key" | "relative_key_query";
  is_decoder: boolean;
  add_cross_attention: boolean;
  tie_word_embeddings: boolean;
}

export function resolveConfig(c: EngineBertConfig): ResolvedConfig {
  const given = Object.fromEntries(Object.entries(c).filter(([k, v]) => v != null && k in BERT_DEFAULTS));
  const r: ResolvedConfig = { ...BERT_DEFAULTS, ...given } as ResolvedConfig;
  if (!["absolute", "relative_key", "relative_key_query"].includes(r.position_embedding_type)) {
    throw new Error(`config.position_embedding_type='${r.position_embedding_type}' is not supported; expected absolute, relative_key or relative_key_query`);
  }
  if (r.hidden_size % r.num_attention_heads !== 0) {
    throw new Error(`config.hidden_size=${r.hidden_size} is not a multiple of num_attention_heads=${r.num_attention_heads}`);
  }
  return r;
}

/**
 * Named weights: decoded arrays, or a checkpoint reader's lazy tensors (`open_safetensors(file).tensors`),
 * read only when the graph needs them and never kept.
 */
export type WeightsLike = Map<string, TensorData | LazyTensor> | Record<string, TensorData | LazyTensor>;

function isLazy(t: TensorData | LazyTensor): t is LazyTensor {
  return typeof (t as LazyTensor).read_into === "function";
}

/** Looks up HF parameter names; tolerates a missing/extra "bert." prefix and old gamma/beta names. */
export class WeightStore {
  private map: Map<string, TensorData | LazyTensor>;
  constructor(weights: WeightsLike, private readonly architecture: string) {
    this.map = weights instanceof Map ? weights : new Map(Object.entries(weights));
  }

  private candidates(name: string): string[] {
    const names = [name];
    if (name.startsWith("bert.")) names.push(name.slice(5));
    else names.push(`bert.${name}`);
    for (const n of [...names]) {
      if (n.endsWith("LayerNorm.weight")) names.push(n.replace(/weight$/, "gamma"));
      if (n.endsWith("LayerNorm.bias")) names.push(n.replace(/bias$/, "beta"));
    }
    return names;
  }

  has(name: string): boolean {
    return this.candidates(name).some((n) => this.map.has(n));
  }

  /** The tensor, checked against the expected shape (a lazy one is read now); a clear error when it is missing. */
  get(name: string, shape?: number[]): TensorData {
    for (const n of this.candidates(name)) {
      const t = this.map.get(n);
      if (!t) continue;
      if (t.dtype !== "float32") throw new Error(`${this.architecture}: weight '${n}' is ${t.dtype}; expected float32`);
      if (shape && (t.shape.length !== shape.length || t.shape.some((d, i) => d !== shape[i]))) {
        throw new Error(`${this.architecture}: weight '${n}' has shape [${t.shape}]; expected [${shape}]`);
      }
      if (!isLazy(t)) return t;
      const data = new Float32Array(t.shape.reduce((a, b) => a * b, 1));
      t.read_into(data);
      return { dtype: "float32", shape: t.shape.slice(), data };
    }
    throw new Error(`${this.architecture}: missing weight '${name}' (looked for ${this.candidates(name).map((n) => `'${n}'`).join(", ")})`);
  }
}
