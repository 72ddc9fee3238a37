// LayerNorm over the last dimension (biased variance, eps inside the square root), as torch.nn.LayerNorm.
import { tf } from "../backend";
import { Module } from "./module";

export class LayerNorm extends Module {
  readonly normalized_shape: number;
  readonly eps: number;

  constructor(normalized_shape: number, eps = 1e-5) {
    super();
    this.normalized_shape = normalized_shape;
    this.eps = eps;
    this.register_parameter("weight", [normalized_shape], { kind: "ones" });
    this.register_parameter("bias", [normalized_shape], { kind: "zeros" });
  }

  override extra_repr(): string {
    return `(${this.normalized_shape},), eps=${this.eps}, elementwise_affine=True`;
  }

  // x: [..., hidden] → [..., hidden]
  forward(x: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const { mean, variance } = tf.moments(x, -1, true); // [..., 1]
      const normed = tf.mul(tf.sub(x, mean), tf.rsqrt(tf.add(variance, this.eps)));
      return tf.add(tf.mul(normed, this.param("weight")), this.param("bias"));
    });
  }
}
