// PyTorch habits on tfjs tensors and bertlab modules. Some map for real — `t.item()`, `t.tolist()`, `t.detach()`,
// `t.cpu()`, `t.to("cpu")`, `model.cpu()`, `model.to("cpu")` — and the ones that cannot map fail with what to
// write instead, both when a cell is type-checked (the method's `this` type is the message, so tslab shows it as
// the compile error) and at run time (the same text, for plain JavaScript): `loss.backward()`, `t.numpy()`,
// `t.cuda()`, `t.to("cuda")`, `model.cuda()`, `model.to("cuda")`, `model.zero_grad()`.
// Importing bertlab installs them on tf.Tensor.prototype and Module.prototype (never replacing an existing method).
import { tf } from "../backend";
import type { Rank } from "@tensorflow/tfjs-core/dist/types";
import { Module } from "../nn/module";
import { TORCH_TENSOR_METHODS, wrap_tfjs_methods } from "./torch_tensor";

// Each hint is one string literal, so its type is the text itself (the `this` types below).
/**
 * What `loss.backward()` says (as its type error and its run-time error): write `optimizer.step(() => model(batch).loss)`.
 */
export const BACKWARD_HINT = "loss.backward() does not exist in bertlab (tfjs tensors record no graph): write `const loss = optimizer.step(() => model(batch).loss)`, or `const { loss, grads } = optimizer.compute_gradients(() => model(batch).loss)` then `optimizer.step()`";
/**
 * What `t.numpy()` says: use `t.tolist()` / `t.arraySync()`, `t.dataSync()` or `t.item()`.
 */
export const NUMPY_HINT = "tensor.numpy() does not exist in JavaScript: use tensor.tolist() / tensor.arraySync() (nested arrays), tensor.dataSync() (a flat typed array) or tensor.item() (one number)";
export const ZERO_GRAD_HINT = "model.zero_grad(): the gradients live on the optimizer in bertlab (optimizer.grads), so write optimizer.zero_grad()";
/**
 * What `.cuda()` / `.to("cuda")` say: there are no devices in bertlab, drop them.
 */
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

declare module "../nn/module" {
  interface Module {
    /** torch's `model.cpu()`: the model itself (there is one backend). */
    cpu(): this;
    /** torch's `model.to("cpu")`: the model itself; any other device throws with guidance. */
    to(device: "cpu"): this;
    to(this: typeof CUDA_HINT, device: string): never;
    cuda(this: typeof CUDA_HINT): never;
    zero_grad(this: typeof ZERO_GRAD_HINT): never;
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

function identity<T>(this: T): T {
  return this;
}

const TENSOR_METHODS: Record<string, (this: never, ...args: never[]) => unknown> = {
  item,
  tolist(this: tf.Tensor) {
    return this.arraySync();
  },
  detach: identity,
  cpu: identity,
  to,
  backward: fail(BACKWARD_HINT),
  numpy: fail(NUMPY_HINT),
  cuda: fail(CUDA_HINT),
};

const MODULE_METHODS: Record<string, (this: never, ...args: never[]) => unknown> = {
  cpu: identity,
  to(this: Module, device: unknown) {
    if (device === "cpu") return this;
    throw new Error(`model.to(${JSON.stringify(device)}): ${CUDA_HINT}`);
  },
  cuda: fail(CUDA_HINT),
  zero_grad: fail(ZERO_GRAD_HINT),
};

function install(proto: Record<string, unknown>, methods: Record<string, unknown>): void {
  for (const [name, fn] of Object.entries(methods)) {
    if (name in proto) continue; // tfjs' / bertlab's own methods win; a second install is a no-op
    Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true, enumerable: false });
  }
}

/** Installs the methods above on tf.Tensor.prototype and Module.prototype (idempotent). */
export function install_torch_habits(): void {
  install(tf.Tensor.prototype as unknown as Record<string, unknown>, TENSOR_METHODS);
  install(tf.Tensor.prototype as unknown as Record<string, unknown>, TORCH_TENSOR_METHODS);
  wrap_tfjs_methods(tf.Tensor.prototype as unknown as Record<string | symbol, unknown>);
  install(Module.prototype as unknown as Record<string, unknown>, MODULE_METHODS);
}

install_torch_habits();
