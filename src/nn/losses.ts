// Losses with PyTorch's defaults (mean reduction).
import { tf } from "../backend";

/**
 * Cross-entropy over the last axis. logits [N, C], labels [N] int. Entries equal to ignore_index
 * (default -100) are skipped; the mean is over the non-ignored entries (NaN when all are ignored, as torch).
 */
export function cross_entropy(logits: tf.Tensor, labels: tf.Tensor, ignore_index = -100): tf.Scalar {
  return tf.tidy(() => {
    if (logits.rank !== 2) throw new Error(`cross_entropy: logits must be [N, C], got [${logits.shape}]`);
    const [n, c] = logits.shape as [number, number];
    if (labels.size !== n) throw new Error(`cross_entropy: ${labels.size} labels for ${n} rows of logits [${logits.shape}]`);
    const y = labels.reshape([n]).toInt(); // [N]
    const valid = tf.notEqual(y, ignore_index); // [N]
    const bad = tf.logicalAnd(valid, tf.logicalOr(tf.less(y, 0), tf.greaterEqual(y, c)));
    if (bad.any().dataSync()[0]) {
      const vals = y.dataSync();
      const m = bad.dataSync();
      const i = m.findIndex((b) => b === 1);
      throw new Error(`cross_entropy: label ${vals[i]} at index ${i} is out of range for ${c} classes (expected 0..${c - 1} or ignore_index ${ignore_index})`);
    }
    const safe = tf.where(valid, y, tf.zerosLike(y)); // [N]
    const w = valid.toFloat(); // [N]
    return weighted_nll_of_logits(logits, safe, w);
  });
}

/**
 * -Σ w·log softmax(logits)[i, y_i] / Σ w with a hand-written gradient, (softmax − onehot(y))·w/Σw·dy.
 * Autodiff through logSoftmax + oneHot·mul keeps about a dozen [N, C] tensors alive until the backward
 * pass ends (the Trainer's step is one tidy), which for an MLM head over a 30,522-word vocabulary is
 * hundreds of MB of wasm heap that never shrinks; this keeps the logits and one [N, C] tensor at a time.
 */
const weighted_nll_of_logits = (logits: tf.Tensor, y: tf.Tensor, w: tf.Tensor): tf.Scalar =>
  tf.customGrad(((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
    const [logits_, y_, w_, save] = args as [tf.Tensor, tf.Tensor, tf.Tensor, tf.GradSaveFunc];
    save([logits_, y_, w_]);
    const [n, c] = logits_.shape as [number, number];
    const value = tf.tidy(() => {
      const logp = tf.logSoftmax(logits_, -1); // [N, C]
      const flat_index = tf.add(tf.range(0, n * c, c, "int32"), y_.toInt()); // [N]: row * C + y
      const picked = tf.gather(logp.reshape([-1]), flat_index); // [N]
      return tf.div(tf.neg(tf.sum(tf.mul(picked, w_))), tf.sum(w_)) as tf.Scalar;
    });
    const gradFunc = (dy: tf.Tensor, saved: tf.Tensor[]) => {
      const [x, labels, weights] = saved;
      const dx = tf.tidy(() => {
        const scale = tf.mul(tf.div(weights, tf.sum(weights)), dy).reshape([-1, 1]); // [N, 1]
        // at most three [N, C] tensors at once: each one is disposed as soon as the next exists
        const p = tf.softmax(x, -1); // [N, C]
        const onehot = tf.cast(tf.oneHot(labels, c), "float32"); // [N, C] (the wasm backend's oneHot writes int32 only)
        const diff = tf.sub(p, onehot); // [N, C]
        p.dispose();
        onehot.dispose();
        return tf.mul(diff, scale); // [N, C]
      });
      return [dx, tf.zerosLike(labels), tf.zerosLike(weights)];
    };
    return { value, gradFunc };
  }) as Parameters<typeof tf.customGrad>[0])(logits, y, w) as tf.Scalar;

/** Mean squared error; shapes must match. */
export function mse_loss(input: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    if (input.shape.join() !== target.shape.join()) {
      throw new Error(`mse_loss: input [${input.shape}] and target [${target.shape}] must have the same shape`);
    }
    return tf.mean(tf.squaredDifference(input, target.toFloat())) as tf.Scalar;
  });
}

/** Binary cross-entropy on logits (numerically stable form), mean over all elements. */
export function binary_cross_entropy_with_logits(logits: tf.Tensor, target: tf.Tensor): tf.Scalar {
  return tf.tidy(() => {
    if (logits.shape.join() !== target.shape.join()) {
      throw new Error(`binary_cross_entropy_with_logits: Target size ([${target.shape}]) must be the same as input size ([${logits.shape}])`);
    }
    const y = target.toFloat();
    // max(x, 0) - x·y + log(1 + exp(-|x|))
    const loss = tf.add(tf.sub(tf.relu(logits), tf.mul(logits, y)), tf.log1p(tf.exp(tf.neg(tf.abs(logits)))));
    return tf.mean(loss) as tf.Scalar;
  });
}
