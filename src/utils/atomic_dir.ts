// All-or-nothing writes of several files (a model: config.json + model.safetensors) or of a whole folder
// (a Trainer checkpoint), with a commit journal:
//   1. take <dir>/.bertlab-write.lock (two writers never interleave; see ./lock.ts);
//   2. finish or clean up what a killed writer left (roll its journal forward, delete its temp files);
//   3. write every new file to a hidden temp `.<name>.bertlab-<txid>.tmp` beside its target, fsync;
//   4. write the journal <dir>/.bertlab-commit.json (atomically) naming the temps: this is the commit point;
//   5. rename each temp over its target, delete what the journal says to delete, delete the journal.
// A crash before 4 leaves the old files untouched (the temps are deleted by the next writer or reader);
// a crash after 4 leaves a journal that the next writer or reader rolls forward, so the new state
// appears complete. Readers (`read_dir_consistent`) never see a half-committed folder: they finish a
// dead writer's journal first, and retry when the folder changed while they were reading it.
import * as fs from "fs";
import * as path from "path";
import { randomBytes } from "crypto";
import { with_file_lock_sync } from "./lock";
import { clean_stale_temps, fsync_dir, write_fsynced } from "./fs";

export const LOCK_NAME = ".bertlab-write.lock";
export const JOURNAL_NAME = ".bertlab-commit.json";
const TEMP_RE = /^\.(.+)\.bertlab-([0-9a-z-]+)\.tmp$/;

export type DirFile = { name: string; data: string | Uint8Array | Uint8Array[] };

type Journal = {
  txid: string;
  /** Targets (relative to the folder) whose temp `.<name>.bertlab-<txid>.tmp` replaces them. */
  files: string[];
  /** Targets that are folders: the old one is moved aside before the temp folder takes its name. */
  dirs?: string[];
  /** Files of the old state that the new state does not have (stale shards). */
  remove?: string[];
};

export type WriteOptions = {
  /** Names to delete in the same commit (e.g. the shards of an earlier sharded save). */
  remove?: string[];
  /** How long to wait for another writer of the same folder (default 10 min). */
  lock_timeout_ms?: number;
};

const temp_of = (name: string, txid: string) => `.${name}.bertlab-${txid}.tmp`;
const aside_of = (name: string, txid: string) => `.${name}.bertlab-${txid}.old`;
const new_txid = () => `${process.pid}-${Date.now().toString(36)}-${randomBytes(3).toString("hex")}`;

function check_name(name: string): void {
  if (!name || name.includes("/") || name.includes("\\") || name === "." || name === ".." || name.startsWith(".bertlab")) {
    throw new Error(`atomic write: "${name}" is not a plain file name`);
  }
}

function read_journal(dir: string): Journal | null {
  let text: string;
  try {
    text = fs.readFileSync(path.join(dir, JOURNAL_NAME), "utf8");
  } catch {
    return null;
  }
  try {
    return JSON.parse(text) as Journal;
  } catch {
    // The journal is renamed into place complete; an unreadable one was never a commit.
    fs.rmSync(path.join(dir, JOURNAL_NAME), { force: true });
    return null;
  }
}

/** Makes the journal's commit true on disk (idempotent: safe to repeat after a crash at any point). */
function roll_forward(dir: string, j: Journal): void {
  for (const name of j.files) {
    const tmp = path.join(dir, temp_of(name, j.txid));
    if (fs.existsSync(tmp)) fs.renameSync(tmp, path.join(dir, name));
  }
  for (const name of j.dirs ?? []) {
    const tmp = path.join(dir, temp_of(name, j.txid));
    const target = path.join(dir, name);
    const aside = path.join(dir, aside_of(name, j.txid));
    if (fs.existsSync(tmp)) {
      if (fs.existsSync(target)) fs.renameSync(target, aside);
      fs.renameSync(tmp, target);
    }
    fs.rmSync(aside, { recursive: true, force: true });
  }
  for (const name of j.remove ?? []) fs.rmSync(path.join(dir, name), { recursive: true, force: true });
  fsync_dir(dir);
  fs.rmSync(path.join(dir, JOURNAL_NAME), { force: true });
  fsync_dir(dir);
}

/** Under the folder's lock: finishes a dead writer's commit and deletes temps no journal refers to. */
function recover_locked(dir: string): void {
  const j = read_journal(dir);
  if (j) roll_forward(dir, j);
  for (const entry of fs.readdirSync(dir)) {
    if (TEMP_RE.test(entry) || /^\.(.+)\.bertlab-([0-9a-z-]+)\.old$/.test(entry)) {
      fs.rmSync(path.join(dir, entry), { recursive: true, force: true });
    }
  }
  clean_stale_temps(dir);
}

function locked<T>(dir: string, fn: () => T, timeout_ms?: number): T {
  return with_file_lock_sync(path.join(dir, LOCK_NAME), fn, { timeout_ms: timeout_ms ?? 10 * 60_000 });
}

