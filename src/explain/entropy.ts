// Attention entropy per head (HF's bertology example): −Σ_k p log p over the keys of each query,
// summed over the attended query positions and divided by their number. Low: a focused head; high:
// attention spread evenly (log(seq) at most).
import type { AttentionsLike } from "./attention_input";
import { attention_stack, AttentionSelectOptions } from "./attention_input";

/** Options of attention_entropy: the batch row and the attention mask of the queries that count. */
export interface EntropyOptions extends AttentionSelectOptions {
  /** 1 for real tokens, 0 for padding (queries that count); default all. */
  attention_mask?: number[];
}

/** [layers][heads] mean entropy (nats) of each head's attention rows. */
export function attention_entropy(attentions: AttentionsLike, opts: EntropyOptions = {}): number[][] {
  const stack = attention_stack(attentions, opts, "attention_entropy");
  return stack.map((heads) => heads.map((rows) => {
    let total = 0;
    let count = 0;
    rows.forEach((p, q) => {
      if (opts.attention_mask && !opts.attention_mask[q]) return;
      total += -p.reduce((s, v) => (v > 0 ? s + v * Math.log(v) : s), 0);
      count++;
    });
    return count ? total / count : 0;
  }));
}
