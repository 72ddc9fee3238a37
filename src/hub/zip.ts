// A zip reader for torch.save archives that reads only what is asked for: the central directory
// (zip64 included) is parsed with every offset and size checked against the file, and an entry's
// bytes are read — and, when deflated, inflated — only when a caller asks for that entry, never past
// the size the caller expects (a small file cannot inflate into gigabytes).
import * as zlib from "zlib";
import { FileFormatError } from "../utils/read_file";
import type { ByteSource } from "./lazy";

export interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflate. */
  method: number;
  compressed_size: number;
  size: number;
  /** File offset of the local header. */
  header_offset: number;
}

const EOCD = 0x06054b50;
const ZIP64_LOCATOR = 0x07064b50;
const ZIP64_EOCD = 0x06064b50;
const CENTRAL = 0x02014b50;
const LOCAL = 0x04034b50;

function u64(view: DataView, at: number, what: string, src: string): number {
  const v = view.getBigUint64(at, true);
  if (v > BigInt(Number.MAX_SAFE_INTEGER)) throw new FileFormatError(`${src}: zip ${what} ${v} is too large (corrupted archive?)`);
  return Number(v);
}

function viewOf(b: Uint8Array): DataView {
  return new DataView(b.buffer, b.byteOffset, b.byteLength);
}

/** The central directory of a zip source, by entry name. */
export function read_zip_directory(src: ByteSource): Map<string, ZipEntry> {
  const file = src.name;
  const bad = (msg: string): never => {
    throw new FileFormatError(`${file}: not a readable zip archive (${msg}); the file is truncated or corrupted — download it again`, file);
  };
  // The end-of-central-directory record is in the last 22 + 65,535 bytes.
  const tailLen = Math.min(src.size, 22 + 65535);
  const tail = src.read(src.size - tailLen, tailLen);
  const tv = viewOf(tail);
  let eocd = -1;
  for (let i = tailLen - 22; i >= 0; i--) if (tv.getUint32(i, true) === EOCD) { eocd = i; break; }
  if (eocd < 0) bad("no end-of-central-directory record");
  let count = tv.getUint16(eocd + 10, true);
  let cdSize = tv.getUint32(eocd + 12, true);
  let cdOffset = tv.getUint32(eocd + 16, true);
  if (count === 0xffff || cdSize === 0xffffffff || cdOffset === 0xffffffff) {
    const locAt = src.size - tailLen + eocd - 20;
    if (locAt < 0) bad("zip64 locator missing");
    const loc = viewOf(src.read(locAt, 20));
    if (loc.getUint32(0, true) !== ZIP64_LOCATOR) bad("zip64 locator missing");
    const recAt = u64(loc, 8, "zip64 record offset", file);
    if (recAt + 56 > src.size) bad("zip64 record outside the file");
    const rec = viewOf(src.read(recAt, 56));
    if (rec.getUint32(0, true) !== ZIP64_EOCD) bad("zip64 end record missing");
    count = u64(rec, 32, "entry count", file);
    cdSize = u64(rec, 40, "central directory size", file);
    cdOffset = u64(rec, 48, "central directory offset", file);
  }
  if (cdOffset + cdSize > src.size) bad(`central directory [${cdOffset}, ${cdOffset + cdSize}) lies outside the ${src.size}-byte file`);
  if (count * 46 > cdSize) bad(`${count} entries cannot fit in a ${cdSize}-byte central directory`);
  const cd = src.read(cdOffset, cdSize);
  const cv = viewOf(cd);
  const entries = new Map<string, ZipEntry>();
  let p = 0;
  for (let i = 0; i < count; i++) {
    if (p + 46 > cdSize || cv.getUint32(p, true) !== CENTRAL) bad(`central directory entry ${i} is malformed`);
    const flags = cv.getUint16(p + 8, true);
    const method = cv.getUint16(p + 10, true);
    let compressed = cv.getUint32(p + 20, true);
    let size = cv.getUint32(p + 24, true);
    const nameLen = cv.getUint16(p + 28, true);
    const extraLen = cv.getUint16(p + 30, true);
    const commentLen = cv.getUint16(p + 32, true);
    let offset = cv.getUint32(p + 42, true);
    if (p + 46 + nameLen + extraLen + commentLen > cdSize) bad(`central directory entry ${i} runs past the directory`);
    const name = Buffer.from(cd.subarray(p + 46, p + 46 + nameLen)).toString("utf8");
    // zip64 extra field: the 8-byte values of the fields that read 0xffffffff, in this order.
    for (let x = p + 46 + nameLen; x + 4 <= p + 46 + nameLen + extraLen; ) {
      const id = cv.getUint16(x, true);
      const len = cv.getUint16(x + 2, true);
      if (x + 4 + len > p + 46 + nameLen + extraLen) bad(`extra field of '${name}' runs past its entry`);
      if (id === 0x0001) {
        let q = x + 4;
        const next = (what: string): number => {
          if (q + 8 > x + 4 + len) bad(`zip64 field of '${name}' is too short`);
          q += 8;
          return u64(cv, q - 8, what, file);
        };
        if (size === 0xffffffff) size = next("size");
        if (compressed === 0xffffffff) compressed = next("compressed size");
        if (offset === 0xffffffff) offset = next("header offset");
      }
      x += 4 + len;
    }
    if (flags & 1) throw new FileFormatError(`${file}: zip entry '${name}' is encrypted; torch.save archives never are`, file);
    if (method !== 0 && method !== 8) throw new FileFormatError(`${file}: zip entry '${name}' uses compression method ${method}; only stored (0) and deflate (8) are read`, file);
    if (method === 0 && compressed !== size) bad(`stored entry '${name}' declares ${compressed} bytes stored and ${size} bytes of content`);
    if (offset + 30 + compressed > src.size) bad(`entry '${name}' (${compressed} bytes at ${offset}) lies outside the file`);
    if (entries.has(name)) bad(`entry '${name}' appears twice`);
    entries.set(name, { name, method, compressed_size: compressed, size, header_offset: offset });
    p += 46 + nameLen + extraLen + commentLen;
  }
  return entries;
}