function commit(dir: string, j: Journal): void {
  fsync_dir(dir);
  const journal = path.join(dir, JOURNAL_NAME);
  const tmp = path.join(dir, temp_of(JOURNAL_NAME.slice(1), j.txid));
  write_fsynced(tmp, JSON.stringify(j) + "\n");
  fs.renameSync(tmp, journal); // the commit point
  fsync_dir(dir);
  roll_forward(dir, j);
}

/**
 * Writes `files` into `dir` all-or-nothing: a reader sees every old file or every new one, never a mix,
 * even if this process is killed at any point. Other files of the folder are left alone.
 */
export function write_files_atomic(dir: string, files: DirFile[], options: WriteOptions = {}): string[] {
  if (fs.existsSync(dir) && !fs.statSync(dir).isDirectory()) throw new Error(`Provided path (${dir}) should be a directory, not a file`);
  for (const f of files) check_name(f.name);
  for (const n of options.remove ?? []) check_name(n);
  fs.mkdirSync(dir, { recursive: true });
  return locked(dir, () => {
    recover_locked(dir);
    const j: Journal = { txid: new_txid(), files: files.map((f) => f.name), remove: (options.remove ?? []).filter((n) => !files.some((f) => f.name === n)) };
    try {
      for (const f of files) write_fsynced(path.join(dir, temp_of(f.name, j.txid)), f.data);
    } catch (e) {
      for (const f of files) fs.rmSync(path.join(dir, temp_of(f.name, j.txid)), { force: true });
      throw e;
    }
    commit(dir, j);
    return files.map((f) => path.join(dir, f.name));
  }, options.lock_timeout_ms);
}

/**
 * Writes the folder `target` all-or-nothing: `write` fills a hidden temp folder beside it, which then
 * replaces `target` (an existing one is moved aside first and deleted after). Returns `target`.
 */
export function write_dir_atomic(target: string, write: (tmp: string) => void, options: { lock_timeout_ms?: number } = {}): string {
  const parent = path.dirname(path.resolve(target));
  const name = path.basename(path.resolve(target));
  check_name(name);
  fs.mkdirSync(parent, { recursive: true });
  return locked(parent, () => {
    recover_locked(parent);
    const j: Journal = { txid: new_txid(), files: [], dirs: [name] };
    const tmp = path.join(parent, temp_of(name, j.txid));
    fs.mkdirSync(tmp);
    try {
      write(tmp);
    } catch (e) {
      fs.rmSync(tmp, { recursive: true, force: true });
      throw e;
    }
    commit(parent, j);
    return target;
  }, options.lock_timeout_ms);
}

/** Finishes or cleans up what a killed writer left in `dir` (no-op when the folder is clean). */
export function recover_dir(dir: string, options: { lock_timeout_ms?: number } = {}): void {
  if (!fs.existsSync(path.join(dir, JOURNAL_NAME))) return;
  locked(dir, () => recover_locked(dir), options.lock_timeout_ms ?? 60_000);
}

/** The folder's visible entries with their identity: any rename into the folder changes it. */
function snapshot(dir: string): string {
  const rows: string[] = [];
  for (const e of fs.readdirSync(dir).sort()) {
    if (e.startsWith(".") && e !== JOURNAL_NAME) continue;
    try {
      const st = fs.statSync(path.join(dir, e));
      rows.push(`${e}:${st.ino}:${st.size}:${st.mtimeMs}`);
    } catch {
      rows.push(`${e}:gone`);
    }
  }
  return rows.join("\n");
}

/**
 * Runs the reader `fn` over the local folder `dir` so that it sees one committed state: a dead writer's
 * journal is rolled forward first, and `fn` is run again when a writer committed while it was reading.
 * For anything that is not a local folder (a hub id), `fn` runs once as is.
 */
export async function read_dir_consistent<T>(dir: string, fn: () => Promise<T>, attempts = 5): Promise<T> {
  let is_dir = false;
  try {
    is_dir = fs.statSync(dir).isDirectory();
  } catch {
    // not a local folder
  }
  if (!is_dir) return fn();
  for (let i = 1; ; i++) {
    if (fs.existsSync(path.join(dir, JOURNAL_NAME))) {
      // A commit is in progress (wait for its writer) or was cut short (finish it).
      try {
        recover_dir(dir);
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code === "EACCES" || (e as NodeJS.ErrnoException).code === "EROFS") {
          throw new Error(`${dir} holds an interrupted save (${JOURNAL_NAME}); open it once with write access to finish that save`);
        }
        throw e;
      }
    }
    const before = snapshot(dir);
    let result: T;
    try {
      result = await fn();
    } catch (e) {
      if (i < attempts && snapshot(dir) !== before) continue; // it changed under us: read again
      throw e;
    }
    const after = snapshot(dir);
    if (after === before && !after.includes(JOURNAL_NAME)) return result;
    if (i >= attempts) throw new Error(`${dir} kept changing while it was read (${attempts} attempts); is another process saving into it in a loop?`);
  }
}
