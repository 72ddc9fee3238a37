// torch's tensor names on tfjs tensors, typed (module augmentation) and installed on tf.Tensor.prototype:
//   t.argmax(dim?, keepdim?)   t.max(dim) / t.min(dim) → values + indices (torch's named tuple)
//   t.dim()  t.numel()  t.view(...shape)  t.permute(...dims)  t.unsqueeze(dim)  t.squeeze(dim)
//   t.float()  t.long()  t.int()  t.at(...index) — torch's indexing: t[0, :, [1, 3]] → t.at(0, ":", [1, 3])
// `t[0]` (a JavaScript property read, not indexing) is a type error whose message says to write t.at(0), and a
// run-time error for small indices; `t.size()` cannot map (tfjs' `size` is the element count, a number): write
// `t.shape` (torch.Size) or `t.size` (torch's numel()). In-place torch methods (`zero_()`, `add_()`…) fail
// saying what to write: tfjs tensors are immutable.
// Every method returns a new tensor the caller owns, as tfjs ops do (free it with dispose() or inside tf.tidy).
import { tf } from "../backend";
import type { Rank } from "@tensorflow/tfjs-core/dist/types";

/**
 * What `t[0]` says (its type, and its run-time error): write `t.at(0)` — torch's indexing is `t.at(...)`.
 */
export const INDEX_HINT = "t[i] is not indexing in JavaScript (it reads a property): write t.at(i) for torch's t[i], t.at(i, j) for t[i][j] / t[i, j], t.at(\":\", [1, 3]) for t[:, [1, 3]], t.at(\"1:3\") for t[1:3]";
/**
 * What torch's in-place methods (`zero_()`, `add_()`...) say: tfjs tensors are immutable, make a new one.
 */
export const INPLACE_HINT = "tfjs tensors are immutable, so torch's in-place methods (zero_, fill_, add_, mul_, copy_) do not exist: write a new tensor, e.g. t = tf.zerosLike(t), t = t.add(x) (a tf.Variable has assign())";
/**
 * What `t.requires_grad_()` says: gradients are taken of a closure, not flagged on tensors.
 */
export const REQUIRES_GRAD_HINT = "tensors carry no requires_grad in tfjs: gradients are taken of a closure (optimizer.step(() => model(batch).loss), tf.grad, tf.variableGrads), for the model's tf.Variables";

/** torch's named tuple of max(dim) / min(dim): the reduced tensor itself is `values`; `indices` is the argmax / argmin. */
export type TorchMinMax<T extends tf.Tensor = tf.Tensor> = T & {
  /** The reduced values (this tensor). */
  readonly values: T;
  /** Where they are along `dim` (int32), computed on first read; yours to dispose. */
  readonly indices: T;
  /** `const [values, indices] = t.max(1)`, as Python's tuple unpacking. */
  [Symbol.iterator](): Iterator<T>;
};

/** One index of `t.at(...)`: a position (negative from the end), ":" / "a:b" / "a:b:step" (Python slices), a list of positions, "..." (the remaining dims), or null (a new dim of 1, torch's None). */
export type TorchIndex = number | string | readonly number[] | null;

type Lower = { R0: Rank.R0; R1: Rank.R0; R2: Rank.R1; R3: Rank.R2; R4: Rank.R3; R5: Rank.R4; R6: Rank.R5 };
type Upper = { R0: Rank.R1; R1: Rank.R2; R2: Rank.R3; R3: Rank.R4; R4: Rank.R5; R5: Rank.R6; R6: Rank.R6 };

