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

/** Serializes tensors (float32 → F32, int32 → I32) with keys sorted as the Rust writer does. */
export function serializeSafetensors(tensors: Map<string, TensorData> | Record<string, TensorData>, metadata: Record<string, string> = { format: "pt" }): Uint8Array[] {
  const entries = (tensors instanceof Map ? [...tensors.entries()] : Object.entries(tensors)).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  const header: Record<string, unknown> = { __metadata__: metadata };
  let offset = 0;
  for (const [name, t] of entries) {
    const n = t.shape.reduce((a, b) => a * b, 1);
    if (t.data.length !== n) throw new Error(`serializeSafetensors: '${name}' has ${t.data.length} values for shape [${t.shape}]`);
    header[name] = { dtype: t.dtype === "float32" ? "F32" : "I32", shape: t.shape, data_offsets: [offset, offset + n * 4] };
    offset += n * 4;
  }
  let json = JSON.stringify(header);
  json += " ".repeat((8 - ((8 + Buffer.byteLength(json)) % 8)) % 8);
  const head = new Uint8Array(8);
  new DataView(head.buffer).setBigUint64(0, BigInt(Buffer.byteLength(json)), true);
  const chunks: Uint8Array[] = [head, Buffer.from(json, "utf8")];
  for (const [, t] of entries) chunks.push(new Uint8Array(t.data.buffer, t.data.byteOffset, t.data.byteLength));
  return chunks;
}

/** Writes a safetensors file atomically; `metadata.format = "pt"` so Python transformers loads it. */
export function writeSafetensors(file: string, tensors: Map<string, TensorData> | Record<string, TensorData>, metadata: Record<string, string> = { format: "pt" }): void {
  writeFileAtomicSync(file, serializeSafetensors(tensors, metadata));
}
