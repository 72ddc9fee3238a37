// A cross-process lock file so two processes never write the same blobs/<etag>.incomplete at once:
// created with O_EXCL and holding the owner's pid; a lock whose owner is gone (or older than
// `stale_ms`) is taken over. Locks live in <cache>/.locks/models--org--name/ like huggingface_hub's
// (with their own names: Python's flock-based locks cannot be shared from Node).
import * as fs from "fs";
import * as path from "path";

function ownerAlive(lock: string, age: number): boolean {
  try {
    const text = fs.readFileSync(lock, "utf8").trim();
    if (text === "" && age < 5_000) return true; // just created; the pid is being written
    const pid = Number(text);
    if (!Number.isInteger(pid) || pid <= 0) return false;
    process.kill(pid, 0); // signal 0: only checks that the process exists
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM"; // exists, owned by another user
  }
}

/** Runs `fn` while holding `lock`; waits (polling) while another live process holds it. */
export async function with_file_lock<T>(lock: string, fn: () => Promise<T>, options: { stale_ms?: number; poll_ms?: number } = {}): Promise<T> {
  const stale = options.stale_ms ?? 30 * 60_000;
  const poll = options.poll_ms ?? 200;
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  for (;;) {
    try {
      const fd = fs.openSync(lock, "wx");
      fs.writeSync(fd, String(process.pid));
      fs.closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      let age = 0;
      try {
        age = Date.now() - fs.statSync(lock).mtimeMs;
      } catch {
        continue; // released between our open and stat
      }
      if (!ownerAlive(lock, age) || age > stale) {
        fs.rmSync(lock, { force: true });
        continue;
      }
      await new Promise((r) => setTimeout(r, poll));
    }
  }
  try {
    return await fn();
  } finally {
    fs.rmSync(lock, { force: true });
  }
}
