// Random-initialised BERT weights of the real shapes (HF parameter names), so the benchmarks run
// without downloading a checkpoint. Timings do not depend on the values; the init mirrors HF's
// (normal-ish with std initializer_range, LayerNorm weight 1 / bias 0).
import type { TensorData } from "../src/hub/safetensors";

export interface BenchBertConfig {
  vocab_size: number;
  hidden_size: number;
  num_hidden_layers: number;
  num_attention_heads: number;
  intermediate_size: number;
  max_position_embeddings: number;
  type_vocab_size: number;
  hidden_act: string;
  layer_norm_eps: number;
  initializer_range: number;
}

export const BERT_BASE: BenchBertConfig = {
  vocab_size: 30522,
  hidden_size: 768,
  num_hidden_layers: 12,
  num_attention_heads: 12,
  intermediate_size: 3072,
  max_position_embeddings: 512,
  type_vocab_size: 2,
  hidden_act: "gelu",
  layer_norm_eps: 1e-12,
  initializer_range: 0.02,
};

/** The mini-BERT of the training benchmark: hidden 256, 4 layers, 4 heads. */
export const MINI_BERT: BenchBertConfig = { ...BERT_BASE, hidden_size: 256, num_hidden_layers: 4, num_attention_heads: 4, intermediate_size: 1024 };

/** xorshift32 → uniform with the given std (deterministic, fast). */
function filler(seed: number): (out: Float32Array, std: number) => void {
  let s = seed >>> 0 || 1;
  return (out, std) => {
    const a = std * Math.sqrt(3) * 2;
    for (let i = 0; i < out.length; i++) {
      s ^= s << 13;
      s ^= s >>> 17;
      s ^= s << 5;
      out[i] = ((s >>> 0) / 4294967296 - 0.5) * a;
    }
  };
}

/** BertModel's parameters (with the "bert." prefix when `prefix` is set, as in task-head checkpoints). */
export function randomBertWeights(c: BenchBertConfig, seed = 1, prefix = ""): Map<string, TensorData> {
  const fill = filler(seed);
  const w = new Map<string, TensorData>();
  const normal = (name: string, shape: number[]) => {
    const data = new Float32Array(shape.reduce((a, b) => a * b, 1));
    fill(data, c.initializer_range);
    w.set(prefix + name, { dtype: "float32", shape, data });
  };
  const constant = (name: string, shape: number[], v: number) => {
    w.set(prefix + name, { dtype: "float32", shape, data: new Float32Array(shape.reduce((a, b) => a * b, 1)).fill(v) });
  };
  const H = c.hidden_size;
  const dense = (p: string, out: number, inp: number) => {
    normal(`${p}.weight`, [out, inp]);
    constant(`${p}.bias`, [out], 0);
  };
  const ln = (p: string) => {
    constant(`${p}.weight`, [H], 1);
    constant(`${p}.bias`, [H], 0);
  };
  normal("embeddings.word_embeddings.weight", [c.vocab_size, H]);
  normal("embeddings.position_embeddings.weight", [c.max_position_embeddings, H]);
  normal("embeddings.token_type_embeddings.weight", [c.type_vocab_size, H]);
  ln("embeddings.LayerNorm");
  for (let i = 0; i < c.num_hidden_layers; i++) {
    const p = `encoder.layer.${i}`;
    for (const m of ["query", "key", "value"]) dense(`${p}.attention.self.${m}`, H, H);
    dense(`${p}.attention.output.dense`, H, H);
    ln(`${p}.attention.output.LayerNorm`);
    dense(`${p}.intermediate.dense`, c.intermediate_size, H);
    dense(`${p}.output.dense`, H, c.intermediate_size);
    ln(`${p}.output.LayerNorm`);
  }
  dense("pooler.dense", H, H);
  return w;
}

/** Total bytes of float32 weights. */
export function weightBytes(w: Map<string, TensorData>): number {
  let n = 0;
  for (const t of w.values()) n += t.data.byteLength;
  return n;
}

/** Random token ids [batch, seq] (CLS first, SEP last), flat int values. */
export function randomIds(batch: number, seq: number, vocab: number, seed = 7): number[][] {
  let s = seed;
  const rows: number[][] = [];
  for (let b = 0; b < batch; b++) {
    const r: number[] = [];
    for (let i = 0; i < seq; i++) {
      s = (s * 1103515245 + 12345) & 0x7fffffff;
      r.push(i === 0 ? 101 : i === seq - 1 ? 102 : 1000 + (s % (vocab - 1000)));
    }
    rows.push(r);
  }
  return rows;
}
