// The kernel's V8 startup snapshot: tslab's TypeScript with the declaration files of a kernel's base program
// parsed and bound (snapshot_entry.ts builds it). A kernel whose first cell compiled writes a job (TypeScript's
// path, the binding options, the files) and starts a detached, niced builder; later kernels start from the blob
// (main.ts) and skip TypeScript's load and the parse + bind of those files. Kept under $XDG_CACHE_HOME/bertlab/
// snapshot (or ~/.cache; BERTLAB_SNAPSHOT_DIR overrides, BERTLAB_SNAPSHOT=0 turns it off), never in the package:
// `<ts>-<key>.json` names the published blob and its size, the key hashes Node's version, binary and
// architecture, TypeScript's file and the builder's own code, so any change of them means a new blob. A blob is
// published only after a probe process deserialized it, and atomically (blob under a fresh name, then the meta
// file renamed over the old one); a blob whose size does not match its meta is ignored, and one that fails to
// start (main.ts's launcher sees no ready byte) is deleted and the kernel starts without it. A failed build leaves
// `<ts>-<key>.failed` (its reason): kernels do not ask again for a day.
import { createHash } from "crypto";
import { spawn, spawnSync } from "child_process";
import * as fs from "fs";
import * as os from "os";
import * as path from "path";
import { writeFileAtomicSync } from "../../src/utils/fs";

/** What a snapshot holds: TypeScript, the files parsed and bound with `options`, module resolutions made from declaration files. */
export type SnapshotJob = { typescript: string; options: Record<string, unknown>; files: string[]; resolutions?: Array<[string, unknown]> };
export type SnapshotData = { typescript: string; ts: unknown; parsed: Map<string, { sf: any; mtime: number; target: number }>; resolutions?: Array<[string, any]>; options: string };
type Meta = { blob: string; size: number; files: number; created: string };

const GLOBAL = Symbol.for("bertlab.ts_snapshot");
/** A build lock older than this is a crashed builder's. */
const LOCK_STALE_MS = 10 * 60_000;
/** After a failed build, kernels do not ask again for this long (the same Node, TypeScript and builder would fail again). */
const RETRY_AFTER_MS = 24 * 3600_000;
const ENTRY = path.join(__dirname, "snapshot_entry.js");

/** tslab's TypeScript 5.0.4 (the cell compiler's). */
export function typescript_path(): string {
  return require.resolve("@tslab/typescript-for-tslab", { paths: [path.dirname(require.resolve("tslab/package.json"))] });
}

export function snapshot_enabled(env: NodeJS.ProcessEnv = process.env): boolean {
  return env.BERTLAB_SNAPSHOT !== "0";
}

export function snapshot_dir(env: NodeJS.ProcessEnv = process.env): string {
  if (env.BERTLAB_SNAPSHOT_DIR) return path.resolve(env.BERTLAB_SNAPSHOT_DIR);
  return path.join(env.XDG_CACHE_HOME || path.join(os.homedir(), ".cache"), "bertlab", "snapshot");
}

function sha(text: string): string {
  return createHash("sha256").update(text).digest("hex").slice(0, 16);
}

function stat_id(file: string): string {
  const s = fs.statSync(file);
  return `${file}\0${s.size}\0${s.mtimeMs}`;
}

/** The blob's key: what it was built by and for (a new Node, TypeScript or builder gives another key). */
export function snapshot_key(typescript: string, entry: string = ENTRY): string {
  return sha([process.version, process.arch, process.platform, stat_id(process.execPath), stat_id(typescript), fs.readFileSync(entry, "utf8")].join("\0"));
}

function names(typescript: string, dir: string, entry: string = ENTRY) {
  const prefix = `ts-${sha(typescript)}`;
  const base = path.join(dir, `${prefix}-${snapshot_key(typescript, entry)}`);
  return { prefix, meta: `${base}.json`, lock: `${base}.lock`, job: `${base}.job.json`, failed: `${base}.failed`, base };
}

