// PyTorch habits on tfjs tensors. Some map for real — `t.item()`, `t.tolist()`, `t.detach()`, `t.cpu()`,
// `t.to("cpu")` — and the ones that cannot map fail with what to write instead, both when a cell is type-checked
// (the method's `this` type is the message, so tslab shows it as the compile error) and at run time (the same
// text, for plain JavaScript): `loss.backward()`, `t.numpy()`, `t.cuda()`, `t.to("cuda")`.
// Importing bertlab installs them on tf.Tensor.prototype (never replacing a method tfjs defines).
import { tf } from "../backend";
import type { Rank } from "@tensorflow/tfjs-core/dist/types";

// Each hint is one string literal, so its type is the text itself (the `this` types below).
export const BACKWARD_HINT = "loss.backward() does not exist in bertlab (tfjs tensors record no graph): write `const loss = optimizer.step(() => model(batch).loss)`, or `const { loss, grads } = optimizer.compute_gradients(() => model(batch).loss)` then `optimizer.step()`";
export const NUMPY_HINT = "tensor.numpy() does not exist in JavaScript: use tensor.tolist() / tensor.arraySync() (nested arrays), tensor.dataSync() (a flat typed array) or tensor.item() (one number)";
export const CUDA_HINT = "bertlab has no devices to move tensors or models between: everything lives on the tfjs backend chosen at start-up (backend_info(); BERTLAB_BACKEND=node|wasm|cpu picks it), so drop .cuda() / .to(device)";

declare module "@tensorflow/tfjs-core/dist/tensor" {
  interface Tensor<R extends Rank = Rank> {
    /** torch's `t.item()`: the value of a one-element tensor as a number (reads it synchronously). */
    item(): number;
    /** torch's `t.tolist()`: nested arrays (tfjs's arraySync()). */
    tolist(): ReturnType<Tensor<R>["arraySync"]>;
    /** torch's `t.detach()`: the tensor itself (tfjs tensors carry no graph). */
    detach(): this;
    /** torch's `t.cpu()`: the tensor itself (there is one backend). */
    cpu(): this;
    /** torch's `t.to("cpu")`: the tensor itself; any other device throws with guidance. */
    to(device: "cpu"): this;
    to(this: typeof CUDA_HINT, device: string): never;
    backward(this: typeof BACKWARD_HINT): never;
    numpy(this: typeof NUMPY_HINT): never;
    cuda(this: typeof CUDA_HINT): never;
  }
}

function item(this: tf.Tensor): number {
  if (this.size !== 1) throw new Error(`a Tensor with ${this.size} elements cannot be converted to Scalar`);
  return this.dataSync()[0];
}

function to(this: tf.Tensor, device: unknown): tf.Tensor {
  if (device === "cpu") return this;
  throw new Error(`tensor.to(${JSON.stringify(device)}): ${CUDA_HINT}`);
}

function fail(hint: string): () => never {
  return () => {
    throw new Error(hint);
  };
}

const METHODS: Record<string, (this: tf.Tensor, ...args: never[]) => unknown> = {
  item,
  tolist(this: tf.Tensor) {
    return this.arraySync();
  },
  detach(this: tf.Tensor) {
    return this;
  },
  cpu(this: tf.Tensor) {
    return this;
  },
  to,
  backward: fail(BACKWARD_HINT),
  numpy: fail(NUMPY_HINT),
  cuda: fail(CUDA_HINT),
};

/** Installs the methods above on tf.Tensor.prototype (idempotent; a name tfjs already defines is left alone). */
export function install_tensor_habits(): void {
  const proto = tf.Tensor.prototype as unknown as Record<string, unknown>;
  for (const [name, fn] of Object.entries(METHODS)) {
    if (name in proto && proto[name] !== fn) continue;
    Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true, enumerable: false });
  }
}

install_tensor_habits();
