// The safetensors format: u64 little-endian header length, a JSON header
// { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {...} } (padded with spaces),
// then raw little-endian data. Reading converts F16/BF16/F64 to float32 and integer types to int32.
import * as fs from "fs";
import { writeFileAtomicSync } from "../utils/fs";

export type StoredDtype = "F64" | "F32" | "F16" | "BF16" | "I64" | "I32" | "I16" | "I8" | "U8" | "BOOL";

/** One tensor as plain data: float weights are float32, integer tensors int32. */
export interface TensorData {
  dtype: "float32" | "int32";
  shape: number[];
  data: Float32Array | Int32Array;
}

export interface SafetensorsFile {
  tensors: Map<string, TensorData>;
  metadata: Record<string, string>;
}

const BYTES: Record<StoredDtype, number> = { F64: 8, F32: 4, F16: 2, BF16: 2, I64: 8, I32: 4, I16: 2, I8: 1, U8: 1, BOOL: 1 };

/** IEEE half → float. */
export function halfToFloat(h: number): number {
  const s = h & 0x8000 ? -1 : 1;
  const e = (h >> 10) & 0x1f;
  const f = h & 0x3ff;
  if (e === 0) return s * 2 ** -14 * (f / 1024);
  if (e === 31) return f ? NaN : s * Infinity;
  return s * 2 ** (e - 15) * (1 + f / 1024);
}

/** Decodes little-endian bytes of one stored dtype into float32 / int32. */
export function decodeTensorBytes(bytes: Uint8Array, dtype: StoredDtype, shape: number[], name = "tensor"): TensorData {
  const n = shape.reduce((a, b) => a * b, 1);
  if (!(dtype in BYTES)) throw new Error(`${name}: unsupported dtype '${dtype}'; expected one of ${Object.keys(BYTES).join(", ")}`);
  if (bytes.byteLength !== n * BYTES[dtype]) {
    throw new Error(`${name}: ${bytes.byteLength} bytes for shape [${shape}] of ${dtype}; expected ${n * BYTES[dtype]}`);
  }
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  switch (dtype) {
    case "F32": {
      const out = new Float32Array(n);
      if (bytes.byteOffset % 4 === 0) out.set(new Float32Array(bytes.buffer, bytes.byteOffset, n));
      else for (let i = 0; i < n; i++) out[i] = view.getFloat32(i * 4, true);
      return { dtype: "float32", shape, data: out };
    }
    case "F64": {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getFloat64(i * 8, true);
      return { dtype: "float32", shape, data: out };
    }
    case "F16": {
      const out = new Float32Array(n);
      for (let i = 0; i < n; i++) out[i] = halfToFloat(view.getUint16(i * 2, true));
      return { dtype: "float32", shape, data: out };
    }
    case "BF16": {
      const out = new Float32Array(n);
      const u32 = new Uint32Array(out.buffer);
      for (let i = 0; i < n; i++) u32[i] = view.getUint16(i * 2, true) << 16;
      return { dtype: "float32", shape, data: out };
    }
    case "I64": {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) {
        const v = view.getBigInt64(i * 8, true);
        if (v > 2147483647n || v < -2147483648n) throw new Error(`${name}: int64 value ${v} does not fit in int32`);
        out[i] = Number(v);
      }
      return { dtype: "int32", shape, data: out };
    }
    case "I32": {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt32(i * 4, true);
      return { dtype: "int32", shape, data: out };
    }
    case "I16": {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt16(i * 2, true);
      return { dtype: "int32", shape, data: out };
    }
    case "I8": {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = view.getInt8(i);
      return { dtype: "int32", shape, data: out };
    }
    case "U8":
    case "BOOL": {
      const out = new Int32Array(n);
      for (let i = 0; i < n; i++) out[i] = bytes[i];
      return { dtype: "int32", shape, data: out };
    }
  }
}

/** Parses a safetensors buffer. Does not depend on header key order or padding width. */
export function parseSafetensors(buf: Uint8Array, source = "safetensors"): SafetensorsFile {
  if (buf.byteLength < 8) throw new Error(`${source}: file is ${buf.byteLength} bytes, too short to be safetensors`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const headerLen = Number(view.getBigUint64(0, true));
  if (headerLen > buf.byteLength - 8) throw new Error(`${source}: header length ${headerLen} exceeds the file size ${buf.byteLength}`);
  let header: Record<string, { dtype: StoredDtype; shape: number[]; data_offsets: [number, number] } | Record<string, string>>;
  try {
    header = JSON.parse(Buffer.from(buf.buffer, buf.byteOffset + 8, headerLen).toString("utf8"));
  } catch (e) {
    throw new Error(`${source}: header is not valid JSON (${(e as Error).message})`);
  }
  const dataStart = 8 + headerLen;
  const tensors = new Map<string, TensorData>();
  let metadata: Record<string, string> = {};
  for (const [name, entry] of Object.entries(header)) {
    if (name === "__metadata__") {
      metadata = entry as Record<string, string>;
      continue;
    }
    const { dtype, shape, data_offsets } = entry as { dtype: StoredDtype; shape: number[]; data_offsets: [number, number] };
    const [begin, end] = data_offsets;
    if (dataStart + end > buf.byteLength || begin > end) {
      throw new Error(`${source}: tensor '${name}' data_offsets [${begin}, ${end}] fall outside the file`);
    }
    tensors.set(name, decodeTensorBytes(buf.subarray(dataStart + begin, dataStart + end), dtype, shape, `${source}: '${name}'`));
  }
  return { tensors, metadata };
}

export function readSafetensors(file: string): SafetensorsFile {
  if (!fs.existsSync(file)) throw new Error(`safetensors file not found: ${file}`);
  return parseSafetensors(fs.readFileSync(file), file);
}

/** How float32 tensors are stored: F32 (default, exact), or F16 / BF16 (half the bytes, rounded to nearest even). */
export type FloatWriteDtype = "F32" | "F16" | "BF16";

export interface SerializeOptions {
  /** Stored dtype of the float32 tensors (int32 tensors stay I32). Default "F32". */
  float_dtype?: FloatWriteDtype;
}

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);

