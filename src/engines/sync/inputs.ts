// The ONNX graph's inputs (input_ids, attention_mask, token_type_ids) from a model's input object:
// tfjs tensors or nested arrays → flat int32 + dims, with the checks the tfjs path makes. A call the
// graph cannot take exactly as tfjs would (out-of-range ids, a 3-D attention mask, shapes that do not
// match) is an InputMismatch: "auto" then runs tfjs, which gives its usual answer or error.
import { tf } from "../../backend";
import type { EngineBertConfig } from "../onnx/config";
import type { IdsArray, RunRequest } from "./protocol";

/** An input the ONNX engine does not take as the tfjs forward would. */
export class InputMismatch extends Error {}

function fromNested(name: string, v: unknown[]): IdsArray {
  const dims: number[] = [];
  let level: unknown = v;
  while (Array.isArray(level)) {
    dims.push(level.length);
    level = level[0];
  }
  const data = new Int32Array(dims.reduce((a, b) => a * b, 1));
  let i = 0;
  const walk = (x: unknown, depth: number): void => {
    if (depth === dims.length) {
      if (typeof x !== "number" || !Number.isInteger(x)) throw new InputMismatch(`${name}: expected integers, found ${JSON.stringify(x)}`);
      data[i++] = x;
      return;
    }
    if (!Array.isArray(x) || x.length !== dims[depth]) throw new InputMismatch(`${name}: ragged nested array (dims [${dims}])`);
    for (const y of x) walk(y, depth + 1);
  };
  walk(v, 0);
  return { data, dims };
}

/** Flat int32 values of one integer input (a copy: it is transferred to the worker). */
export function read_ints(name: string, v: unknown): IdsArray {
  if (v instanceof tf.Tensor) {
    if (v.isDisposed) throw new InputMismatch(`${name}: the tensor was already disposed`);
    const values = v.dataSync();
    const data = v.dtype === "int32" || v.dtype === "bool" ? Int32Array.from(values as Int32Array) : new Int32Array(values.length);
    if (v.dtype === "float32") {
      for (let i = 0; i < values.length; i++) {
        const x = values[i] as number;
        if (!Number.isInteger(x)) throw new InputMismatch(`${name}: expected integer values, found ${x}`);
        data[i] = x;
      }
    } else if (v.dtype !== "int32" && v.dtype !== "bool") {
      throw new InputMismatch(`${name}: expected an int32 tensor, got ${v.dtype}`);
    }
    return { data, dims: v.shape.slice() };
  }
  if (Array.isArray(v)) return fromNested(name, v);
  throw new InputMismatch(`${name}: expected a tf.Tensor or a nested array of numbers, got ${typeof v}`);
}

function checkRange(name: string, a: IdsArray, size: number, what: string): void {
  for (const x of a.data) if (x < 0 || x >= size) throw new InputMismatch(`${name} contains ${x}, outside [0, ${size}) (${what})`);
}

/**
 * input_ids / attention_mask / token_type_ids as the graph takes them: [batch, seq] ([batch, choices,
 * seq] for multiple choice), a single [seq] row becoming [1, seq] as in the tfjs path.
 */
export function graph_inputs(inputs: Record<string, unknown>, config: EngineBertConfig, multiple_choice: boolean): RunRequest["inputs"] {
  const ids = read_ints("input_ids", inputs.input_ids);
  const rank = multiple_choice ? 3 : 2;
  if (!multiple_choice && ids.dims.length === 1) ids.dims = [1, ids.dims[0]];
  if (ids.dims.length !== rank) throw new InputMismatch(`input_ids has shape [${ids.dims}]; expected ${multiple_choice ? "[batch, num_choices, seq]" : "[batch, seq]"}`);
  const seq = ids.dims[rank - 1];
  if (ids.data.length === 0 || seq === 0) throw new InputMismatch(`input_ids is empty (shape [${ids.dims}])`);
  const maxPos = config.max_position_embeddings ?? 512;
  if (seq > maxPos) throw new InputMismatch(`the sequence (${seq} tokens) is longer than config.max_position_embeddings (${maxPos})`);
  checkRange("input_ids", ids, config.vocab_size ?? 30522, `config.vocab_size is ${config.vocab_size ?? 30522}`);
  const out: RunRequest["inputs"] = { input_ids: ids };
  for (const name of ["attention_mask", "token_type_ids"] as const) {
    if (inputs[name] == null) continue;
    const a = read_ints(name, inputs[name]);
    if (!multiple_choice && a.dims.length === 1) a.dims = [1, a.dims[0]];
    if (a.dims.join() !== ids.dims.join()) throw new InputMismatch(`${name} has shape [${a.dims}]; expected [${ids.dims}] like input_ids`);
    if (name === "attention_mask") checkRange(name, a, 2, "the ONNX graph takes a 0/1 mask");
    else checkRange(name, a, config.type_vocab_size ?? 2, `config.type_vocab_size is ${config.type_vocab_size ?? 2}`);
    out[name] = a;
  }
  return out;
}
