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
    const logp = tf.logSoftmax(logits, -1); // [N, C]
    const picked = tf.sum(tf.mul(logp, tf.oneHot(safe, c)), -1); // [N]
    const w = valid.toFloat(); // [N]
    return tf.div(tf.neg(tf.sum(tf.mul(picked, w))), tf.sum(w)) as tf.Scalar;
  });
}

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