/** The build lock's file for this TypeScript (and Node, builder) in `dir`. */
export function snapshot_lock_file(typescript: string, dir: string = snapshot_dir(), entry: string = ENTRY): string {
  return names(typescript, dir, entry).lock;
}

/** The published blob for this TypeScript (and Node, builder), or null: none, or its size is not the one written. */
export function find_snapshot(typescript: string, dir: string = snapshot_dir(), entry: string = ENTRY): string | null {
  try {
    const n = names(typescript, dir, entry);
    const meta = JSON.parse(fs.readFileSync(n.meta, "utf8")) as Meta;
    const blob = path.join(dir, path.basename(meta.blob));
    return fs.statSync(blob).size === meta.size ? blob : null;
  } catch {
    return null;
  }
}

/** Forgets a blob that failed to start (its meta too, when it names this blob): the next kernel rebuilds it. */
export function invalidate_snapshot(blob: string): void {
  const dir = path.dirname(blob);
  for (const f of fs.readdirSync(dir)) {
    if (!f.endsWith(".json") || f.endsWith(".job.json")) continue;
    try {
      const meta = JSON.parse(fs.readFileSync(path.join(dir, f), "utf8")) as Meta;
      if (path.basename(meta.blob) === path.basename(blob)) fs.rmSync(path.join(dir, f), { force: true });
    } catch {
      // not a meta file
    }
  }
  fs.rmSync(blob, { force: true });
}

/** The snapshot this process started from, when it holds this TypeScript. */
export function ts_snapshot(typescript: string): SnapshotData | null {
  const data = (globalThis as Record<symbol, unknown>)[GLOBAL] as SnapshotData | undefined;
  return data && data.typescript === typescript ? data : null;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === "EPERM";
  }
}

/** Takes the build lock (a file holding the builder's pid); a dead or old holder's lock is taken over. */
function lock(file: string): boolean {
  for (let tries = 0; tries < 2; tries++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: "wx" });
      return true;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== "EEXIST") return false;
      try {
        const pid = Number(fs.readFileSync(file, "utf8"));
        const age = Date.now() - fs.statSync(file).mtimeMs;
        if (pid && alive(pid) && age < LOCK_STALE_MS) return false;
        fs.rmSync(file, { force: true });
      } catch {
        // removed meanwhile: try again
      }
    }
  }
  return false;
}

export type BuildResult = { ok: true; blob: string; files: number } | { ok: false; reason: string };

/**
 * Builds and publishes the blob for a job (synchronously; the kernel runs this in a detached child process):
 * node writes the blob under a fresh name, a probe process must deserialize it, then the meta file is written
 * atomically and older blobs of the same TypeScript are removed. Nothing is published on any failure.
 */