/** File offset of an entry's data (after its local header). */
export function zip_data_offset(src: ByteSource, e: ZipEntry): number {
  const head = viewOf(src.read(e.header_offset, 30));
  if (head.getUint32(0, true) !== LOCAL) throw new FileFormatError(`${src.name}: zip entry '${e.name}' has no local header at byte ${e.header_offset} (corrupted archive?)`, src.name);
  const start = e.header_offset + 30 + head.getUint16(26, true) + head.getUint16(28, true);
  if (start + e.compressed_size > src.size) throw new FileFormatError(`${src.name}: zip entry '${e.name}' runs past the end of the file (truncated?)`, src.name);
  return start;
}

/**
 * The content of an entry, refusing one that declares (or inflates to) more than `max_bytes`, and
 * one whose content is not exactly the size its directory entry declares.
 */
export function read_zip_entry(src: ByteSource, e: ZipEntry, max_bytes: number): Uint8Array {
  if (e.size > max_bytes) throw new FileFormatError(`${src.name}: zip entry '${e.name}' declares ${e.size} bytes; at most ${max_bytes} were expected`, src.name);
  const raw = src.read(zip_data_offset(src, e), e.compressed_size);
  if (e.method === 0) return raw;
  let out: Buffer;
  try {
    out = zlib.inflateRawSync(raw, { maxOutputLength: Math.max(1, e.size) });
  } catch (err) {
    const tooBig = (err as NodeJS.ErrnoException).code === "ERR_BUFFER_TOO_LARGE";
    throw new FileFormatError(`${src.name}: zip entry '${e.name}' ${tooBig ? `inflates past its declared ${e.size} bytes` : `does not inflate (${(err as Error).message})`}`, src.name);
  }
  if (out.byteLength !== e.size) throw new FileFormatError(`${src.name}: zip entry '${e.name}' inflates to ${out.byteLength} bytes, its directory says ${e.size}`, src.name);
  return out;
}