/** float → IEEE half bits, round to nearest even; overflow → ±Infinity, tiny values → subnormals / ±0, NaN kept. */
export function floatToHalf(x: number): number {
  f32[0] = x;
  const b = u32[0];
  const sign = (b >>> 16) & 0x8000;
  const exp = (b >>> 23) & 0xff;
  const mant = b & 0x7fffff;
  if (exp === 0xff) return sign | 0x7c00 | (mant ? 0x200 | (mant >>> 13) : 0); // Inf / NaN (quiet)
  const e = exp - 127 + 15; // re-biased exponent
  if (e >= 0x1f) return sign | 0x7c00; // too large: Infinity
  if (e <= 0) {
    if (e < -10) return sign; // below half the smallest subnormal: ±0
    const m = mant | 0x800000; // implicit leading 1
    const shift = 14 - e; // 24-bit mantissa → subnormal 10 bits
    const half = m >>> shift;
    const rest = m & ((1 << shift) - 1);
    const mid = 1 << (shift - 1);
    return sign | (half + (rest > mid || (rest === mid && half & 1) ? 1 : 0));
  }
  const half = (e << 10) | (mant >>> 13);
  const rest = mant & 0x1fff;
  // rounding may carry into the exponent (and up to Infinity), which is the correct result
  return sign | (half + (rest > 0x1000 || (rest === 0x1000 && half & 1) ? 1 : 0));
}

/** float → bfloat16 bits (the upper half of the float32), round to nearest even; NaN kept. */
export function floatToBfloat16(x: number): number {
  f32[0] = x;
  const b = u32[0];
  if ((b & 0x7f800000) === 0x7f800000 && b & 0x7fffff) return ((b >>> 16) | 0x40) & 0xffff; // quiet NaN
  return ((b + 0x7fff + ((b >>> 16) & 1)) >>> 16) & 0xffff;
}

function encodeFloats(data: Float32Array | Int32Array, dtype: FloatWriteDtype): Uint8Array {
  if (dtype === "F32") return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
  const out = new Uint16Array(data.length); // little-endian on every platform Node runs on
  const conv = dtype === "F16" ? floatToHalf : floatToBfloat16;
  for (let i = 0; i < data.length; i++) out[i] = conv(data[i]);
  return new Uint8Array(out.buffer);
}

/**
 * Serializes tensors (float32 → F32, or F16/BF16 with `options.float_dtype`; int32 → I32) with keys
 * sorted as the Rust writer does.
 */
export function serializeSafetensors(
  tensors: Map<string, TensorData> | Record<string, TensorData>,
  metadata: Record<string, string> = { format: "pt" },
  options: SerializeOptions = {},
): Uint8Array[] {
  const floatDtype = options.float_dtype ?? "F32";
  if (!["F32", "F16", "BF16"].includes(floatDtype)) {
    throw new Error(`serializeSafetensors: float_dtype '${String(floatDtype)}' is not supported; expected F32, F16 or BF16`);
  }
  const entries = (tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = { __metadata__: metadata };
  const bodies: Uint8Array[] = [];
  let offset = 0;
  for (const [name, t] of entries) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== n) throw new Error(`serializeSafetensors: '${name}' has ${t.data.length} values for shape [${t.shape}]`);
    const body = t.dtype === "float32" ? encodeFloats(t.data, floatDtype) : new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength);
    header[name] = { dtype: t.dtype === "float32" ? floatDtype : "I32", shape: t.shape, data_offsets: [offset, offset + body.byteLength] };
    offset += body.byteLength;
    bodies.push(body);
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const head = new Uint8Array(8);
  new DataView(head.buffer).setBigUint64(0, BigInt(Buffer.byteLength(json)), true);
  return [head, Buffer.from(json, "utf8"), ...bodies];
}

/** Writes a safetensors file atomically; `metadata.format = "pt"` so Python transformers loads it. */
export function writeSafetensors(
  file: string,
  tensors: Map<string, TensorData> | Record<string, TensorData>,
  metadata: Record<string, string> = { format: "pt" },
  options: SerializeOptions = {},
): void {
  writeFileAtomicSync(file, serializeSafetensors(tensors, metadata, options));
}
