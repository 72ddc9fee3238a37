// Atomic file writes: data goes to a temporary file beside the target, then one rename.
// A crash or error part-way leaves the old file (or nothing), never a half-written one; the temp file
// a killed writer leaves (`.<name>.<pid>.<ms>.tmp`) is deleted by the next write into that folder.
import * as fs from "fs";
import * as path from "path";
import { pid_alive } from "./lock";

const TEMP_RE = /^\..+\.(\d+)\.\d+\.tmp$/;

function tempName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
}

/** Deletes `.<name>.<pid>.<ms>.tmp` files in `dir` whose writer process is gone. */
export function clean_stale_temps(dir: string): void {
  let entries: string[];
  try {
    entries = fs.readdirSync(dir);
  } catch {
    return;
  }
  for (const e of entries) {
    const m = TEMP_RE.exec(e);
    if (m && !pid_alive(Number(m[1]))) fs.rmSync(path.join(dir, e), { force: true });
  }
}

/** Writes `data` to `file` (created or truncated) and fsyncs it. */
export function write_fsynced(file: string, data: string | Uint8Array | Uint8Array[]): void {
  const fd = fs.openSync(file, "w");
  try {
    for (const chunk of Array.isArray(data) ? data : [data]) fs.writeSync(fd, typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/** Flushes a folder's entries (renames) to disk; a no-op where folders cannot be opened (Windows). */
export function fsync_dir(dir: string): void {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, "r");
    fs.fsyncSync(fd);
  } catch {
    // not supported here
  } finally {
    if (fd !== undefined) fs.closeSync(fd);
  }
}

export function writeFileAtomicSync(target: string, data: string | Uint8Array | Uint8Array[]): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  clean_stale_temps(path.dirname(target));
  const tmp = tempName(target);
  try {
    write_fsynced(tmp, data);
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

export async function writeFileAtomic(target: string, data: string | Uint8Array | Uint8Array[]): Promise<void> {
  writeFileAtomicSync(target, data);
}
