// Validating a safetensors header before any tensor is allocated, at least as strictly as the
// reference implementation (huggingface/safetensors, `SafeTensors::read_metadata` + `Metadata::validate`):
// header length ≤ 100,000,000 bytes and inside the file; UTF-8 JSON object; `__metadata__` absent,
// null or a string → string map; every other key { dtype, shape, data_offsets } with a known dtype,
// shape and offsets non-negative integers; sorted by offset the tensors start at 0, are contiguous
// (no gap, no overlap), each exactly numel × itemsize bytes (overflow checked), and together cover the
// data to the last byte. Stricter than the reference: a key repeated in the header is refused (JSON
// parsers silently keep the last one, so two readers could disagree about the file).
import { FileFormatError } from "../utils/read_file";
import { DTYPE_BYTES, type StoredDtype } from "./dtypes";
import type { ByteSource } from "./lazy";

export const MAX_HEADER_SIZE = 100_000_000;

export interface HeaderEntry {
  name: string;
  dtype: StoredDtype;
  shape: number[];
  /** Offsets relative to the start of the data (just past the header). */
  begin: number;
  end: number;
}

export interface SafetensorsHeader {
  entries: HeaderEntry[];
  metadata: Record<string, string>;
  /** File offset of the data: 8 + header length. */
  data_start: number;
}

const isIndex = (v: unknown): v is number => typeof v === "number" && Number.isSafeInteger(v) && v >= 0;
const show = (v: unknown): string => {
  const s = JSON.stringify(v);
  return s === undefined ? String(v) : s.length > 60 ? `${s.slice(0, 60)}…` : s;
};

/** The top-level keys of a (valid) JSON object text, in order, repeats included. */
function topLevelKeys(text: string): string[] {
  const keys: string[] = [];
  let depth = 0;
  for (let i = 0; i < text.length; ) {
    const c = text.charCodeAt(i);
    if (c === 0x22) { // a string
      const start = i++;
      while (i < text.length && text.charCodeAt(i) !== 0x22) i += text.charCodeAt(i) === 0x5c ? 2 : 1;
      i++;
      if (depth === 1) {
        let j = i;
        while (j < text.length && (text[j] === " " || text[j] === "\n" || text[j] === "\r" || text[j] === "\t")) j++;
        if (text[j] === ":") keys.push(JSON.parse(text.slice(start, i)) as string);
      }
      continue;
    }
    if (c === 0x7b || c === 0x5b) depth++;
    else if (c === 0x7d || c === 0x5d) depth--;
    i++;
  }
  return keys;
}

function checkEntry(src: string, name: string, raw: unknown): Omit<HeaderEntry, "name"> {
  const where = `${src}: tensor '${name}'`;
  if (raw === null || typeof raw !== "object" || Array.isArray(raw)) {
    throw new FileFormatError(`${where}: header entry is ${show(raw)}; expected { "dtype", "shape", "data_offsets" }`);
  }
  const { dtype, shape, data_offsets } = raw as Record<string, unknown>;
  if (typeof dtype !== "string" || !Object.prototype.hasOwnProperty.call(DTYPE_BYTES, dtype)) {
    throw new FileFormatError(`${where}: dtype ${show(dtype)} is not a safetensors dtype; expected one of ${Object.keys(DTYPE_BYTES).join(", ")}`);
  }
  if (!Array.isArray(shape) || !shape.every(isIndex)) {
    throw new FileFormatError(`${where}: shape ${show(shape)} must be a list of non-negative integers`);
  }
  if (!Array.isArray(data_offsets) || data_offsets.length !== 2 || !data_offsets.every(isIndex)) {
    throw new FileFormatError(`${where}: data_offsets ${show(data_offsets)} must be [begin, end], two non-negative integers`);
  }
  return { dtype: dtype as StoredDtype, shape: shape.slice(), begin: data_offsets[0], end: data_offsets[1] };
}

