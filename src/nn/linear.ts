// Linear layer with PyTorch's weight layout [out_features, in_features]; the product goes through
// ops.linear so backend-specific fast paths apply.
import { tf } from "../backend";
import { linear } from "../ops";
import { Module } from "./module";

export class Linear extends Module {
  in_features: number; // changes when heads are pruned
  out_features: number;
  readonly has_bias: boolean;

  constructor(in_features: number, out_features: number, options: { bias?: boolean; std?: number } = {}) {
    super();
    this.in_features = in_features;
    this.out_features = out_features;
    this.has_bias = options.bias ?? true;
    this.register_parameter("weight", [out_features, in_features], { kind: "normal", std: options.std ?? 0.02 });
    if (this.has_bias) this.register_parameter("bias", [out_features], { kind: "zeros" });
  }

  get weight(): tf.Variable {
    return this.param("weight");
  }

  get bias(): tf.Variable | null {
    return this.has_bias ? this.param("bias") : null;
  }

  override extra_repr(): string {
    return `in_features=${this.in_features}, out_features=${this.out_features}, bias=${this.has_bias ? "True" : "False"}`;
  }

  // x: [..., in] → [..., out]
  forward(x: tf.Tensor): tf.Tensor {
    return linear(x, this.weight as tf.Tensor2D, this.bias as tf.Tensor1D | null);
  }
}
