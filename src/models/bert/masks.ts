// Attention masks: 1/0 masks → additive masks (0 where attended, the float32 minimum where masked),
// with the causal (lower-triangular) mask for decoders, as HF's get_extended_attention_mask.
import { tf } from "../../backend";

/** torch.finfo(torch.float32).min */
export const FLOAT32_MIN = -3.4028234663852886e38;

/**
 * mask [batch, kv] (or [batch, seq, kv]) → additive [batch, 1, 1 | seq, kv]. For decoders a causal
 * mask over [seq, kv] is combined with it (keys before the new tokens, i.e. the cache, stay visible).
 */
export function get_extended_attention_mask(attention_mask: tf.Tensor, input_shape: [number, number], is_decoder: boolean): tf.Tensor4D {
  const mask = attention_mask.toFloat();
  let ext: tf.Tensor;
  if (mask.rank === 3) {
    ext = mask.expandDims(1); // [b, 1, s, kv]
  } else if (mask.rank === 2) {
    if (is_decoder) {
      const [batch, seq] = input_shape;
      const kv = mask.shape[1]!;
      const prefix = kv - seq;
      // causal[i, j] = 1 where key j is at or before query i (offset by the cached prefix)
      const rows = tf.range(0, seq, 1, "int32").reshape([seq, 1]);
      const cols = tf.range(0, kv, 1, "int32").reshape([1, kv]);
      const causal = tf.lessEqual(cols, tf.add(rows, prefix)).toFloat(); // [s, kv]
      ext = tf.mul(causal.reshape([1, 1, seq, kv]), mask.reshape([batch, 1, 1, kv])); // [b, 1, s, kv]
    } else {
      ext = mask.reshape([mask.shape[0]!, 1, 1, mask.shape[1]!]); // [b, 1, 1, kv]
    }
  } else {
    throw new Error(`Wrong shape for input_ids (shape [${input_shape}]) or attention_mask (shape [${attention_mask.shape}]); attention_mask must be [batch, seq] or [batch, seq, seq]`);
  }
  return tf.mul(tf.sub(1, ext), FLOAT32_MIN) as tf.Tensor4D;
}

/** Encoder mask [batch, enc] (or [batch, seq, enc]) → additive [batch, 1, 1 | seq, enc]. */
export function invert_attention_mask(encoder_attention_mask: tf.Tensor): tf.Tensor4D {
  const m = encoder_attention_mask.toFloat();
  const ext = m.rank === 3 ? m.expandDims(1) : m.rank === 2 ? m.reshape([m.shape[0]!, 1, 1, m.shape[1]!]) : null;
  if (!ext) throw new Error(`encoder_attention_mask must be [batch, encoder_seq] or [batch, seq, encoder_seq], got [${m.shape}]`);
  return tf.mul(tf.sub(1, ext), FLOAT32_MIN) as tf.Tensor4D;
}