export function build_snapshot(job: SnapshotJob, dir: string = snapshot_dir(), entry: string = ENTRY): BuildResult {
  fs.mkdirSync(dir, { recursive: true });
  const n = names(job.typescript, dir, entry);
  if (!lock(n.lock)) return { ok: false, reason: "another builder holds the lock" };
  const blob = `${n.base}-${process.pid}-${Date.now()}.blob`;
  const job_file = `${n.base}-${process.pid}.job.json`;
  try {
    fs.writeFileSync(job_file, JSON.stringify(job));
    const built = spawnSync(process.execPath, ["--snapshot-blob", blob, "--build-snapshot", entry, job_file], { encoding: "utf8", stdio: ["ignore", "pipe", "pipe"] });
    if (built.status !== 0 || !fs.existsSync(blob)) return fail(`the builder exited with ${built.status ?? built.signal}: ${(built.stderr || "").trim().slice(-2000)}`);
    const probe = spawnSync(process.execPath, ["--snapshot-blob", blob], { encoding: "utf8", env: { ...process.env, BERTLAB_SNAPSHOT_PROBE: "1" }, stdio: ["ignore", "pipe", "pipe"] });
    const m = /^bertlab snapshot ok (\d+) function$/m.exec(probe.stdout ?? "");
    if (probe.status !== 0 || !m) return fail(`the probe of the new blob failed (${probe.status ?? probe.signal}): ${(probe.stderr || probe.stdout || "").trim().slice(-2000)}`);
    const meta: Meta = { blob: path.basename(blob), size: fs.statSync(blob).size, files: Number(m[1]), created: new Date().toISOString() };
    writeFileAtomicSync(n.meta, JSON.stringify(meta, null, 1));
    // older blobs of this TypeScript install (other keys, earlier builds) are no longer named by any meta
    for (const f of fs.readdirSync(dir)) {
      if (f.startsWith(n.prefix) && f.endsWith(".blob") && f !== meta.blob) fs.rmSync(path.join(dir, f), { force: true });
      if (f.startsWith(n.prefix) && f.endsWith(".json") && !f.endsWith(".job.json") && path.join(dir, f) !== n.meta) fs.rmSync(path.join(dir, f), { force: true });
    }
    fs.rmSync(n.failed, { force: true });
    return { ok: true, blob, files: meta.files };
  } catch (e) {
    return fail((e as Error).message);
  } finally {
    fs.rmSync(job_file, { force: true });
    fs.rmSync(n.lock, { force: true });
  }

  function fail(reason: string): BuildResult {
    fs.rmSync(blob, { force: true });
    try {
      writeFileAtomicSync(n.failed, JSON.stringify({ reason, at: new Date().toISOString() }));
    } catch {
      // kernels will ask again
    }
    return { ok: false, reason };
  }
}

/**
 * Starts a detached, niced builder for `job` unless one runs already (it outlives the kernel: the next kernel
 * starts from its blob). Returns whether one was started.
 */
export function request_snapshot(job: SnapshotJob, log: (line: string) => void = () => {}, dir: string = snapshot_dir()): boolean {
  try {
    fs.mkdirSync(dir, { recursive: true });
    const n = names(job.typescript, dir);
    try {
      if (Date.now() - fs.statSync(n.failed).mtimeMs < RETRY_AFTER_MS) {
        log(`snapshot: not asking for a build, the last one failed (${n.failed}); kernels start without it`);
        return false;
      }
    } catch {
      // no failed build
    }
    try {
      const pid = Number(fs.readFileSync(n.lock, "utf8"));
      if (pid && alive(pid) && Date.now() - fs.statSync(n.lock).mtimeMs < LOCK_STALE_MS) return false;
    } catch {
      // no lock
    }
    writeFileAtomicSync(n.job, JSON.stringify(job));
    // through a short-lived middle process, so the builder is nobody's descendant: a kernel that shuts down
    // ends its descendants (processes.ts), and this build should outlive it
    const child = spawn(process.execPath, [__filename, "--spawn-build", n.job, dir], { detached: true, stdio: "ignore" });
    child.on("error", (e) => log(`snapshot: cannot start the builder: ${e.message}`));
    child.unref();
    return true;
  } catch (e) {
    log(`snapshot: cannot request a build in ${dir} (${(e as Error).message}); kernels start without it`);
    return false;
  }
}

if (require.main === module && process.argv[2] === "--spawn-build") {
  const child = spawn(process.execPath, [__filename, "--build", process.argv[3], process.argv[4]], { detached: true, stdio: "ignore" });
  if (child.pid) {
    try {
      os.setPriority(child.pid, 10); // below the kernels and the notebooks' cells
    } catch {
      // not allowed: it runs at normal priority
    }
  }
  child.unref();
} else if (require.main === module && process.argv[2] === "--build") {
  let r: BuildResult;
  try {
    r = build_snapshot(JSON.parse(fs.readFileSync(process.argv[3], "utf8")) as SnapshotJob, process.argv[4]);
  } finally {
    fs.rmSync(process.argv[3], { force: true });
  }
  if (!r.ok) process.stderr.write(`bertlab snapshot: ${r.reason}\n`);
  process.exit(r.ok ? 0 : 1);
}
