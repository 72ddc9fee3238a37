// A tiny ONNX graph builder over the `onnx-proto` protobuf classes: add inputs, initializers
// (weights stored as raw little-endian bytes, inside the model or, given an ExternalData file, written
// there at once) and nodes by name, then serialise a ModelProto.
import { onnx } from "onnx-proto";
import { EXTERNAL_MIN_BYTES, ExternalData } from "./external_data";

export const FLOAT = onnx.TensorProto.DataType.FLOAT;
export const INT64 = onnx.TensorProto.DataType.INT64;
export const INT32 = onnx.TensorProto.DataType.INT32;
export const INT8 = onnx.TensorProto.DataType.INT8;
export const UINT8 = onnx.TensorProto.DataType.UINT8;
export const BOOL = onnx.TensorProto.DataType.BOOL;

/** A dimension: a fixed size or a symbolic name such as "batch". */
export type Dim = number | string;

/** Node attribute: integer, `{ f }` float, string, integer list, float list or tensor. */
export type Attr = number | string | number[] | { f: number } | { floats: number[] } | { tensor: onnx.ITensorProto };

export const OPSET = 17; // LayerNormalization is a standard op from opset 17
export const MS_DOMAIN = "com.microsoft";

function attribute(name: string, value: Attr): onnx.IAttributeProto {
  const T = onnx.AttributeProto.AttributeType;
  if (typeof value === "number") {
    if (!Number.isInteger(value)) throw new Error(`onnx attribute '${name}': ${value} is not an integer; pass { f: ${value} } for a float`);
    return { name, type: T.INT, i: value };
  }
  if (typeof value === "string") return { name, type: T.STRING, s: Buffer.from(value, "utf8") };
  if (Array.isArray(value)) return { name, type: T.INTS, ints: value };
  if ("f" in value) return { name, type: T.FLOAT, f: value.f };
  if ("floats" in value) return { name, type: T.FLOATS, floats: value.floats };
  return { name, type: T.TENSOR, t: value.tensor };
}

function valueInfo(name: string, elemType: number, dims: Dim[]): onnx.IValueInfoProto {
  return {
    name,
    type: { tensorType: { elemType, shape: { dim: dims.map((d) => (typeof d === "number" ? { dimValue: d } : { dimParam: d })) } } },
  };
}

export class GraphBuilder {
  private nodes: onnx.INodeProto[] = [];
  private inits: onnx.ITensorProto[] = [];
  private inputs: onnx.IValueInfoProto[] = [];
  private outputs: onnx.IValueInfoProto[] = [];
  private counter = 0;
  private consts = new Map<string, string>();

  /** With `external`, initializers of EXTERNAL_MIN_BYTES or more go to that file as they are added. */
  constructor(private readonly external?: ExternalData) {}

  /** One initializer: raw bytes in the model (a view, copied at serialisation) or in the external file. */
  private addInit(name: string, dataType: number, dims: number[], bytes: Uint8Array): void {
    this.inits.push(this.external && bytes.byteLength >= EXTERNAL_MIN_BYTES ? this.external.tensor(name, dataType, dims, bytes) : { name, dataType, dims, rawData: bytes });
  }

  /** A fresh, readable tensor name. */
  fresh(hint: string): string {
    return `${hint}__${this.counter++}`;
  }

  input(name: string, elemType: number, dims: Dim[]): string {
    this.inputs.push(valueInfo(name, elemType, dims));
    return name;
  }

  output(name: string, elemType: number, dims: Dim[]): void {
    this.outputs.push(valueInfo(name, elemType, dims));
  }