declare module "@tensorflow/tfjs-core/dist/tensor" {
  interface Tensor<R extends Rank = Rank> {
    /** `t[i]` is a property read in JavaScript, not indexing: the type is this message; write `t.at(i)`. */
    readonly [index: number]: typeof INDEX_HINT;
    /** torch's `t.argmax(dim?, keepdim?)`: positions of the largest values along `dim` (int32); without `dim`, in the flattened tensor. */
    argmax(dim?: number, keepdim?: boolean): Tensor;
    /** torch's `t.argmin(dim?, keepdim?)`. */
    argmin(dim?: number, keepdim?: boolean): Tensor;
    /** torch's `t.max(dim, keepdim?)`: the max along `dim`, with `.values` and `.indices` (and `[values, indices] =`). */
    max(dim: number, keepdim?: boolean): TorchMinMax<Tensor>;
    /** torch's `t.min(dim, keepdim?)`: the min along `dim`, with `.values` and `.indices`. */
    min(dim: number, keepdim?: boolean): TorchMinMax<Tensor>;
    /** torch's `t.dim()`: the number of dimensions (tfjs' rank). */
    dim(): number;
    /** torch's `t.numel()`: the number of elements (tfjs' size). */
    numel(): number;
    /** torch's `t.view(...shape)` (one -1 allowed): tfjs' reshape. */
    view(...shape: number[]): Tensor;
    /** torch's `t.permute(...dims)`: tfjs' transpose(perm). */
    permute(...dims: number[]): Tensor<R>;
    /** torch's `t.unsqueeze(dim)`: a new dim of size 1 at `dim` (negative counts from the end). */
    unsqueeze(dim: number): Tensor<Upper[R]>;
    /** torch's `t.squeeze(dim)`: drops `dim` if its size is 1 (else the same shape, as torch). */
    squeeze(dim: number): Tensor;
    /** torch's `t.float()`: a float32 copy. */
    float(): Tensor<R>;
    /** torch's `t.long()`: an int32 copy (tfjs has no int64; bertlab's ids are int32). */
    long(): Tensor<R>;
    /** torch's `t.int()`: an int32 copy. */
    int(): Tensor<R>;
    /**
     * torch's indexing `t[...]`: `t.at(0)` is `t[0]`, `t.at(0, 1)` is `t[0][1]` / `t[0, 1]`, `t.at(":", [1, 3])`
     * is `t[:, [1, 3]]`, `t.at("1:3")` is `t[1:3]`, `t.at("...", -1)` is `t[..., -1]`, `t.at(null)` is `t[None]`.
     */
    at(index: number): Tensor<Lower[R]>;
    at(...index: TorchIndex[]): Tensor;
    zero_(this: typeof INPLACE_HINT): never;
    fill_(this: typeof INPLACE_HINT, value: number): never;
    add_(this: typeof INPLACE_HINT, other: unknown): never;
    mul_(this: typeof INPLACE_HINT, other: unknown): never;
    copy_(this: typeof INPLACE_HINT, other: unknown): never;
    requires_grad_(this: typeof REQUIRES_GRAD_HINT, requires_grad?: boolean): never;
  }
}

function check_dim(t: tf.Tensor, dim: unknown, where: string, rank = t.rank): number {
  if (typeof dim !== "number" || !Number.isInteger(dim)) throw new TypeError(`${where}: dim must be an integer, got ${typeof dim === "number" ? dim : JSON.stringify(dim)}`);
  if (dim < -rank || dim >= Math.max(rank, 1)) throw new RangeError(`${where}: Dimension out of range (expected to be in range of [${-rank}, ${Math.max(rank, 1) - 1}], but got ${dim})`);
  return dim < 0 ? dim + rank : dim;
}

function arg_reduce(op: "argMax" | "argMin", name: string) {
  return function (this: tf.Tensor, dim?: number, keepdim = false): tf.Tensor {
    if (dim === undefined || dim === null) return tf.tidy(() => tf[op](this.reshape([-1])));
    const d = check_dim(this, dim, `${name}(dim)`);
    return tf.tidy(() => {
      const r = tf[op](this, d);
      return keepdim ? r.expandDims(d) : r;
    });
  };
}

