// Stored dtypes (safetensors names; torch storages map onto them) and their decoding into the two
// types bertlab computes with: float types → float32, integer types → int32 (values that do not fit
// are an error, never wrapped).
import { FileFormatError } from "../utils/read_file";

export type StoredDtype = "F64" | "F32" | "F16" | "BF16" | "I64" | "I32" | "I16" | "I8" | "U64" | "U32" | "U16" | "U8" | "BOOL" | "F8_E5M2" | "F8_E4M3";

/** Bytes per element of every dtype the safetensors format defines (the reference implementation's list). */
export const DTYPE_BYTES: Record<StoredDtype, number> = {
  F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U64: 8, U32: 4, U16: 2, U8: 1, BOOL: 1, F8_E5M2: 1, F8_E4M3: 1,
};

/** One tensor as plain data: float weights are float32, integer tensors int32. */
export interface TensorData {
  dtype: "float32" | "int32";
  shape: number[];
  data: Float32Array | Int32Array;
}

const FLOATS = new Set<StoredDtype>(["F64", "F32", "F16", "BF16", "F8_E5M2", "F8_E4M3"]);
const DECODABLE = new Set<StoredDtype>(["F64", "F32", "F16", "BF16", "I64", "I32", "I16", "I8", "U64", "U32", "U16", "U8", "BOOL"]);

/** Whether a stored dtype holds floating-point values. */
export function float_dtype(dtype: StoredDtype): boolean {
  return FLOATS.has(dtype);
}

/** What a stored dtype decodes to; an error naming the tensor for dtypes bertlab cannot compute with. */
export function decoded_dtype(dtype: StoredDtype, name: string): "float32" | "int32" {
  if (!DECODABLE.has(dtype)) {
    throw new FileFormatError(`${name}: dtype ${dtype} cannot be read; bertlab reads ${[...DECODABLE].join(", ")}`);
  }
  return FLOATS.has(dtype) ? "float32" : "int32";
}

/** IEEE half → float. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

let HALF_TABLE: Float32Array | null = null;

/** halfToFloat of every 16-bit pattern (256 KB, built on first use). */
function half_table(): Float32Array {
  if (!HALF_TABLE) {
    HALF_TABLE = new Float32Array(65536);
    for (let h = 0; h < 65536; h++) HALF_TABLE[h] = halfToFloat(h);
  }
  return HALF_TABLE;
}

/** Product of a shape (1 for a scalar). */
export function numel(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * Decodes little-endian `bytes` of `dtype` into `out` (float32 for float dtypes, int32 for integers),
 * which must hold exactly bytes / itemsize values.
 */
export function decode_into(bytes: Uint8Array, dtype: StoredDtype, out: Float32Array | Int32Array, name = "tensor"): void {
  const n = out.length;
  const want = decoded_dtype(dtype, name);
  if ((want === "float32") !== out instanceof Float32Array) throw new FileFormatError(`${name}: ${dtype} decodes to ${want}, the destination is not`);
  if (bytes.byteLength !== n * DTYPE_BYTES[dtype]) {
    throw new FileFormatError(`${name}: ${bytes.byteLength} bytes for ${n} values of ${dtype}; expected ${n * DTYPE_BYTES[dtype]}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const fits = (v: bigint): number => {
    if (v > 2147483647n || v < -2147483648n) throw new FileFormatError(`${name}: ${dtype} value ${v} does not fit in int32`);
    return Number(v);
  };
  switch (dtype) {
    case "F32":
      if (bytes.byteOffset % 4 === 0) out.set(new Float32Array(bytes.buffer, bytes.byteOffset, n));
      else for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
      return;
    case "F64": for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true); return;
    case "F16": {
      const table = half_table(); // one lookup per value: a cold kernel decodes the shipped fp16 mini-BERT ~20× faster
      for (let i = 0; i < n; i++) out[i] = table[view.getUint16(i * 2, true)];
      return;
    }
    case "BF16": {
      const u32 = new Uint32Array(out.buffer, out.byteOffset, n);
      for (let i = 0; i < n; i++) u32[i] = view.getUint16(i * 2, true) << 16;
      return;
    }
    case "I64": for (let i = 0; i < n; i++) out[i] = fits(view.getBigInt64(i * 8, true)); return;
    case "U64": for (let i = 0; i < n; i++) out[i] = fits(view.getBigUint64(i * 8, true)); return;
    case "I32": for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, true); return;
    case "U32": for (let i = 0; i < n; i++) out[i] = fits(BigInt(view.getUint32(i * 4, true))); return;
    case "I16": for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true); return;
    case "U16": for (let i = 0; i < n; i++) out[i] = view.getUint16(i * 2, true); return;
    case "I8": for (let i = 0; i < n; i++) out[i] = view.getInt8(i); return;
    default: for (let i = 0; i < n; i++) out[i] = bytes[i]; // U8, BOOL
  }
}

/** A new array of the decoded type for `count` values (an error, not a RangeError, past 2^31 - 1). */
export function alloc_decoded(dtype: "float32" | "int32", count: number, name: string): Float32Array | Int32Array {
  if (!Number.isSafeInteger(count) || count < 0 || count > 2 ** 31 - 1) throw new FileFormatError(`${name}: ${count} values do not fit in one typed array`);
  return dtype === "float32" ? new Float32Array(count) : new Int32Array(count);
}

/** Decodes little-endian bytes of one stored dtype into float32 / int32. */
export function decodeTensorBytes(bytes: Uint8Array, dtype: StoredDtype, shape: number[], name = "tensor"): TensorData {
  const out = alloc_decoded(decoded_dtype(dtype, name), numel(shape), name);
  decode_into(bytes, dtype, out, name);
  return { dtype: out instanceof Float32Array ? "float32" : "int32", shape, data: out };
}
