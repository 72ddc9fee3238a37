// Bounded reading of files that may come from anywhere (a model folder, the hub cache, a notebook).
// Only regular files are read: a symlink is followed (the Hugging Face cache is made of symlinks into
// blobs/) and what it points at is checked on the open descriptor, so /dev/zero, a FIFO, a socket or a
// directory is refused with an error naming the path instead of growing memory or hanging. Sizes come
// from fstat before anything is allocated, and every caller states the largest size it accepts.
import * as fs from "fs";

/** A file bertlab will not read: not a regular file, too large, or malformed. The message names the file. */
export class FileFormatError extends Error {
  constructor(message: string, readonly file?: string) {
    super(message);
    this.name = "FileFormatError";
  }
}

/** Upper bounds on what the text readers accept (V8 strings stop at ~512 M characters). */
export const MAX_JSON_BYTES = 256 * 1024 * 1024;

function kindOf(st: fs.Stats): string {
  if (st.isDirectory()) return "a directory";
  if (st.isFIFO()) return "a FIFO (named pipe)";
  if (st.isCharacterDevice()) return "a character device";
  if (st.isBlockDevice()) return "a block device";
  if (st.isSocket()) return "a socket";
  return "not a regular file";
}

/**
 * Opens `file` for reading after checking what it is. O_NONBLOCK keeps the open of a FIFO from
 * waiting for a writer; the check runs on the descriptor (fstat), so a file swapped after a
 * stat cannot slip through. Returns the descriptor and the file's size; close it with fs.closeSync.
 */
export function open_regular_file(file: string, what = "file"): { fd: number; size: number } {
  let fd: number;
  try {
    fd = fs.openSync(file, fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === "ENOENT") throw new FileFormatError(`${what} not found: ${file}`, file);
    throw new FileFormatError(`cannot open ${what} ${file}: ${(e as Error).message}`, file);
  }
  let st: fs.Stats;
  try {
    st = fs.fstatSync(fd);
  } catch (e) {
    fs.closeSync(fd);
    throw new FileFormatError(`cannot stat ${what} ${file}: ${(e as Error).message}`, file);
  }
  if (!st.isFile()) {
    fs.closeSync(fd);
    let target = "";
    try {
      const real = fs.realpathSync(file);
      if (real !== file) target = ` (it resolves to ${real})`;
    } catch {
      // a dangling or looping link was already refused by openSync
    }
    throw new FileFormatError(`${what} ${file} is ${kindOf(st)}${target}; bertlab reads only regular files`, file);
  }
  return { fd, size: st.size };
}

/** Reads exactly `length` bytes at `position` into `into` (at `offset`), or fails naming the file. */
export function pread_exact(fd: number, into: Uint8Array, offset: number, length: number, position: number, file: string): void {
  let done = 0;
  while (done < length) {
    const chunk = Math.min(length - done, 1 << 30);
    const n = fs.readSync(fd, into, offset + done, chunk, position + done);
    if (n === 0) throw new FileFormatError(`${file}: unexpected end of file at byte ${position + done} (the file shrank while being read?)`, file);
    done += n;
  }
}

/** The whole of a regular file, refusing one larger than `max_bytes`. */
export function read_regular_file(file: string, options: { max_bytes: number; what?: string }): Buffer {
  const what = options.what ?? "file";
  const { fd, size } = open_regular_file(file, what);
  try {
    if (size > options.max_bytes) {
      throw new FileFormatError(`${what} ${file} is ${size} bytes; bertlab reads at most ${options.max_bytes} bytes for a ${what}`, file);
    }
    const buf = Buffer.allocUnsafe(size);
    pread_exact(fd, buf, 0, size, 0, file);
    return buf;
  } finally {
    fs.closeSync(fd);
  }
}

/** A regular text file as UTF-8 (at most MAX_JSON_BYTES unless stated). */
export function read_text_file(file: string, what = "text file", max_bytes = MAX_JSON_BYTES): string {
  return read_regular_file(file, { max_bytes, what }).toString("utf8");
}

/** A regular JSON file, parsed; a parse error names the file and what it was meant to be. */
export function read_json_file(file: string, what = "JSON file", max_bytes = MAX_JSON_BYTES): unknown {
  const text = read_text_file(file, what, max_bytes);
  try {
    return JSON.parse(text);
  } catch (e) {
    throw new FileFormatError(`${what} ${file} is not valid JSON: ${(e as Error).message}`, file);
  }
}

/** Whether `e` is one of JavaScript's own error classes (a bug's signature, never a clear message). */
export function is_raw_js_error(e: unknown): boolean {
  return e instanceof TypeError || e instanceof RangeError || e instanceof ReferenceError || e instanceof SyntaxError || e instanceof EvalError || e instanceof URIError;
}
