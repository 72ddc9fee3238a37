// Dropout: active only in training mode; scales kept values by 1/(1-p) as torch does. Each call
// draws its tfjs seed from a Generator (the global one unless given), so runs are reproducible
// after `manual_seed`.
import { tf } from "../backend";
import { Module } from "./module";
import { default_generator, Generator } from "./random";

export class Dropout extends Module {
  readonly p: number;
  generator: Generator;

  constructor(p = 0.5, generator: Generator = default_generator) {
    super();
    if (!(p >= 0 && p <= 1)) throw new Error(`Dropout: probability has to be between 0 and 1, but got ${p}`);
    this.p = p;
    this.generator = generator;
  }

  override extra_repr(): string {
    return `p=${this.p}, inplace=False`;
  }

  forward(x: tf.Tensor): tf.Tensor {
    if (!this.training || this.p === 0) return x;
    if (this.p === 1) return tf.zerosLike(x);
    return tf.dropout(x, this.p, undefined, this.generator.seed_int());
  }
}