  /**
   * A float32 initializer: raw bytes viewing `data` (no copy until serialisation). The same array with
   * the same dims is stored once (e.g. tied embedding / decoder weights) and its first name returned.
   */
  initFloat(name: string, data: Float32Array, dims: number[]): string {
    const n = dims.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new Error(`onnx initializer '${name}': ${data.length} values for dims [${dims}]`);
    const key = dims.join("x");
    const seen = this.byData.get(data);
    if (seen && seen.key === key) return seen.name;
    this.byData.set(data, { name, key });
    this.addInit(name, FLOAT, dims, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return name;
  }
  private byData = new WeakMap<Float32Array, { name: string; key: string }>();

  /** An int8 (or, for a Uint8Array, uint8) initializer (quantized weights, zero points): raw bytes viewing `data`. */
  initInt8(name: string, data: Int8Array | Uint8Array, dims: number[]): string {
    const n = dims.reduce((a, b) => a * b, 1);
    if (data.length !== n) throw new Error(`onnx initializer '${name}': ${data.length} values for dims [${dims}]`);
    this.addInit(name, data instanceof Uint8Array ? UINT8 : INT8, dims, new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return name;
  }

  /** A bool scalar initializer (e.g. Dropout's training_mode). */
  initBool(name: string, value: boolean): string {
    this.inits.push({ name, dataType: BOOL, dims: [], rawData: new Uint8Array([value ? 1 : 0]) });
    return name;
  }

  initInt64(name: string, values: number[], dims: number[] = [values.length]): string {
    const raw = new BigInt64Array(values.map((v) => BigInt(v)));
    this.addInit(name, INT64, dims, new Uint8Array(raw.buffer));
    return name;
  }

  /** A shared scalar / vector constant (deduplicated by value). */
  constFloat(value: number): string {
    const key = `f${value}`;
    let name = this.consts.get(key);
    if (!name) {
      name = this.initFloat(this.fresh("const_f"), new Float32Array([value]), []);
      this.consts.set(key, name);
    }
    return name;
  }

  /** An int64 constant: a 1-D vector, or a scalar when `scalar` is set (one value). */
  constInt64(values: number[], scalar = false): string {
    if (scalar && values.length !== 1) throw new Error(`constInt64: a scalar needs one value, got ${values.length}`);
    const key = `i${scalar ? "s" : "v"}${values.join(",")}`;
    let name = this.consts.get(key);
    if (!name) {
      name = this.initInt64(this.fresh("const_i"), values, scalar ? [] : [values.length]);
      this.consts.set(key, name);
    }
    return name;
  }

  /** Adds one node; returns its output names (fresh ones named after `hint` unless given). */
  node(opType: string, inputs: string[], opts: { outputs?: string[] | number; attrs?: Record<string, Attr>; domain?: string; hint?: string } = {}): string[] {
    const hint = opts.hint ?? opType.toLowerCase();
    const outputs = Array.isArray(opts.outputs)
      ? opts.outputs
      : Array.from({ length: opts.outputs ?? 1 }, () => this.fresh(hint));
    this.nodes.push({
      opType,
      input: inputs,
      output: outputs,
      name: this.fresh(`n_${hint}`),
      domain: opts.domain ?? "",
      attribute: Object.entries(opts.attrs ?? {}).map(([k, v]) => attribute(k, v)),
    });
    return outputs;
  }

  /** Shorthand for single-output nodes. */
  op(opType: string, inputs: string[], attrs?: Record<string, Attr>, hint?: string, output?: string): string {
    return this.node(opType, inputs, { attrs, hint, outputs: output ? [output] : 1 })[0];
  }

  /** Serialises the model (opset 17 + com.microsoft contrib ops). */
  toBytes(graphName: string): Uint8Array {
    const model: onnx.IModelProto = {
      irVersion: 8,
      producerName: "bertlab",
      opsetImport: [{ domain: "", version: OPSET }, { domain: MS_DOMAIN, version: 1 }],
      graph: { name: graphName, node: this.nodes, initializer: this.inits, input: this.inputs, output: this.outputs },
    };
    return onnx.ModelProto.encode(onnx.ModelProto.create(model)).finish();
  }
}
