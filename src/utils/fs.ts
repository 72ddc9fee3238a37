// Atomic file writes: data goes to a temporary file beside the target, then one rename.
// A crash or error part-way leaves the old file (or nothing), never a half-written one.
import * as fs from "fs";
import * as path from "path";

function tempName(target: string): string {
  return path.join(path.dirname(target), `.${path.basename(target)}.${process.pid}.${Date.now()}.tmp`);
}

export function writeFileAtomicSync(target: string, data: string | Uint8Array | Uint8Array[]): void {
  fs.mkdirSync(path.dirname(target), { recursive: true });
  const tmp = tempName(target);
  try {
    const fd = fs.openSync(tmp, "w");
    try {
      for (const chunk of Array.isArray(data) ? data : [data]) fs.writeSync(fd, typeof chunk === "string" ? Buffer.from(chunk, "utf8") : chunk);
      fs.fsyncSync(fd);
    } finally {
      fs.closeSync(fd);
    }
    fs.renameSync(tmp, target);
  } catch (e) {
    fs.rmSync(tmp, { force: true });
    throw e;
  }
}

export async function writeFileAtomic(target: string, data: string | Uint8Array | Uint8Array[]): Promise<void> {
  writeFileAtomicSync(target, data);
}