/** Parses and validates the header of a safetensors source (reads only the header bytes). */
export function read_safetensors_header(src: ByteSource): SafetensorsHeader {
  const file = src.name;
  if (src.size < 8) throw new FileFormatError(`${file}: ${src.size} bytes, too short to be safetensors (needs an 8-byte header length)`, file);
  const head = src.read(0, 8);
  const n64 = new DataView(head.buffer, head.byteOffset, 8).getBigUint64(0, true);
  if (n64 > BigInt(MAX_HEADER_SIZE)) throw new FileFormatError(`${file}: header length ${n64} exceeds the ${MAX_HEADER_SIZE}-byte limit of safetensors (not a safetensors file?)`, file);
  const n = Number(n64);
  if (8 + n > src.size) throw new FileFormatError(`${file}: header length ${n} runs past the end of the file (${src.size} bytes; truncated?)`, file);
  let text: string;
  try {
    text = new TextDecoder("utf-8", { fatal: true }).decode(src.read(8, n));
  } catch {
    throw new FileFormatError(`${file}: the header is not valid UTF-8`, file);
  }
  let header: unknown;
  try {
    header = JSON.parse(text);
  } catch (e) {
    throw new FileFormatError(`${file}: header is not valid JSON (${(e as Error).message})`, file);
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) {
    throw new FileFormatError(`${file}: header is ${Array.isArray(header) ? "a list" : show(header)}; expected a JSON object of tensors`, file);
  }
  const keys = topLevelKeys(text);
  if (keys.length !== Object.keys(header).length) {
    const seen = new Set<string>();
    const dup = keys.find((k) => (seen.has(k) ? true : (seen.add(k), false)));
    throw new FileFormatError(`${file}: the header names '${dup}' more than once`, file);
  }
  let metadata: Record<string, string> = {};
  const entries: HeaderEntry[] = [];
  for (const [name, raw] of Object.entries(header as Record<string, unknown>)) {
    if (name === "__metadata__") {
      if (raw === null) continue;
      if (typeof raw !== "object" || Array.isArray(raw) || !Object.values(raw as object).every((v) => typeof v === "string")) {
        throw new FileFormatError(`${file}: __metadata__ must map strings to strings, got ${show(raw)}`, file);
      }
      metadata = { ...(raw as Record<string, string>) };
      continue;
    }
    entries.push({ name, ...checkEntry(file, name, raw) });
  }
  const sorted = entries.slice().sort((a, b) => a.begin - b.begin || a.end - b.end);
  const dataLen = src.size - 8 - n;
  let at = 0;
  for (const e of sorted) {
    if (e.begin !== at || e.end < e.begin) {
      const why = e.begin < at ? "overlaps the tensor before it" : e.begin > at ? `leaves a gap (expected it to start at ${at})` : "ends before it begins";
      throw new FileFormatError(`${file}: tensor '${e.name}' data_offsets [${e.begin}, ${e.end}] ${why}; tensors must be contiguous from offset 0`, file);
    }
    let count = 1;
    for (const d of e.shape) {
      count *= d;
      if (count > Number.MAX_SAFE_INTEGER) throw new FileFormatError(`${file}: tensor '${e.name}' shape [${e.shape}] overflows`, file);
    }
    const bytes = count * DTYPE_BYTES[e.dtype];
    if (bytes > Number.MAX_SAFE_INTEGER) throw new FileFormatError(`${file}: tensor '${e.name}' shape [${e.shape}] overflows`, file);
    if (e.end - e.begin !== bytes) {
      throw new FileFormatError(`${file}: tensor '${e.name}' has ${e.end - e.begin} bytes for shape [${e.shape}] of ${e.dtype}; expected ${bytes}`, file);
    }
    at = e.end;
  }
  if (at !== dataLen) {
    throw new FileFormatError(`${file}: the tensors cover ${at} bytes of data but the file holds ${dataLen} after the header (${at > dataLen ? "truncated file" : "trailing bytes"}?)`, file);
  }
  return { entries, metadata, data_start: 8 + n };
}
