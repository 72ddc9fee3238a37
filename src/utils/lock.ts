// Cross-process lock files. A lock is a file created with O_EXCL holding its owner: "pid host start",
// where start is the process's start time (Linux /proc, so a recycled pid is not mistaken for the owner).
// A lock is taken over only when its owner is provably gone: on this host, the pid is dead or belongs to
// another process; on another host (a shared folder), its mtime stopped moving for `stale_ms`, because an
// async owner refreshes the mtime every `heartbeat_ms` while it holds the lock. Two waiters that find
// one stale lock break it through a second O_EXCL file, so only one of them takes it over.
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

export type LockOptions = {
  /** A lock held by another host is stale when its mtime is older than this (default 10 min). */
  stale_ms?: number;
  /** Poll interval while waiting (default 200 ms). */
  poll_ms?: number;
  /** Give up waiting after this long with an error naming the owner (default: wait forever). */
  timeout_ms?: number;
  /** How often an async holder refreshes the lock's mtime (default stale_ms / 4). */
  heartbeat_ms?: number;
};

type Owner = { pid: number; host: string; start: string };

/** The start time of a live process (clock ticks since boot, Linux), "" where unknown, null when dead. */
export function process_start(pid: number): string | null {
  try {
    process.kill(pid, 0); // signal 0: only checks that the process exists
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EPERM") return null;
  }
  try {
    const stat = fs.readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2).split(" ")[19] ?? "";
  } catch {
    return "";
  }
}

/** True when `pid` is a live process (same host). */
export function pid_alive(pid: number): boolean {
  return process_start(pid) !== null;
}

const ME: Owner = { pid: process.pid, host: os.hostname(), start: process_start(process.pid) ?? "" };
const my_line = () => `${ME.pid} ${ME.host} ${ME.start}\n`;

function read_owner(lock: string): Owner | "empty" | "gone" {
  let text: string;
  try {
    text = fs.readFileSync(lock, "utf8");
  } catch {
    return "gone";
  }
  const [pid, host, start] = text.trim().split(/\s+/);
  if (!pid) return "empty";
  return { pid: Number(pid), host: host ?? ME.host, start: start ?? "" };
}

function describe(owner: Owner | "empty" | "gone"): string {
  return typeof owner === "string" ? "a process that is starting" : `process ${owner.pid} on ${owner.host}`;
}

/** Whether the lock file's owner is gone (so the lock may be taken over). */
function is_stale(lock: string, stale_ms: number): boolean {
  let mtime: number;
  try {
    mtime = fs.statSync(lock).mtimeMs;
  } catch {
    return false; // released meanwhile: just try again
  }
  const age = Date.now() - mtime;
  const owner = read_owner(lock);
  if (owner === "gone") return false;
  if (owner === "empty") return age > 5_000; // created, pid not written yet (or the writer died right there)
  if (owner.host !== ME.host) return age > stale_ms;
  if (!Number.isInteger(owner.pid) || owner.pid <= 0) return true;
  const start = process_start(owner.pid);
  if (start === null) return true;
  return owner.start !== "" && start !== "" && start !== owner.start; // pid recycled by another process
}

/** Removes a stale lock; of several processes doing this at once only one succeeds in breaking it. */
function break_stale(lock: string, stale_ms: number): void {
  const breaker = `${lock}.break`;
  try {
    fs.closeSync(fs.openSync(breaker, "wx"));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
    try {
      if (Date.now() - fs.statSync(breaker).mtimeMs > 10_000) fs.rmSync(breaker, { force: true }); // its breaker died
    } catch {
      // gone meanwhile
    }
    return;
  }
  try {
    if (is_stale(lock, stale_ms)) fs.rmSync(lock, { force: true });
  } finally {
    fs.rmSync(breaker, { force: true });
  }
}

/** One attempt: true when this process now holds `lock`. */
function try_acquire(lock: string, stale_ms: number): boolean {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = fs.openSync(lock, "wx");
      try {
        fs.writeSync(fd, my_line());
      } finally {
        fs.closeSync(fd);
      }
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") throw e;
      if (!is_stale(lock, stale_ms)) return false;
      break_stale(lock, stale_ms);
    }
  }
  return false;
}

function release(lock: string): void {
  const owner = read_owner(lock);
  if (typeof owner !== "string" && owner.pid === ME.pid && owner.host === ME.host) fs.rmSync(lock, { force: true });
}

function timeout_error(lock: string, waited_ms: number): Error {
  return new Error(`${lock} is held by ${describe(read_owner(lock))}; gave up after waiting ${(waited_ms / 1000).toFixed(1)} s (it is released when that process finishes or dies)`);
}

/** Runs `fn` while holding `lock`; waits (polling) while another live process holds it. */
export async function with_file_lock<T>(lock: string, fn: () => Promise<T>, options: LockOptions = {}): Promise<T> {
  const stale = options.stale_ms ?? 10 * 60_000;
  const poll = options.poll_ms ?? 200;
  const t0 = Date.now();
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  while (!try_acquire(lock, stale)) {
    if (options.timeout_ms !== undefined && Date.now() - t0 > options.timeout_ms) throw timeout_error(lock, Date.now() - t0);
    await new Promise((r) => setTimeout(r, poll));
  }
  const beat = setInterval(() => {
    try {
      const now = new Date();
      fs.utimesSync(lock, now, now);
    } catch {
      // removed by hand: nothing to refresh
    }
  }, options.heartbeat_ms ?? Math.max(10, stale / 4));
  beat.unref();
  try {
    return await fn();
  } finally {
    clearInterval(beat);
    release(lock);
  }
}

const sleeper = new Int32Array(new SharedArrayBuffer(4));

/** Synchronous `with_file_lock` for short critical sections (a save): no heartbeat, the pid guards it. */
export function with_file_lock_sync<T>(lock: string, fn: () => T, options: LockOptions = {}): T {
  const stale = options.stale_ms ?? 10 * 60_000;
  const poll = options.poll_ms ?? 50;
  const t0 = Date.now();
  fs.mkdirSync(path.dirname(lock), { recursive: true });
  while (!try_acquire(lock, stale)) {
    const owner = read_owner(lock);
    if (typeof owner !== "string" && owner.pid === ME.pid && owner.host === ME.host) {
      throw new Error(`${lock} is already held by this process (a write into the same folder is still running); waiting here would never end`);
    }
    if (options.timeout_ms !== undefined && Date.now() - t0 > options.timeout_ms) throw timeout_error(lock, Date.now() - t0);
    Atomics.wait(sleeper, 0, 0, poll);
  }
  try {
    return fn();
  } finally {
    release(lock);
  }
}