/** tfjs' max / min, with torch's named tuple when called with one integer dim. */
function min_max(original: (...args: unknown[]) => tf.Tensor, arg: "argMax" | "argMin") {
  return function (this: tf.Tensor, ...args: unknown[]): tf.Tensor {
    const out = original.apply(this, args);
    const dim = args[0];
    if (typeof dim !== "number" || !Number.isInteger(dim) || this.rank === 0) return out;
    const input = this;
    const keepdim = args[1] === true;
    let indices: tf.Tensor | null = null;
    Object.defineProperties(out, {
      values: { get: () => out, configurable: true },
      indices: {
        get: () => {
          if (indices === null || indices.isDisposed) {
            if (input.isDisposed) throw new Error(`indices: the tensor max/min was taken of is disposed; read .indices before disposing it, or use t.${arg === "argMax" ? "argmax" : "argmin"}(dim)`);
            indices = arg_reduce(arg, arg).call(input, dim, keepdim);
          }
          return indices;
        },
        configurable: true,
      },
      [Symbol.iterator]: { value: function* () { yield out; yield (out as TorchMinMax).indices; }, configurable: true },
    });
    return out;
  };
}

/** Python's slice "a:b:s" over a dim of `n`: the positions it selects. */
function slice_positions(spec: string, n: number, where: string): number[] {
  const parts = spec.split(":");
  if (parts.length > 3) throw new Error(`${where}: "${spec}" is not a slice (write "a:b" or "a:b:step")`);
  const num = (s: string | undefined, name: string): number | null => {
    if (s === undefined || s.trim() === "") return null;
    const v = Number(s);
    if (!Number.isInteger(v)) throw new Error(`${where}: "${spec}": the ${name} must be an integer`);
    return v;
  };
  const step = num(parts[2], "step") ?? 1;
  if (step === 0) throw new Error(`${where}: slice step cannot be zero`);
  if (step < 0) throw new Error(`${where}: "${spec}": negative steps are not supported (as torch); use tf.reverse`);
  const clamp = (v: number | null, dflt: number): number => (v === null ? dflt : Math.min(Math.max(v < 0 ? v + n : v, 0), n));
  const a = clamp(num(parts[0], "start"), 0), b = clamp(num(parts[1], "stop"), n);
  const out: number[] = [];
  for (let i = a; i < b; i += step) out.push(i);
  return out;
}

/** torch's basic and advanced indexing (one list index at a time, applied dim by dim). */
function at(this: tf.Tensor, ...index: TorchIndex[]): tf.Tensor {
  const where = "t.at(...)";
  const ellipses = index.filter((x) => x === "...").length;
  if (ellipses > 1) throw new Error(`${where}: an index can only have a single ellipsis ('...')`);
  const consuming = index.filter((x) => x !== null && x !== "...").length;
  if (consuming > this.rank) throw new RangeError(`${where}: too many indices for tensor of dimension ${this.rank}`);
  const expanded: TorchIndex[] = [];
  for (const x of index) {
    if (x === "...") for (let k = 0; k < this.rank - consuming; k++) expanded.push(":");
    else expanded.push(x);
  }
  return tf.tidy(() => {
    let t: tf.Tensor = this;
    let d = 0; // the dim of `t` the next index applies to
    for (const x of expanded) {
      if (x === null) {
        t = t.expandDims(d);
        d += 1;
      } else if (typeof x === "number") {
        const n = t.shape[d];
        if (!Number.isInteger(x)) throw new TypeError(`${where}: index ${x} is not an integer`);
        if (x < -n || x >= n) throw new RangeError(`${where}: index ${x} is out of bounds for dimension ${d} with size ${n}`);
        const i = x < 0 ? x + n : x;
        t = t.gather([i], d).squeeze([d]);
      } else if (typeof x === "string") {
        if (x === ":" || x === "::") { d += 1; continue; }
        if (!x.includes(":")) throw new Error(`${where}: "${x}" is not an index (a number, ":" / "a:b" / "a:b:step", "...", a list of positions, or null)`);
        t = t.gather(slice_positions(x, t.shape[d], where), d);
        d += 1;
      } else if (Array.isArray(x)) {
        const n = t.shape[d];
        const ids = x.map((i) => {
          if (!Number.isInteger(i) || i < -n || i >= n) throw new RangeError(`${where}: index ${i} is out of bounds for dimension ${d} with size ${n}`);
          return i < 0 ? i + n : i;
        });
        t = t.gather(ids, d);
        d += 1;
      } else {
        throw new TypeError(`${where}: an index is a number, a slice string, "...", a list of numbers or null; got ${typeof x}`);
      }
    }
    return t === this ? this.clone() : t;
  });
}

