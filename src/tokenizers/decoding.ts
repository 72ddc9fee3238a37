// Decoding helpers: Python's clean-up of tokenization spaces, and reading ids from whatever a user holds
// (arrays, typed arrays, [1, n] rows, tensors).
import { tf } from "../backend";
import { describe, unable_to_create_tensor } from "./options";

/** What decode accepts: ids as an array, a typed array, [1, n] nested arrays, or a tensor. */
export type IdsInput = number[] | number[][] | ArrayLike<number> | tf.Tensor;

/** Python's clean_up_tokenization: removes the spaces tokenization put before punctuation and clitics. */
export function clean_up_tokenization(s: string): string {
  return s
    .split(" .").join(".")
    .split(" ?").join("?")
    .split(" !").join("!")
    .split(" ,").join(",")
    .split(" ' ").join("'")
    .split(" n't").join("n't")
    .split(" 'm").join("'m")
    .split(" 's").join("'s")
    .split(" 've").join("'ve")
    .split(" 're").join("'re");
}

/** Labels and other per-example numbers as a tensor: int32 when all are integers (as torch's int64), else float32. */
export function numbersToTensor(key: string, value: unknown[]): tf.Tensor {
  const flat = (value as unknown[]).flat(Infinity) as unknown[];
  if (!flat.every((x) => typeof x === "number")) throw new TypeError(`pad: cannot make a tensor of '${key}' (it holds non-numbers)`);
  const ints = (flat as number[]).every(Number.isInteger);
  const lengths = value.map((v) => (Array.isArray(v) ? v.length : -1));
  if (lengths.some((n) => n !== lengths[0])) throw unable_to_create_tensor(key, lengths);
  return tf.tensor(value as number[], undefined, ints ? "int32" : "float32");
}

/** Flattens what decode accepts into a list of integer ids. */
export function toIdList(ids: IdsInput, fn: string): number[] {
  let v: unknown = ids;
  if (ids instanceof tf.Tensor) {
    if (ids.rank > 2 || (ids.rank === 2 && ids.shape[0] !== 1)) {
      throw new Error(`${fn}: expected one sequence of ids ([seq] or [1, seq]), got a tensor of shape [${ids.shape}]; use batch_decode for batches`);
    }
    v = Array.from(ids.dataSync());
  } else if (Array.isArray(ids) && ids.length > 0 && Array.isArray(ids[0])) {
    if (ids.length !== 1) throw new Error(`${fn}: expected one sequence of ids, got ${ids.length} rows; use batch_decode for batches`);
    v = ids[0];
  }
  if (!Array.isArray(v) && !ArrayBuffer.isView(v)) throw new TypeError(`${fn}: expected token ids (number[], typed array or tensor), got ${describe(v)}`);
  // Strict, as Python's decode (a float id is a TypeError there): no rounding, no string coercion.
  const arr = v as ArrayLike<unknown>;
  const out: number[] = [];
  for (let i = 0; i < arr.length; i++) {
    const x = typeof arr[i] === "bigint" && ArrayBuffer.isView(v) ? Number(arr[i]) : arr[i]; // BigInt64Array rows
    if (typeof x !== "number") throw new TypeError(`${fn}: ids[${i}] = ${typeof x === "string" ? JSON.stringify(x) : String(x)} is a ${typeof x}, not a token id (expected an integer)`);
    if (!Number.isInteger(x)) throw new TypeError(`${fn}: ids[${i}] = ${x} is not an integer token id`);
    out.push(x);
  }
  return out;
}
