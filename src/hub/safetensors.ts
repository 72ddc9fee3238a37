// The safetensors format: u64 little-endian header length, a JSON header
// { name: { dtype, shape, data_offsets: [begin, end] }, __metadata__?: {...} } (padded with spaces),
// then raw little-endian data. Reading converts F16/BF16/F64 to float32 and integer types to int32;
// the header is validated before anything is allocated (safetensors_header.ts).
import { writeFileAtomicSync } from "../utils/fs";
import { FileFormatError } from "../utils/read_file";
import { decode_into, float_dtype, numel, type TensorData } from "./dtypes";
import { buffer_source, file_source, read_all, with_reader, type ByteSource, type LazyTensor, type WeightsReader } from "./lazy";
import { read_safetensors_header } from "./safetensors_header";

export type { StoredDtype, TensorData } from "./dtypes";
export { halfToFloat, decodeTensorBytes } from "./dtypes";

/** A parsed .safetensors file: its tensors by name and its string metadata. */
export interface SafetensorsFile {
  tensors: Map<string, TensorData>;
  metadata: Record<string, string>;
}

/**
 * The tensors of a safetensors source, validated (see safetensors_header.ts) but not read: each is
 * read on demand, F32 straight into its destination with no intermediate copy.
 */
export function safetensors_reader(src: ByteSource): WeightsReader {
  const { entries, metadata, data_start } = read_safetensors_header(src);
  const tensors = new Map<string, LazyTensor>();
  for (const e of entries) {
    const name = `${src.name}: '${e.name}'`;
    const dtype = float_dtype(e.dtype) ? "float32" : "int32"; // F8 types fail when read, not when listed
    tensors.set(e.name, {
      dtype,
      shape: e.shape,
      stored: e.dtype,
      read_into(dest) {
        if (dest.length !== numel(e.shape)) throw new FileFormatError(`${name}: destination holds ${dest.length} values, the tensor ${numel(e.shape)}`);
        if (e.dtype === "F32" && dest instanceof Float32Array) src.read_into(new Uint8Array(dest.buffer, dest.byteOffset, dest.byteLength), data_start + e.begin);
        else decode_into(src.read(data_start + e.begin, e.end - e.begin), e.dtype, dest, name);
      },
    });
  }
  return { source: src.name, tensors, metadata, close: () => src.close() };
}

/** Opens a safetensors file (a regular file; symlinks followed) for reading tensor by tensor. */
export function open_safetensors(file: string): WeightsReader {
  const src = file_source(file, "safetensors file");
  try {
    return safetensors_reader(src);
  } catch (e) {
    src.close();
    throw e;
  }
}

/** Parses a safetensors buffer. Does not depend on header key order or padding width. */
export function parseSafetensors(buf: Uint8Array, source = "safetensors"): SafetensorsFile {
  const reader = safetensors_reader(buffer_source(buf, source));
  return { tensors: read_all(reader), metadata: reader.metadata };
}

/** Reads every tensor of a safetensors file (one tensor's bytes in memory at a time, never the whole file). */
export function readSafetensors(file: string): SafetensorsFile {
  return with_reader(open_safetensors(file), (r) => ({ tensors: read_all(r), metadata: r.metadata }));
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