function squeeze(original: (...args: unknown[]) => tf.Tensor) {
  return function (this: tf.Tensor, ...args: unknown[]): tf.Tensor {
    if (typeof args[0] !== "number") return original.apply(this, args);
    const d = check_dim(this, args[0], "squeeze(dim)");
    return this.rank === 0 || this.shape[d] !== 1 ? this.clone() : original.call(this, [d]);
  };
}

function fail(hint: string): () => never {
  return () => {
    throw new Error(hint);
  };
}

/** New methods (installed only where the prototype has none). */
export const TORCH_TENSOR_METHODS: Record<string, (this: never, ...args: never[]) => unknown> = {
  argmax: arg_reduce("argMax", "argmax"),
  argmin: arg_reduce("argMin", "argmin"),
  dim(this: tf.Tensor) {
    return this.rank;
  },
  numel(this: tf.Tensor) {
    return this.size;
  },
  view(this: tf.Tensor, ...shape: number[]) {
    const s = shape.length === 1 && Array.isArray(shape[0]) ? (shape[0] as unknown as number[]) : shape;
    return this.reshape(s);
  },
  permute(this: tf.Tensor, ...dims: number[]) {
    const p = dims.length === 1 && Array.isArray(dims[0]) ? (dims[0] as unknown as number[]) : dims;
    if (p.length !== this.rank) throw new RangeError(`permute(dims): number of dims don't match in permute (the tensor has ${this.rank}, got ${p.length})`);
    return this.transpose(p.map((d) => check_dim(this, d, "permute(dims)")));
  },
  unsqueeze(this: tf.Tensor, dim: number) {
    return this.expandDims(check_dim(this, dim, "unsqueeze(dim)", this.rank + 1));
  },
  float(this: tf.Tensor) {
    return this.dtype === "float32" ? this.clone() : this.cast("float32");
  },
  long(this: tf.Tensor) {
    return this.dtype === "int32" ? this.clone() : this.cast("int32");
  },
  int(this: tf.Tensor) {
    return this.dtype === "int32" ? this.clone() : this.cast("int32");
  },
  at,
  zero_: fail(INPLACE_HINT),
  fill_: fail(INPLACE_HINT),
  add_: fail(INPLACE_HINT),
  mul_: fail(INPLACE_HINT),
  copy_: fail(INPLACE_HINT),
  requires_grad_: fail(REQUIRES_GRAD_HINT),
};

const WRAPPED = Symbol.for("bertlab.torch_wrapped");

/**
 * Wraps tfjs' own max / min / squeeze so that torch's forms work too (one integer dim: max/min carry
 * `.values` / `.indices`; squeeze(dim) keeps a dim whose size is not 1); tfjs' forms are unchanged.
 */
export function wrap_tfjs_methods(proto: Record<string | symbol, unknown>): void {
  if (proto[WRAPPED]) return;
  const get = (n: string) => proto[n] as (...args: unknown[]) => tf.Tensor;
  const wrapped: Record<string, unknown> = { max: min_max(get("max"), "argMax"), min: min_max(get("min"), "argMin"), squeeze: squeeze(get("squeeze")) };
  for (const [name, fn] of Object.entries(wrapped)) Object.defineProperty(proto, name, { value: fn, writable: true, configurable: true, enumerable: false });
  // t[i] for small i: a run-time error saying what to write (plain JavaScript sees no type error).
  for (let i = -8; i < 1024; i++) {
    Object.defineProperty(proto, String(i), {
      get() {
        throw new TypeError(`${INDEX_HINT} (got t[${i}])`);
      },
      configurable: true,
      enumerable: false,
    });
  }
  Object.defineProperty(proto, WRAPPED, { value: true });
}
