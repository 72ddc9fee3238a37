// Activation functions by their config.json names (HF ACT2FN).
import { tf } from "../backend";
import { recordingGradients } from "../ops/tape";

export type Activation = (x: tf.Tensor) => tf.Tensor;

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** Exact GELU: x·Φ(x) = 0.5·x·(1 + erf(x/√2)). */
export function gelu(x: tf.Tensor): tf.Tensor {
  return recordingGradients() ? gelu_with_grad(x) : gelu_value(x);
}

const gelu_value = (x: tf.Tensor): tf.Tensor => tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(1, tf.erf(tf.mul(x, Math.SQRT1_2)))));

/**
 * The same values under a gradient tape, with the gradient written out, GELU'(x) = Φ(x) + x·φ(x):
 * autodiff through the four ops above keeps every intermediate and its gradient until the backward pass
 * ends (about a dozen [batch, seq, intermediate] tensors per layer); this keeps x only.
 */
const gelu_with_grad = tf.customGrad(((...args: Array<tf.Tensor | tf.GradSaveFunc>) => {
  const [x, save] = args as [tf.Tensor, tf.GradSaveFunc];
  save([x]);
  return {
    value: gelu_value(x),
    gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) =>
      tf.tidy(() => {
        const xs = saved[0];
        const cdf = tf.mul(0.5, tf.add(1, tf.erf(tf.mul(xs, Math.SQRT1_2)))); // Φ(x)
        const pdf = tf.mul(INV_SQRT_2PI, tf.exp(tf.mul(-0.5, tf.square(xs)))); // φ(x)
        return tf.mul(dy, tf.add(cdf, tf.mul(xs, pdf)));
      }),
  };
}) as Parameters<typeof tf.customGrad>[0]) as (x: tf.Tensor) => tf.Tensor;

const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** The tanh approximation (GPT-2's gelu_new / gelu_pytorch_tanh). */
export function gelu_new(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => {
    const inner = tf.mul(SQRT_2_OVER_PI, tf.add(x, tf.mul(0.044715, tf.pow(x, 3))));
    return tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(inner)));
  });
}

/** gelu_fast: 0.5·x·(1 + tanh(x·0.7978845608·(1 + 0.044715·x²))). */
export function gelu_fast(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(tf.mul(0.5, x), tf.add(1, tf.tanh(tf.mul(tf.mul(x, 0.7978845608), tf.add(1, tf.mul(0.044715, tf.square(x))))))));
}

export function quick_gelu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(tf.mul(1.702, x))));
}

export function silu(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.sigmoid(x)));
}

export function mish(x: tf.Tensor): tf.Tensor {
  return tf.tidy(() => tf.mul(x, tf.tanh(tf.softplus(x))));
}

export const ACT2FN: Record<string, Activation> = {
  gelu,
  gelu_python: gelu,
  gelu_new,
  gelu_pytorch_tanh: gelu_new,
  gelu_fast,
  quick_gelu,
  relu: (x) => tf.relu(x),
  relu6: (x) => tf.relu6(x),
  silu,
  swish: silu,
  mish,
  tanh: (x) => tf.tanh(x),
  sigmoid: (x) => tf.sigmoid(x),
  linear: (x) => x,
};

/** The activation for a config `hidden_act` value; a clear error for unknown names. */
export function get_activation(name: string): Activation {
  const fn = Object.prototype.hasOwnProperty.call(ACT2FN, name) ? ACT2FN[name] : undefined;
  if (!fn) throw new Error(`function ${name} not found in ACT2FN mapping ${Object.keys(ACT2FN).join(", ")}`);
  return fn;
}
