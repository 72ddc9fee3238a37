// torch.nn.utils.clip_grad_norm_ over a gradients map: one norm over all gradients (L2, L1, any p,
// or Infinity = max |g|), then every gradient scaled by min(1, max_norm / (total_norm + 1e-6)).
// tfjs tensors are immutable: clip_grad_norm returns the scaled gradients as new tensors (the caller owns both
// sets); clip_grad_norm_ swaps them into the map it was given, as torch's in-place form.
import { tf } from "../backend";

/** What clip_grad_norm returns: the clipped gradients and the norm before clipping (Python: `torch.nn.utils.clip_grad_norm_`). */
export interface ClipResult {
  /** The scaled gradients (new tensors, same keys). */
  grads: tf.NamedTensorMap;
  /** The total norm of the gradients before clipping (torch's return value). */
  total_norm: number;
}

function pnorm(x: tf.Tensor, p: number): tf.Tensor {
  if (p === Infinity) return tf.max(tf.abs(x));
  if (p === 2) return tf.sqrt(tf.sum(tf.square(x)));
  if (p === 1) return tf.sum(tf.abs(x));
  if (p === 0) return tf.sum(tf.notEqual(x, 0).toFloat());
  return tf.pow(tf.sum(tf.pow(tf.abs(x), p)), 1 / p);
}

/**
 * Gradients scaled so their global L2 norm is at most max_norm, as new tensors (the copying form of torch's `clip_grad_norm_`), and the norm before clipping.
 * @example
 * ```ts
 * const { grads, total_norm } = clip_grad_norm(optimizer.grads, 1.0)
 * ```
 */
export function clip_grad_norm(grads: tf.NamedTensorMap, max_norm: number, norm_type: number | "inf" = 2, error_if_nonfinite = false): ClipResult {
  if (Array.isArray(grads) || grads instanceof tf.Tensor || grads === null || typeof grads !== "object") {
    // torch's clip_grad_norm_(model.parameters(), ...): here gradients are not stored on the parameters
    throw new TypeError(
      "clip_grad_norm: expected the gradients as a map { [variable name]: gradient } — e.g. clip_grad_norm_(optimizer.grads, 1.0) after " +
        `optimizer.compute_gradients(...) — not ${Array.isArray(grads) ? "an array (model.parameters()? bertlab keeps gradients on the optimizer, not on the parameters)" : String(grads)}`,
    );
  }
  const p = norm_type === "inf" ? Infinity : Number(norm_type);
  if (!(p >= 0)) throw new Error(`clip_grad_norm: norm_type must be a non-negative number or 'inf', got ${String(norm_type)}`);
  if (!(typeof max_norm === "number" && max_norm >= 0)) throw new Error(`clip_grad_norm: max_norm must be a non-negative number, got ${String(max_norm)}`);
  const names = Object.keys(grads).filter((k) => grads[k] != null);
  if (names.length === 0) return { grads: {}, total_norm: 0 };
  const total = tf.tidy(() => {
    // one tidy per gradient: its squares / abs values go before the next gradient's are made
    const norms = tf.stack(names.map((k) => tf.tidy(() => pnorm(grads[k].toFloat(), p)))); // [n]
    return pnorm(norms, p);
  });
  const total_norm = total.dataSync()[0];
  if (error_if_nonfinite && !Number.isFinite(total_norm)) {
    total.dispose();
    throw new Error(
      `The total norm of order ${p} for gradients from \`parameters\` is non-finite, so it cannot be clipped. ` +
        "To disable this error and scale the gradients by the non-finite norm anyway, set `error_if_nonfinite=False`",
    );
  }
  const out = tf.tidy(() => {
    const coef = tf.minimum(tf.div(max_norm, tf.add(total, 1e-6)), 1.0); // float32, as torch
    const scaled: tf.NamedTensorMap = {};
    for (const k of names) scaled[k] = tf.mul(grads[k], coef);
    return scaled;
  });
  total.dispose();
  return { grads: out, total_norm };
}

/**
 * torch's in-place `clip_grad_norm_`: replaces each gradient in `grads` by its clipped copy (disposing the old one)
 * and returns the same map with the total norm. Made for `optimizer.grads`:
 * `clip_grad_norm_(optimizer.compute_gradients(closure).grads, 1.0); optimizer.step()`.
 */
export function clip_grad_norm_(grads: tf.NamedTensorMap, max_norm: number, norm_type: number | "inf" = 2, error_if_nonfinite = false): ClipResult {
  const r = clip_grad_norm(grads, max_norm, norm_type, error_if_nonfinite);
  for (const [k, g] of Object.entries(r.grads)) {
    const old = grads[k];
    grads[k] = tf.keep(g);
    old.dispose();
  }
  return { grads, total_norm: r.total_norm };
}
