// Reading checkpoints tensor by tensor. A ByteSource is a regular file (read with pread, never held
// whole) or a buffer; a WeightsReader lists a checkpoint's tensors by name, each a LazyTensor whose
// bytes are read only when asked, into a destination the caller chose (a fresh array, or the memory
// of a tfjs tensor), so a load never holds the file, a decoded copy and the model at once.
import * as fs from "fs";
import { FileFormatError, open_regular_file, pread_exact } from "../utils/read_file";
import { alloc_decoded, numel, type StoredDtype, type TensorData } from "./dtypes";

/** Random access to the bytes of one input. */
export interface ByteSource {
  /** The path (or description) of the input, for errors. */
  readonly name: string;
  readonly size: number;
  /** `length` bytes at `position` in a new array (bounds-checked against the size first). */
  read(position: number, length: number): Uint8Array;
  /** Fills `dest` with the bytes at `position`. */
  read_into(dest: Uint8Array, position: number): void;
  close(): void;
}

function checkRange(name: string, size: number, position: number, length: number): void {
  if (!(Number.isSafeInteger(position) && Number.isSafeInteger(length) && position >= 0 && length >= 0 && position + length <= size)) {
    throw new FileFormatError(`${name}: bytes [${position}, ${position + length}) lie outside the file (${size} bytes; truncated or corrupted?)`);
  }
}

/** A regular file (symlinks followed; devices, FIFOs and directories refused), read on demand. */
export function file_source(file: string, what = "checkpoint"): ByteSource {
  const { fd, size } = open_regular_file(file, what);
  let open = true;
  return {
    name: file,
    size,
    read(position, length) {
      checkRange(file, size, position, length);
      const out = new Uint8Array(length);
      pread_exact(fd, out, 0, length, position, file);
      return out;
    },
    read_into(dest, position) {
      checkRange(file, size, position, dest.byteLength);
      pread_exact(fd, dest, 0, dest.byteLength, position, file);
    },
    close() {
      if (open) fs.closeSync(fd);
      open = false;
    },
  };
}

/** Bytes already in memory. */
export function buffer_source(buf: Uint8Array, name: string): ByteSource {
  return {
    name,
    size: buf.byteLength,
    read(position, length) {
      checkRange(name, buf.byteLength, position, length);
      return buf.subarray(position, position + length);
    },
    read_into(dest, position) {
      checkRange(name, buf.byteLength, position, dest.byteLength);
      dest.set(buf.subarray(position, position + dest.byteLength));
    },
    close() {},
  };
}

/** One tensor of a checkpoint, not read yet. */
export interface LazyTensor {
  /** What the values decode to. */
  dtype: "float32" | "int32";
  shape: number[];
  /** How the file stores them. */
  stored: StoredDtype;
  /** Reads and decodes the values into `dest` (numel(shape) values of `dtype`). */
  read_into(dest: Float32Array | Int32Array): void;
}

/** The tensors of one checkpoint file; close() when done. */
export interface WeightsReader {
  readonly source: string;
  tensors: Map<string, LazyTensor>;
  metadata: Record<string, string>;
  close(): void;
}

/** Reads one lazy tensor into a new array. */
export function read_tensor(t: LazyTensor, name: string): TensorData {
  const data = alloc_decoded(t.dtype, numel(t.shape), name);
  t.read_into(data);
  return { dtype: t.dtype, shape: t.shape.slice(), data };
}

/** Every tensor of a reader as plain data (one tensor's bytes in flight at a time). */
export function read_all(reader: WeightsReader): Map<string, TensorData> {
  const out = new Map<string, TensorData>();
  for (const [name, t] of reader.tensors) out.set(name, read_tensor(t, `${reader.source}: '${name}'`));
  return out;
}

/** Runs `fn` on a reader and closes it whatever happens. */
export function with_reader<T>(reader: WeightsReader, fn: (r: WeightsReader) => T): T {
  try {
    return fn(reader);
  } finally {
    reader.close();
  }
}
