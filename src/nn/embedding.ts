// Embedding table [num_embeddings, embedding_dim]; a lookup is a gather (its gradient is a
// segment sum, registered for wasm in src/wasm_kernels.ts).
import { tf } from "../backend";
import { Module } from "./module";

export class Embedding extends Module {
  num_embeddings: number; // changes with resize_token_embeddings
  readonly embedding_dim: number;
  readonly padding_idx: number | null;

  constructor(num_embeddings: number, embedding_dim: number, options: { padding_idx?: number | null; std?: number } = {}) {
    super();
    this.num_embeddings = num_embeddings;
    this.embedding_dim = embedding_dim;
    this.padding_idx = options.padding_idx ?? null;
    if (this.padding_idx !== null && (this.padding_idx < 0 || this.padding_idx >= num_embeddings)) {
      throw new Error(`Embedding: padding_idx ${this.padding_idx} must be within [0, ${num_embeddings})`);
    }
    this.register_parameter("weight", [num_embeddings, embedding_dim], { kind: "normal", std: options.std ?? 0.02, padding_idx: this.padding_idx });
  }

  get weight(): tf.Variable {
    return this.param("weight");
  }

  override extra_repr(): string {
    return `${this.num_embeddings}, ${this.embedding_dim}${this.padding_idx !== null ? `, padding_idx=${this.padding_idx}` : ""}`;
  }

  // ids: [...] int32 → [..., embedding_dim]
  forward(ids: tf.Tensor): tf.Tensor {
    return tf.tidy(() => {
      const flat = ids.reshape([-1]).toInt(); // [n]
      return tf.gather(this.weight, flat).reshape([...ids.shape, this.embedding_dim]);
    });
  }
}
