// One small int8 forward against fp32 on this CPU: the proof line of `bertlab doctor` for int8.
//   const r = await int8_forward_check();  // { scheme: "u8s8", cosine: 0.99998, ok: true, cpu: {...}, ... }
// The default model is a small BERT whose dense weights all sit at ±max (every int8 weight is ±qmax) and
// whose GELU activations are one-signed, so a GEMM that saturates pairs of u8×s8 products (AVX2 u8s8)
// shows up as a cosine well below the floor; pass `model` to check a real one (e.g. the shipped mini-BERT).
import type { TensorData } from "../../hub/safetensors";
import { Int8CpuInfo, Int8Scheme, int8_cpu_info } from "./cpu";
import type { EngineBertConfig, WeightsLike } from "./config";
import { OnnxBertEngine } from "./engine";

/** The accuracy floor of int8 against fp32 (cosine of the last hidden state), on every CPU class. */
export const INT8_COSINE_FLOOR = 0.999;

/** `int8_forward_check()`'s result: the scheme that ran, int8's cosine against fp32, whether it meets INT8_COSINE_FLOOR, the time, the model and the CPU. */
export interface Int8ForwardCheck {
  /** The scheme that ran (the CPU's choice unless `scheme` was given). */
  scheme: Int8Scheme;
  /** Cosine of int8 against fp32 over the last hidden state and the pooled output. */
  cosine: number;
  /** cosine ≥ INT8_COSINE_FLOOR. */
  ok: boolean;
  /** Milliseconds for both engines (build + one forward each). */
  ms: number;
  /** Which model ran ("synthetic saturation probe" or the caller's label). */
  model: string;
  /** The CPU it ran on (int8_cpu_info()). */
  cpu: Int8CpuInfo;
}

/** `int8_forward_check()`'s options: a forced scheme, a real model instead of the synthetic saturation probe, the input ids. */
export interface Int8CheckOptions {
  /** Force a scheme (default: the CPU's, as model.quantize() picks it). */
  scheme?: Int8Scheme;
  /** A real model to check instead of the synthetic probe (BertModel weights, HF names). */
  model?: { config: EngineBertConfig; weights: WeightsLike; architecture?: string; label?: string };
  /** Input ids [batch, seq] (default: 2 × 32 ids spread over the vocabulary). */
  input_ids?: number[][];
}

/** xorshift32 → [0, 1). */
function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/**
 * The probe: BertModel, hidden 64, 2 layers, 4 heads, intermediate 256, vocab 512. Dense weights are
 * ±0.08 (random signs), so per-channel int8 puts every weight at ±127 (±63 with reduce_range); the
 * embeddings are wide (std 1), so the GELU outputs feeding each layer's output dense reach the top of the
 * uint8 range on consecutive inputs — where vpmaddubsw's int16 pair sum (≤ 32,767) overflows.
 */
export function saturation_probe(): { config: EngineBertConfig; weights: Map<string, TensorData> } {
  const config: EngineBertConfig = { vocab_size: 512, hidden_size: 64, num_hidden_layers: 2, num_attention_heads: 4, intermediate_size: 256, max_position_embeddings: 64, type_vocab_size: 2, hidden_act: "gelu", layer_norm_eps: 1e-12 };
  const H = 64, I = 256;
  const r = rng(20);
  const w = new Map<string, TensorData>();
  const put = (name: string, shape: number[], f: () => number) => w.set(name, { dtype: "float32", shape, data: Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, f) });
  const normal = () => (r() + r() + r() - 1.5) * 2; // std 1
  put("embeddings.word_embeddings.weight", [512, H], normal);
  put("embeddings.position_embeddings.weight", [64, H], () => normal() * 0.1);
  put("embeddings.token_type_embeddings.weight", [2, H], () => 0);
  const ln = (p: string) => (put(`${p}.weight`, [H], () => 1), put(`${p}.bias`, [H], () => 0));
  const dense = (p: string, out: number, inp: number) => (put(`${p}.weight`, [out, inp], () => (r() < 0.5 ? -0.08 : 0.08)), put(`${p}.bias`, [out], () => 0));
  ln("embeddings.LayerNorm");
  for (let i = 0; i < 2; i++) {
    const p = `encoder.layer.${i}`;
    for (const m of ["query", "key", "value"]) dense(`${p}.attention.self.${m}`, H, H);
    dense(`${p}.attention.output.dense`, H, H);
    ln(`${p}.attention.output.LayerNorm`);
    dense(`${p}.intermediate.dense`, I, H);
    dense(`${p}.output.dense`, H, I);
    ln(`${p}.output.LayerNorm`);
  }
  dense("pooler.dense", H, H);
  return { config, weights: w };
}

function cosine(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let d = 0, na = 0, nb = 0; // prettier-ignore
  for (let i = 0; i < a.length; i++) {
    d += a[i] * b[i];
    na += a[i] * a[i];
    nb += b[i] * b[i];
  }
  return d / Math.sqrt(na * nb);
}

/**
 * Runs one small forward in fp32 and in int8 (the CPU's scheme, or `scheme`) and compares them. Never
 * writes the int8 graph cache. Needs onnxruntime-node (its load error propagates).
 */
export async function int8_forward_check(options: Int8CheckOptions = {}): Promise<Int8ForwardCheck> {
  const t0 = performance.now();
  const cpu = int8_cpu_info();
  const scheme = options.scheme ?? cpu.scheme;
  const m = options.model ?? { ...saturation_probe(), label: "synthetic saturation probe" };
  const architecture = m.architecture ?? "BertModel";
  const vocab = m.config.vocab_size ?? 30522;
  const ids = options.input_ids ?? Array.from({ length: 2 }, (_, b) => Array.from({ length: 32 }, (_, i) => (1 + b * 131 + i * 37) % vocab));
  const input = { input_ids: ids };
  const common = { config: m.config, weights: m.weights, architecture, threads: 1, cache: false };
  const fp32 = await OnnxBertEngine.create(common);
  const int8 = await OnnxBertEngine.create({ ...common, quantize: { scheme } });
  try {
    const [a, b] = [await fp32.run(input, { output_hidden_states: true }), await int8.run(input, { output_hidden_states: true })];
    const last = (o: typeof a) => o.hidden_states![o.hidden_states!.length - 1].data;
    let cos = cosine(last(b), last(a));
    if (a.pooler_output && b.pooler_output) cos = Math.min(cos, cosine(b.pooler_output.data, a.pooler_output.data));
    return { scheme, cosine: cos, ok: cos >= INT8_COSINE_FLOOR, ms: performance.now() - t0, model: m.label ?? architecture, cpu };
  } finally {
    await fp32.dispose();
    await int8.dispose();
  }
}
